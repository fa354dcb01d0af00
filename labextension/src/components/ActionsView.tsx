/**
 * The Actions section: Extract, Pin, Reproducibility check, and the reorder fix.
 */
import * as React from 'react';

import type { ActionName, Nb2prodModel } from '../model';
import type { IJob } from '../tokens';
import { ResultView } from './ResultView';

export interface IActionsViewProps {
  model: Nb2prodModel;
  onReorder: (order: number[]) => void;
}

interface IActionSpec {
  name: ActionName;
  title: string;
  description: string;
  previewLabel: string | null;
  writeLabel: string | null;
}

const ACTIONS: IActionSpec[] = [
  {
    name: 'extract',
    title: 'Extract',
    description: 'Turn the notebook into a typed Python module with tests.',
    previewLabel: 'Preview',
    writeLabel: 'Write module'
  },
  {
    name: 'pin',
    title: 'Pin',
    description: 'Imports → distributions → versions of the environment this notebook needs.',
    previewLabel: 'Show pins',
    writeLabel: 'Write pins'
  },
  {
    name: 'repro',
    title: 'Reproducibility check',
    description: 'Re-run a copy top to bottom in a fresh kernel and compare every cell’s outputs.',
    previewLabel: null,
    writeLabel: 'Run check'
  }
];

function JobProgress({ job }: { job: IJob }): JSX.Element {
  const progress = job.progress as { cell?: number; total?: number; message?: string };
  const done = typeof progress.cell === 'number' ? progress.cell : 0;
  const total = typeof progress.total === 'number' ? progress.total : 0;
  return (
    <div className="nb2prod-progress">
      <progress max={total || 1} value={total ? done : undefined} />
      <span>
        {job.state}
        {total ? ` · cell ${done} of ${total}` : ''}
        {progress.message ? ` · ${progress.message}` : ''}
      </span>
    </div>
  );
}

export function ActionsView({ model, onReorder }: IActionsViewProps): JSX.Element {
  if (!model.notebook) {
    return <div className="nb2prod-empty">Open a notebook to act on it.</div>;
  }
  const features = model.status?.features;
  const reorder = model.reorder;
  return (
    <div className="nb2prod-actions">
      <div className="nb2prod-action" data-action="reorder">
        <div className="nb2prod-action-title">Fix: reorder for Restart &amp; Run All</div>
        <div className="nb2prod-action-description">
          {reorder
            ? `Move cells so that every name is defined before it is used: new order ${reorder.join(', ')}.`
            : 'Lint offers no reorder for this notebook.'}
        </div>
        <button className="jp-mod-styled jp-mod-accept" disabled={!reorder} onClick={() => reorder && onReorder(reorder)}>
          Reorder cells
        </button>
      </div>
      {ACTIONS.map(spec => {
        const state = model.actions[spec.name];
        const available = features ? features[spec.name] : true;
        const job = spec.name === 'repro' && state.result && (state.result as IJob).state ? (state.result as IJob) : null;
        return (
          <div className="nb2prod-action" data-action={spec.name} key={spec.name}>
            <div className="nb2prod-action-title">{spec.title}</div>
            <div className="nb2prod-action-description">
              {available ? spec.description : `${spec.description} (not available on this server)`}
            </div>
            <div className="nb2prod-action-buttons">
              {spec.previewLabel && (
                <button
                  className="jp-mod-styled"
                  disabled={!available || state.busy}
                  onClick={() => void model.runAction(spec.name, false)}
                >
                  {spec.previewLabel}
                </button>
              )}
              {spec.writeLabel && (
                <button
                  className="jp-mod-styled jp-mod-accept"
                  disabled={!available || state.busy || (spec.previewLabel !== null && state.stage === 'idle')}
                  title={spec.previewLabel !== null && state.stage === 'idle' ? 'Preview first' : ''}
                  onClick={() => void model.runAction(spec.name, true)}
                >
                  {spec.writeLabel}
                </button>
              )}
              {spec.name === 'repro' && state.busy && (
                <button className="jp-mod-styled jp-mod-warn" onClick={() => void model.cancelRepro()}>
                  Cancel
                </button>
              )}
            </div>
            {state.busy && !job && <div className="nb2prod-progress">Working…</div>}
            {job && state.busy && <JobProgress job={job} />}
            {state.error && <div className="nb2prod-error">{state.error}</div>}
            {!state.busy && state.result !== null && (
              <div className="nb2prod-result" data-stage={state.stage}>
                <ResultView value={job ? (job.result ?? { state: job.state }) : state.result} />
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}
