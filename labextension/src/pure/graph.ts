/**
 * Pure functions over the execution-order graph: SVG layout and the "what must I re-run?" query.
 */
import type { EdgeKind, IGraph, IGraphCell } from '../tokens';

export interface ILayoutOptions {
  rowHeight: number;
  nodeWidth: number;
  nodeHeight: number;
  margin: number;
  /** Horizontal room for arcs to the right of the nodes. */
  arcRoom: number;
}

export const DEFAULT_LAYOUT: ILayoutOptions = {
  rowHeight: 30,
  nodeWidth: 140,
  nodeHeight: 22,
  margin: 8,
  arcRoom: 100
};

export interface INodeLayout {
  cell: IGraphCell;
  x: number;
  y: number;
  width: number;
  height: number;
  /** "[3]" for a run cell, "[ ]" for an unrun code cell, "" for markdown. */
  prompt: string;
}

export interface IEdgeLayout {
  source: number;
  target: number;
  kind: EdgeKind;
  names: string[];
  /** SVG path data. */
  path: string;
  /** Where to put the label of the names. */
  labelX: number;
  labelY: number;
}

export interface IGraphLayout {
  width: number;
  height: number;
  nodes: INodeLayout[];
  edges: IEdgeLayout[];
}

/** Highlighted kinds are drawn last, so they sit on top of ordinary flow. */
const DRAW_ORDER: Record<EdgeKind, number> = { flow: 0, stale: 1, lost: 2, 'out-of-order': 3 };

export function promptOf(cell: IGraphCell): string {
  if (cell.kind !== 'code') {
    return '';
  }
  return cell.execution_count === null ? '[ ]' : `[${cell.execution_count}]`;
}

/**
 * Cells top to bottom in notebook order; each def->use edge is an arc on the right, bulging further
 * the more rows it spans, so that nested edges do not overlap. An edge whose source is not a cell
 * (a definition from a lost run) is a short stub entering its target from the left.
 */
export function layoutGraph(graph: IGraph, options: ILayoutOptions = DEFAULT_LAYOUT): IGraphLayout {
  const { rowHeight, nodeWidth, nodeHeight, margin, arcRoom } = options;
  const isStub = (edge: IGraph['edges'][number]): boolean =>
    edge.source === edge.target || !graph.cells.some(c => c.number === edge.source);
  const stubRoom = graph.edges.some(isStub) ? 24 : 0;
  const left = margin + stubRoom;
  const rowOf = new Map<number, number>();
  const nodes = graph.cells.map((cell, row) => {
    rowOf.set(cell.number, row);
    return {
      cell,
      x: left,
      y: margin + row * rowHeight,
      width: nodeWidth,
      height: nodeHeight,
      prompt: promptOf(cell)
    };
  });
  // Short notebooks keep short arcs: the widest bulge is for spans of 8 rows or more.
  const maxSpan = Math.max(8, graph.cells.length - 1);
  const right = left + nodeWidth;
  const edges = [...graph.edges]
    .sort((a, b) => DRAW_ORDER[a.kind] - DRAW_ORDER[b.kind] || a.source - b.source || a.target - b.target)
    .map(edge => {
      const targetRow = rowOf.get(edge.target);
      const sourceRow = rowOf.get(edge.source);
      const targetY = margin + (targetRow ?? 0) * rowHeight + nodeHeight / 2;
      if (sourceRow === undefined || isStub(edge)) {
        // A lost definition: nothing left in the notebook defines it.
        const startX = margin;
        return {
          ...edge,
          path: `M ${startX} ${targetY - 8} Q ${startX + 4} ${targetY} ${left - 1} ${targetY}`,
          labelX: margin,
          labelY: targetY - 10
        };
      }
      const sourceY = margin + sourceRow * rowHeight + nodeHeight / 2;
      const span = Math.abs((targetRow ?? 0) - sourceRow);
      const bulge = 12 + (arcRoom - 24) * Math.min(1, span / maxSpan);
      const controlX = right + bulge;
      return {
        ...edge,
        path: `M ${right} ${sourceY} C ${controlX} ${sourceY}, ${controlX} ${targetY}, ${right + 3} ${targetY}`,
        labelX: right + bulge * 0.75 + 2,
        labelY: (sourceY + targetY) / 2
      };
    });
  return {
    width: left + nodeWidth + arcRoom + margin,
    height: margin * 2 + Math.max(1, graph.cells.length) * rowHeight,
    nodes,
    edges
  };
}

export interface IRerunAnswer {
  /** Cells to run, in notebook order, before the cell can run in a fresh kernel. */
  before: number[];
  /** Cells that read what this cell defines, directly or not: re-run them after changing it. */
  after: number[];
  /** Names the cell reads that only a lost run defined: no cell provides them any more. */
  lost: string[];
  /** True when an input of the cell was redefined after it last ran (its outputs are stale). */
  stale: boolean;
}

function closure(start: number, next: Map<number, number[]>): number[] {
  const seen = new Set<number>();
  const stack = [...(next.get(start) ?? [])];
  while (stack.length) {
    const cell = stack.pop()!;
    if (cell === start || seen.has(cell)) {
      continue;
    }
    seen.add(cell);
    stack.push(...(next.get(cell) ?? []));
  }
  return [...seen].sort((a, b) => a - b);
}

/** "What must I re-run?" for cell `cell` (1-based number). */
export function rerunQuery(graph: IGraph, cell: number): IRerunAnswer {
  const numbers = new Set(graph.cells.map(c => c.number));
  const parents = new Map<number, number[]>();
  const children = new Map<number, number[]>();
  const lost: string[] = [];
  let stale = false;
  for (const edge of graph.edges) {
    if (edge.kind === 'lost' || !numbers.has(edge.source)) {
      if (edge.target === cell) {
        lost.push(...edge.names);
      }
      continue;
    }
    if (edge.source === edge.target) {
      continue;
    }
    if (edge.kind === 'stale' && edge.target === cell) {
      stale = true;
    }
    parents.set(edge.target, [...(parents.get(edge.target) ?? []), edge.source]);
    children.set(edge.source, [...(children.get(edge.source) ?? []), edge.target]);
  }
  return {
    before: closure(cell, parents),
    after: closure(cell, children),
    lost: [...new Set(lost)].sort(),
    stale
  };
}
