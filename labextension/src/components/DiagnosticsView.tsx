/**
 * The Diagnostics section: the active notebook's findings grouped by cell.
 */
import * as React from 'react';

import { countBySeverity, groupByCell, reorderOf } from '../pure/diagnostics';
import type { Nb2prodModel } from '../model';
import type { IDiagnostic } from '../tokens';
import { SeverityIcon } from './SeverityIcon';

export interface IDiagnosticsViewProps {
  model: Nb2prodModel;
  onShowRule: (code: string) => void;
  onReorder: (order: number[]) => void;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 || word === 'info' ? '' : 's'}`;
}

function location(diagnostic: IDiagnostic): string {
  return diagnostic.line === null ? '' : `${diagnostic.line}:${diagnostic.column ?? 1}`;
}

export function DiagnosticsView({ model, onShowRule, onReorder }: IDiagnosticsViewProps): JSX.Element {
  if (!model.notebook) {
    return <div className="nb2prod-empty">Open a notebook to see its findings.</div>;
  }
  const counts = countBySeverity(model.diagnostics);
  const groups = groupByCell(model.diagnostics);
  const cellCounts = model.notebook.model?.sharedModel.cells.map(cell =>
    cell.cell_type === 'code' ? ((cell as unknown as { execution_count: number | null }).execution_count ?? null) : null
  );
  return (
    <div className="nb2prod-diagnostics" data-linting={model.isLinting ? 'true' : 'false'}>
      <div className="nb2prod-summary">
        <span className="nb2prod-path" title={model.path ?? ''}>
          {model.path}
        </span>
        <span className="nb2prod-counts">
          {model.diagnostics.length === 0
            ? model.isLinting && model.lintCount <= 1
              ? 'Linting…'
              : 'No findings'
            : (['error', 'warning', 'info'] as const)
                .filter(severity => counts[severity] > 0)
                .map(severity => plural(counts[severity], severity))
                .join(' · ')}
        </span>
      </div>
      {model.lintError && <div className="nb2prod-error">{model.lintError}</div>}
      {groups.map(group => (
        <div className="nb2prod-group" key={String(group.cell)} data-cell={group.cell ?? ''}>
          <div
            className="nb2prod-group-header"
            onClick={() => group.cell !== null && void model.jumpToCell(group.cell)}
            title={group.cell === null ? 'Findings about the whole notebook' : `Go to cell ${group.cell}`}
          >
            <SeverityIcon severity={group.severity} />
            {group.cell === null ? (
              'Notebook'
            ) : (
              <>
                Cell {group.cell}
                <span className="nb2prod-prompt">
                  {cellCounts && cellCounts[group.cell - 1] !== undefined && cellCounts[group.cell - 1] !== null
                    ? ` [${cellCounts[group.cell - 1]}]`
                    : ''}
                </span>
              </>
            )}
            <span className="nb2prod-group-count">{group.diagnostics.length}</span>
          </div>
          <ul className="nb2prod-list">
            {group.diagnostics.map((diagnostic, index) => {
              const order = reorderOf(diagnostic);
              return (
                <li
                  key={`${diagnostic.code}-${index}`}
                  className={`nb2prod-diagnostic nb2prod-diagnostic-${diagnostic.severity}`}
                  data-code={diagnostic.code}
                  data-cell={diagnostic.cell ?? ''}
                  onClick={() => void model.jumpTo(diagnostic)}
                  title={diagnostic.related.map(r => `cell ${r.cell}:${r.line}: ${r.message}`).join('\n')}
                >
                  <SeverityIcon severity={diagnostic.severity} />
                  <span className="nb2prod-message">{diagnostic.message}</span>
                  <a
                    className="nb2prod-code"
                    href="#"
                    title={`${diagnostic.name}: show the documentation of ${diagnostic.code}`}
                    onClick={event => {
                      event.preventDefault();
                      event.stopPropagation();
                      onShowRule(diagnostic.code);
                    }}
                  >
                    {diagnostic.code}
                  </a>
                  <span className="nb2prod-location">
                    {location(diagnostic)}
                    {order && (
                      <button
                        className="jp-mod-styled nb2prod-fix"
                        title={diagnostic.fix?.title}
                        onClick={event => {
                          event.stopPropagation();
                          onReorder(order);
                        }}
                      >
                        Fix
                      </button>
                    )}
                  </span>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
      <div className="nb2prod-footer">
        {model.lastDurationMs !== null ? `Linted in ${model.lastDurationMs} ms` : ''}
        {model.isLinting ? ' · updating…' : ''}
      </div>
    </div>
  );
}
