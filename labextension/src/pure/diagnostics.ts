/**
 * Pure functions over diagnostics: grouping by cell, editor positions, severity counts.
 */
import type { IDiagnostic, Severity } from '../tokens';

export interface ICellGroup {
  /** 1-based cell number, or null for findings about the whole notebook. */
  cell: number | null;
  diagnostics: IDiagnostic[];
  /** The most severe finding in the group. */
  severity: Severity;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export function worstSeverity(diagnostics: readonly IDiagnostic[]): Severity {
  let worst: Severity = 'info';
  for (const diagnostic of diagnostics) {
    if (SEVERITY_RANK[diagnostic.severity] < SEVERITY_RANK[worst]) {
      worst = diagnostic.severity;
    }
  }
  return worst;
}

/** Findings grouped by cell: whole-notebook findings first, then cells in notebook order. */
export function groupByCell(diagnostics: readonly IDiagnostic[]): ICellGroup[] {
  const groups = new Map<number | null, IDiagnostic[]>();
  for (const diagnostic of diagnostics) {
    const key = diagnostic.cell;
    const list = groups.get(key);
    if (list) {
      list.push(diagnostic);
    } else {
      groups.set(key, [diagnostic]);
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a ?? 0) - (b ?? 0))
    .map(([cell, items]) => ({
      cell,
      diagnostics: [...items].sort(
        (x, y) => (x.line ?? 0) - (y.line ?? 0) || (x.column ?? 0) - (y.column ?? 0) || x.code.localeCompare(y.code)
      ),
      severity: worstSeverity(items)
    }));
}

export function countBySeverity(diagnostics: readonly IDiagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const diagnostic of diagnostics) {
    counts[diagnostic.severity] += 1;
  }
  return counts;
}

/** The editor position (0-based line and column, as CodeMirror wants) where a finding starts. */
export function editorPosition(diagnostic: IDiagnostic): { line: number; column: number } {
  return {
    line: Math.max(0, (diagnostic.line ?? 1) - 1),
    column: Math.max(0, (diagnostic.column ?? 1) - 1)
  };
}

/** The 0-based index of the cell a finding is about: by cell id when it still exists, else by number. */
export function cellIndexOf(diagnostic: IDiagnostic, cellIds: readonly (string | null)[]): number | null {
  if (diagnostic.cell_id) {
    const byId = cellIds.indexOf(diagnostic.cell_id);
    if (byId >= 0) {
      return byId;
    }
  }
  if (diagnostic.cell === null) {
    return null;
  }
  const index = diagnostic.cell - 1;
  return index >= 0 && index < cellIds.length ? index : null;
}

/** The reorder a finding offers (a `move_cells` edit), if any. */
export function reorderOf(diagnostic: IDiagnostic): number[] | null {
  for (const edit of diagnostic.fix?.edits ?? []) {
    if (edit.kind === 'move_cells') {
      return edit.order;
    }
  }
  return null;
}
