/**
 * The Execution-order section: cells with their execution counts, def->use edges, and the
 * "what must I re-run?" answer for the active cell.
 */
import * as React from 'react';

import { layoutGraph, rerunQuery } from '../pure/graph';
import type { Nb2prodModel } from '../model';
import type { EdgeKind } from '../tokens';

const EDGE_KINDS: EdgeKind[] = ['flow', 'out-of-order', 'stale', 'lost'];

function cellList(cells: number[]): string {
  return cells.length === 0 ? 'none' : cells.map(cell => `cell ${cell}`).join(', ');
}

export function GraphView({ model }: { model: Nb2prodModel }): JSX.Element {
  if (!model.notebook) {
    return <div className="nb2prod-empty">Open a notebook to see its execution order.</div>;
  }
  if (!model.graph) {
    return <div className="nb2prod-empty">{model.graphError ?? 'Analysing…'}</div>;
  }
  const graph = model.graph;
  const layout = layoutGraph(graph);
  const active = model.activeCell;
  const answer = active !== null ? rerunQuery(graph, active) : null;
  const activeIsCode = graph.cells.find(cell => cell.number === active)?.kind === 'code';
  return (
    <div className="nb2prod-graph">
      <div className="nb2prod-legend">
        {EDGE_KINDS.map(kind => (
          <span key={kind} className={`nb2prod-legend-item nb2prod-edge-${kind}`}>
            <svg width="18" height="8">
              <line x1="0" y1="4" x2="18" y2="4" />
            </svg>
            {kind}
          </span>
        ))}
      </div>
      <svg
        className="nb2prod-graph-svg"
        width="100%"
        style={{ maxWidth: layout.width }}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        preserveAspectRatio="xMinYMin meet"
        role="img"
        aria-label="Execution order of the notebook's cells"
      >
        <defs>
          {EDGE_KINDS.map(kind => (
            <marker
              key={kind}
              id={`nb2prod-arrow-${kind}`}
              className={`nb2prod-arrow nb2prod-edge-${kind}`}
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="6"
              markerHeight="6"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" />
            </marker>
          ))}
        </defs>
        {layout.edges.map((edge, index) => (
          <g key={index} className={`nb2prod-edge nb2prod-edge-${edge.kind}`} data-kind={edge.kind}>
            <title>
              {`${edge.kind}: ${edge.names.join(', ')} from ${edge.kind === 'lost' ? 'a lost run' : `cell ${edge.source}`} to cell ${edge.target}`}
            </title>
            <path d={edge.path} markerEnd={`url(#nb2prod-arrow-${edge.kind})`} />
            {edge.kind !== 'flow' && (
              <text x={edge.labelX} y={edge.labelY} className="nb2prod-edge-label">
                {edge.names.slice(0, 2).join(', ')}
                {edge.names.length > 2 ? '…' : ''}
              </text>
            )}
          </g>
        ))}
        {layout.nodes.map(node => (
          <g
            key={node.cell.number}
            className={`nb2prod-node nb2prod-node-${node.cell.kind}${node.cell.number === active ? ' nb2prod-node-active' : ''}`}
            data-cell={node.cell.number}
            transform={`translate(${node.x}, ${node.y})`}
            onClick={() => void model.jumpToCell(node.cell.number)}
          >
            <title>{`Cell ${node.cell.number}${node.prompt ? ' ' + node.prompt : ''}: ${node.cell.label}`}</title>
            <rect width={node.width} height={node.height} rx="4" />
            <text x="6" y={node.height / 2 + 4} className="nb2prod-node-prompt">
              {node.prompt || '¶'}
            </text>
            <text x="40" y={node.height / 2 + 4} className="nb2prod-node-label">
              {node.cell.label.length > 16 ? node.cell.label.slice(0, 15) + '…' : node.cell.label}
            </text>
          </g>
        ))}
      </svg>
      <div className="nb2prod-rerun">
        <div className="nb2prod-rerun-title">What must I re-run? {active !== null ? `(cell ${active})` : ''}</div>
        {answer === null || !activeIsCode ? (
          <div className="nb2prod-empty">Select a code cell.</div>
        ) : (
          <ul>
            <li>
              Run first, in a fresh kernel: <span className="nb2prod-rerun-before">{cellList(answer.before)}</span>
            </li>
            <li>
              Re-run after changing it: <span className="nb2prod-rerun-after">{cellList(answer.after)}</span>
            </li>
            {answer.stale && <li className="nb2prod-warning-text">Its outputs are stale: an input was redefined after it ran.</li>}
            {answer.lost.length > 0 && (
              <li className="nb2prod-warning-text">
                No cell defines {answer.lost.join(', ')} any more (it came from a run the notebook no longer shows).
              </li>
            )}
          </ul>
        )}
      </div>
    </div>
  );
}
