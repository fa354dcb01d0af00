/**
 * Types shared by the nb2prod panel: the JSON shapes of the server's API and the plugin's ids.
 */

/** The plugin id; also the settings registry key (schema/plugin.json). */
export const PLUGIN_ID = 'nb2prod:plugin';

/** Command ids. */
export namespace CommandIDs {
  export const lint = 'nb2prod:lint';
  export const showPanel = 'nb2prod:show-panel';
  export const showRule = 'nb2prod:show-rule';
  export const reorder = 'nb2prod:reorder-for-run-all';
}

export type Severity = 'error' | 'warning' | 'info';

/** One edit of a fix, as in `nb2prod lint --format json`. */
export type IEdit =
  | {
      kind: 'replace_text';
      cell: number;
      line: number;
      column: number;
      end_line: number;
      end_column: number;
      content: string;
    }
  | { kind: 'move_cells'; order: number[] }
  | { kind: 'clear_outputs'; cell: number; output_indices: number[] };

export interface IFix {
  title: string;
  applicability: 'safe' | 'unsafe' | 'display-only';
  edits: IEdit[];
}

export interface IRelated {
  cell: number;
  line: number;
  column: number;
  message: string;
}

/**
 * A finding, exactly as `nb2prod lint --format json` prints it. Positions are 1-based (cell number
 * counting every cell, line and column within the cell); the frontend converts at its own boundary.
 */
export interface IDiagnostic {
  path: string;
  code: string;
  name: string;
  message: string;
  severity: Severity;
  cell: number | null;
  cell_id: string | null;
  line: number | null;
  column: number | null;
  end_line: number | null;
  end_column: number | null;
  source: string;
  fix: IFix | null;
  related: IRelated[];
}

export interface ILintReply {
  path: string;
  cell_count: number;
  diagnostics: IDiagnostic[];
  duration_ms: number;
}

export type EdgeKind = 'flow' | 'out-of-order' | 'stale' | 'lost';

export interface IGraphCell {
  number: number;
  cell_id: string | null;
  kind: string;
  execution_count: number | null;
  label: string;
}

export interface IGraphEdge {
  source: number;
  target: number;
  names: string[];
  kind: EdgeKind;
}

/** `nb2prod.analysis.graph.notebook_graph(notebook)`. */
export interface IGraph {
  cells: IGraphCell[];
  edges: IGraphEdge[];
}

export interface IRuleSummary {
  code: string;
  name: string;
  family: string;
  severity: Severity;
  fix: string | null;
  summary: string;
}

export interface IRuleDoc extends IRuleSummary {
  sections: Record<string, string>;
  markdown: string;
}

export interface IServerStatus {
  version: string;
  features: { graph: boolean; extract: boolean; pin: boolean; repro: boolean };
}

export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface IJob {
  id: string;
  kind: string;
  path: string;
  state: JobState;
  progress: Record<string, unknown>;
  result: unknown;
  error: string | null;
}

/** The error body every nb2prod route answers with. */
export interface IApiError {
  code: string;
  message: string;
}

/** The panel's settings (schema/plugin.json). */
export interface IPanelSettings {
  select: string[];
  ignore: string[];
  lintOnEdit: boolean;
  lintOnExecute: boolean;
  debounceMs: number;
  includeRuff: boolean;
  markCells: boolean;
}

export const DEFAULT_SETTINGS: IPanelSettings = {
  select: [],
  ignore: [],
  lintOnEdit: true,
  lintOnExecute: true,
  debounceMs: 400,
  includeRuff: true,
  markCells: true
};
