/**
 * The panel's state: the active notebook, its findings and graph, and the actions' progress.
 * Views listen to `changed`; only `request.ts` talks to the server.
 */
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { cellIndexOf, editorPosition, reorderOf } from './pure/diagnostics';
import { movesForOrder } from './pure/moves';
import { INotebookLike, toLintDocument } from './pure/notebookJson';
import * as api from './request';
import {
  DEFAULT_SETTINGS,
  IDiagnostic,
  IGraph,
  IJob,
  IPanelSettings,
  IServerStatus
} from './tokens';

/** The CSS classes put on cells with findings (the marker in the notebook itself). */
export const CELL_MARKER = 'nb2prod-has-findings';
const SEVERITY_CLASSES = ['nb2prod-cell-error', 'nb2prod-cell-warning', 'nb2prod-cell-info'];

export interface IActionState {
  busy: boolean;
  result: unknown;
  error: string | null;
  /** What the result shows: a preview (nothing written yet) or what was written. */
  stage: 'idle' | 'preview' | 'written';
}

export type ActionName = 'extract' | 'pin' | 'repro';

function idleAction(): IActionState {
  return { busy: false, result: null, error: null, stage: 'idle' };
}

export class Nb2prodModel implements IDisposable {
  constructor(
    private readonly tracker: INotebookTracker,
    private readonly activateNotebook: (panel: NotebookPanel) => void = () => undefined
  ) {
    tracker.currentChanged.connect(this._onCurrentChanged, this);
    tracker.activeCellChanged.connect(this._onActiveCellChanged, this);
    NotebookActions.executed.connect(this._onExecuted, this);
    this._setNotebook(tracker.currentWidget);
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get isDisposed(): boolean {
    return this._isDisposed;
  }

  settings: IPanelSettings = { ...DEFAULT_SETTINGS };
  notebook: NotebookPanel | null = null;
  diagnostics: IDiagnostic[] = [];
  graph: IGraph | null = null;
  graphError: string | null = null;
  lintError: string | null = null;
  isLinting = false;
  lastDurationMs: number | null = null;
  status: IServerStatus | null = null;
  /** 1-based number of the active cell, for the re-run query. */
  activeCell: number | null = null;
  actions: Record<ActionName, IActionState> = { extract: idleAction(), pin: idleAction(), repro: idleAction() };
  /** How many lint requests were sent and how many were superseded (for tests and the status line). */
  lintCount = 0;
  abortedCount = 0;

  get path(): string | null {
    const context = this.notebook?.context;
    return context ? (context.localPath ?? context.path) : null;
  }

  /** The reorder fix offered by any finding, if lint offers one. */
  get reorder(): number[] | null {
    for (const diagnostic of this.diagnostics) {
      const order = reorderOf(diagnostic);
      if (order) {
        return order;
      }
    }
    return null;
  }

  setSettings(settings: IPanelSettings): void {
    this.settings = settings;
    this.schedule(0);
  }

  setStatus(status: IServerStatus): void {
    this.status = status;
    this._emit();
  }

  /** Lint after the debounce delay; a newer call replaces an older one. */
  schedule(delay: number = this.settings.debounceMs): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
    }
    this._timer = window.setTimeout(() => {
      this._timer = null;
      void this.lintNow();
    }, delay);
  }

  /** Lint the live model now, cancelling any request still in flight. */
  async lintNow(): Promise<void> {
    const panel = this.notebook;
    const path = this.path;
    if (!panel || !panel.model || path === null) {
      return;
    }
    if (this._controller) {
      this._controller.abort();
      this.abortedCount += 1;
    }
    const controller = new AbortController();
    this._controller = controller;
    const document = toLintDocument(panel.model.toJSON() as unknown as INotebookLike);
    this.isLinting = true;
    this.lintCount += 1;
    this._emit();
    const { select, ignore, includeRuff } = this.settings;
    const lint = api.lintNotebook(path, document, { select, ignore, ruff: includeRuff }, controller.signal);
    const graph =
      this.status && !this.status.features.graph
        ? Promise.resolve(null)
        : api.fetchGraph(path, document, controller.signal);
    const [lintResult, graphResult] = await Promise.allSettled([lint, graph]);
    if (controller !== this._controller || panel !== this.notebook) {
      return; // superseded: a newer request owns the state
    }
    this._controller = null;
    this.isLinting = false;
    if (lintResult.status === 'fulfilled') {
      this.diagnostics = lintResult.value.diagnostics;
      this.lastDurationMs = lintResult.value.duration_ms;
      this.lintError = null;
    } else if (!api.isAbort(lintResult.reason)) {
      this.lintError = String((lintResult.reason as Error).message ?? lintResult.reason);
    }
    if (graphResult.status === 'fulfilled') {
      this.graph = graphResult.value;
      this.graphError = graphResult.value ? null : 'The execution-order graph is not available on this server.';
    } else if (!api.isAbort(graphResult.reason)) {
      this.graph = null;
      this.graphError = String((graphResult.reason as Error).message ?? graphResult.reason);
    }
    this._markCells();
    this._emit();
  }

  /** Activate the notebook and the cell of `diagnostic`, with the cursor at its line. */
  async jumpTo(diagnostic: IDiagnostic): Promise<void> {
    const panel = this.notebook;
    if (!panel) {
      return;
    }
    const index = cellIndexOf(diagnostic, this._cellIds(panel));
    if (index === null) {
      return;
    }
    await this._activateCell(panel, index, diagnostic.line !== null ? editorPosition(diagnostic) : null);
  }

  /** Activate cell `number` (1-based). */
  async jumpToCell(number: number): Promise<void> {
    const panel = this.notebook;
    if (panel && number >= 1 && number <= panel.content.widgets.length) {
      await this._activateCell(panel, number - 1, null);
    }
  }

  /** Apply lint's "reorder for Restart & Run All" fix to the notebook model (undoable, unsaved). */
  applyReorder(order: number[]): string | null {
    const model = this.notebook?.model;
    if (!model) {
      return 'No notebook is active.';
    }
    const shared = model.sharedModel;
    let moves: Array<[number, number]>;
    try {
      moves = movesForOrder(order, shared.cells.length);
    } catch (error) {
      return (error as Error).message;
    }
    shared.transact(() => {
      for (const [from, to] of moves) {
        shared.moveCell(from, to);
      }
    });
    this.schedule(0);
    return null;
  }

  async runAction(name: ActionName, write: boolean): Promise<void> {
    const path = this.path;
    if (path === null) {
      return;
    }
    if (this.notebook?.context.model.dirty) {
      await this.notebook.context.save(); // extract, pin and repro read the file: save edits first
    }
    this.actions[name] = { ...this.actions[name], busy: true, error: null };
    this._emit();
    try {
      let result: unknown;
      if (name === 'extract') {
        result = write ? await api.extractWrite(path) : await api.extractPreview(path);
      } else if (name === 'pin') {
        result = await api.pin(path, write);
      } else {
        result = await this._runRepro(path);
      }
      this.actions[name] = { busy: false, result, error: null, stage: write ? 'written' : 'preview' };
    } catch (error) {
      this.actions[name] = { ...this.actions[name], busy: false, error: (error as Error).message };
    }
    this._emit();
  }

  async cancelRepro(): Promise<void> {
    if (this._jobId) {
      await api.cancelJob(this._jobId);
    }
  }

  dispose(): void {
    if (this._isDisposed) {
      return;
    }
    this._isDisposed = true;
    this._controller?.abort();
    this._setNotebook(null);
    Signal.clearData(this);
  }

  private async _runRepro(path: string): Promise<IJob> {
    let job = await api.startRepro(path);
    this._jobId = job.id;
    while (job.state === 'queued' || job.state === 'running') {
      this.actions.repro = { ...this.actions.repro, busy: true, result: job };
      this._emit();
      await new Promise(resolve => window.setTimeout(resolve, 700));
      job = await api.fetchJob(job.id);
    }
    this._jobId = null;
    if (job.state === 'failed') {
      throw new Error(job.error ?? 'the reproducibility check failed');
    }
    return job;
  }

  private _cellIds(panel: NotebookPanel): (string | null)[] {
    const model = panel.model;
    return model ? model.sharedModel.cells.map(cell => cell.id ?? null) : [];
  }

  private async _activateCell(
    panel: NotebookPanel,
    index: number,
    position: { line: number; column: number } | null
  ): Promise<void> {
    this.activateNotebook(panel);
    const notebook = panel.content;
    notebook.activeCellIndex = index;
    const cell = notebook.widgets[index];
    if (!cell) {
      return;
    }
    await notebook.scrollToItem(index, 'smart');
    await cell.ready;
    if (position && cell.model.type !== 'markdown') {
      notebook.mode = 'edit';
      cell.editor?.setCursorPosition(position);
      cell.editor?.focus();
    }
  }

  private _markCells(): void {
    const panel = this.notebook;
    if (!panel) {
      return;
    }
    const worst = new Map<number, string>();
    const codes = new Map<number, string[]>();
    const ids = this._cellIds(panel);
    if (this.settings.markCells) {
      for (const diagnostic of this.diagnostics) {
        const index = cellIndexOf(diagnostic, ids);
        if (index === null) {
          continue;
        }
        const rank = { error: 0, warning: 1, info: 2 }[diagnostic.severity];
        const current = worst.get(index);
        if (current === undefined || rank < SEVERITY_CLASSES.indexOf(current)) {
          worst.set(index, SEVERITY_CLASSES[rank]);
        }
        codes.set(index, [...(codes.get(index) ?? []), diagnostic.code]);
      }
    }
    panel.content.widgets.forEach((cell, index) => {
      const node = cell.node;
      node.classList.remove(CELL_MARKER, ...SEVERITY_CLASSES);
      const severityClass = worst.get(index);
      if (severityClass) {
        node.classList.add(CELL_MARKER, severityClass);
        node.dataset.nb2prodCodes = [...new Set(codes.get(index))].join(' ');
      } else {
        delete node.dataset.nb2prodCodes;
      }
    });
  }

  private _clearMarkers(panel: NotebookPanel): void {
    for (const cell of panel.content.widgets) {
      cell.node.classList.remove(CELL_MARKER, ...SEVERITY_CLASSES);
      delete cell.node.dataset.nb2prodCodes;
    }
  }

  private _onCurrentChanged(_: INotebookTracker, panel: NotebookPanel | null): void {
    this._setNotebook(panel);
  }

  private _setNotebook(panel: NotebookPanel | null): void {
    if (panel === this.notebook) {
      return;
    }
    const previous = this.notebook;
    if (previous) {
      previous.model?.sharedModel.changed.disconnect(this._onContentChanged, this);
      previous.disposed.disconnect(this._onNotebookDisposed, this);
      this._clearMarkers(previous);
    }
    this._controller?.abort();
    this._controller = null;
    this.notebook = panel;
    this.diagnostics = [];
    this.graph = null;
    this.graphError = null;
    this.lintError = null;
    this.isLinting = false;
    this.actions = { extract: idleAction(), pin: idleAction(), repro: idleAction() };
    this.activeCell = panel ? panel.content.activeCellIndex + 1 : null;
    if (panel) {
      panel.disposed.connect(this._onNotebookDisposed, this);
      void panel.context.ready.then(() => {
        if (panel !== this.notebook || !panel.model) {
          return;
        }
        panel.model.sharedModel.changed.connect(this._onContentChanged, this);
        this.schedule(0);
      });
    }
    this._emit();
  }

  private _onNotebookDisposed(): void {
    this._setNotebook(this.tracker.currentWidget);
  }

  private _onContentChanged(): void {
    if (this.settings.lintOnEdit) {
      this.schedule();
    }
  }

  private _onExecuted(_: unknown, args: { notebook: unknown }): void {
    if (this.notebook && args.notebook === this.notebook.content && this.settings.lintOnExecute) {
      this.schedule(50);
    }
  }

  private _onActiveCellChanged(): void {
    const panel = this.notebook;
    this.activeCell = panel ? panel.content.activeCellIndex + 1 : null;
    this._emit();
  }

  private _emit(): void {
    this._changed.emit();
  }

  private _changed = new Signal<this, void>(this);
  private _controller: AbortController | null = null;
  private _timer: number | null = null;
  private _jobId: string | null = null;
  private _isDisposed = false;
}
