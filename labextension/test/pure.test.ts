/**
 * Unit tests of the panel's pure logic (node's test runner): run with `jlpm test`.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';

import { cellIndexOf, countBySeverity, editorPosition, groupByCell, reorderOf } from '../src/pure/diagnostics';
import { layoutGraph, rerunQuery } from '../src/pure/graph';
import { applyMoves, movesForOrder } from '../src/pure/moves';
import { toLintDocument } from '../src/pure/notebookJson';
import type { IDiagnostic, IGraph } from '../src/tokens';

function finding(partial: Partial<IDiagnostic>): IDiagnostic {
  return {
    path: 'nb.ipynb',
    code: 'NB201',
    name: 'use-before-definition',
    message: 'm',
    severity: 'warning',
    cell: 1,
    cell_id: null,
    line: 1,
    column: 1,
    end_line: 1,
    end_column: 2,
    source: 'nb2prod',
    fix: null,
    related: [],
    ...partial
  };
}

describe('diagnostics', () => {
  it('groups by cell, whole-notebook findings first, worst severity per group', () => {
    const groups = groupByCell([
      finding({ cell: 3, line: 2 }),
      finding({ cell: 1, severity: 'error' }),
      finding({ cell: null, code: 'NB001', line: null }),
      finding({ cell: 3, line: 1, severity: 'info' })
    ]);
    assert.deepEqual(
      groups.map(g => g.cell),
      [null, 1, 3]
    );
    assert.equal(groups[1].severity, 'error');
    assert.equal(groups[2].severity, 'warning');
    assert.deepEqual(
      groups[2].diagnostics.map(d => d.line),
      [1, 2]
    );
  });

  it('counts severities', () => {
    assert.deepEqual(countBySeverity([finding({}), finding({ severity: 'error' }), finding({})]), {
      error: 1,
      warning: 2,
      info: 0
    });
  });

  it('converts 1-based positions to the editor 0-based ones', () => {
    assert.deepEqual(editorPosition(finding({ line: 3, column: 5 })), { line: 2, column: 4 });
    assert.deepEqual(editorPosition(finding({ line: null, column: null })), { line: 0, column: 0 });
  });

  it('finds the cell by id first, then by number', () => {
    const ids = ['a', 'b', 'c'];
    assert.equal(cellIndexOf(finding({ cell: 1, cell_id: 'c' }), ids), 2);
    assert.equal(cellIndexOf(finding({ cell: 2, cell_id: 'gone' }), ids), 1);
    assert.equal(cellIndexOf(finding({ cell: 9 }), ids), null);
    assert.equal(cellIndexOf(finding({ cell: null }), ids), null);
  });

  it('reads the reorder of a move_cells fix', () => {
    const fixed = finding({
      fix: { title: 'Reorder', applicability: 'unsafe', edits: [{ kind: 'move_cells', order: [2, 1] }] }
    });
    assert.deepEqual(reorderOf(fixed), [2, 1]);
    assert.equal(reorderOf(finding({})), null);
  });
});

describe('moves', () => {
  it('produces moves that realise the order', () => {
    for (const order of [
      [1, 2, 3],
      [2, 1, 3],
      [3, 1, 2],
      [4, 3, 2, 1],
      [2, 4, 1, 5, 3]
    ]) {
      const cells = order.map((_, k) => k + 1);
      assert.deepEqual(applyMoves(cells, movesForOrder(order, cells.length)), order);
    }
    assert.deepEqual(movesForOrder([1, 2, 3], 3), []);
  });

  it('refuses an order that is not a permutation of the cells', () => {
    assert.throws(() => movesForOrder([1, 2], 3), /3/);
    assert.throws(() => movesForOrder([1, 1, 2], 3), /permutation/);
    assert.throws(() => movesForOrder([0, 1, 2], 3), /permutation/);
  });
});

const GRAPH: IGraph = {
  cells: [
    { number: 1, cell_id: 'a', kind: 'code', execution_count: 2, label: 'print(x)' },
    { number: 2, cell_id: 'b', kind: 'code', execution_count: 1, label: 'x = 1' },
    { number: 3, cell_id: 'c', kind: 'markdown', execution_count: null, label: '# Notes' },
    { number: 4, cell_id: 'd', kind: 'code', execution_count: null, label: 'y = x + z' },
    { number: 5, cell_id: 'e', kind: 'code', execution_count: 3, label: 'print(y)' }
  ],
  edges: [
    { source: 2, target: 1, names: ['x'], kind: 'out-of-order' },
    { source: 2, target: 4, names: ['x'], kind: 'flow' },
    { source: 4, target: 5, names: ['y'], kind: 'stale' },
    { source: 0, target: 4, names: ['z'], kind: 'lost' }
  ]
};

describe('graph', () => {
  it('lays cells out in notebook order with their prompts', () => {
    const layout = layoutGraph(GRAPH);
    assert.deepEqual(
      layout.nodes.map(n => n.prompt),
      ['[2]', '[1]', '', '[ ]', '[3]']
    );
    const ys = layout.nodes.map(n => n.y);
    assert.deepEqual(
      ys,
      [...ys].sort((a, b) => a - b)
    );
    assert.ok(layout.height >= ys[ys.length - 1] + layout.nodes[0].height);
  });

  it('draws every edge, highlighted kinds on top, lost ones as stubs from the left', () => {
    const layout = layoutGraph(GRAPH);
    assert.equal(layout.edges.length, 4);
    assert.equal(layout.edges[0].kind, 'flow');
    assert.equal(layout.edges[layout.edges.length - 1].kind, 'out-of-order');
    const lost = layout.edges.find(e => e.kind === 'lost')!;
    const node4 = layout.nodes[3];
    assert.ok(lost.path.startsWith('M 8 '));
    assert.ok(lost.path.endsWith(`${node4.x - 1} ${node4.y + node4.height / 2}`));
    for (const edge of layout.edges) {
      assert.ok(!edge.path.includes('NaN'), edge.path);
    }
  });

  it('wider arcs for edges that span more rows', () => {
    const layout = layoutGraph({
      cells: GRAPH.cells,
      edges: [
        { source: 1, target: 2, names: ['a'], kind: 'flow' },
        { source: 1, target: 5, names: ['b'], kind: 'flow' }
      ]
    });
    const controlX = (path: string): number => Number(path.split(' C ')[1].split(' ')[0]);
    assert.ok(controlX(layout.edges[1].path) > controlX(layout.edges[0].path));
  });

  it('answers what must be re-run', () => {
    assert.deepEqual(rerunQuery(GRAPH, 4), { before: [2], after: [5], lost: ['z'], stale: false });
    assert.deepEqual(rerunQuery(GRAPH, 2), { before: [], after: [1, 4, 5], lost: [], stale: false });
    assert.deepEqual(rerunQuery(GRAPH, 5), { before: [2, 4], after: [], lost: [], stale: true });
  });
});

describe('notebook JSON', () => {
  it('keeps what lint reads and joins list sources', () => {
    const document = toLintDocument({
      cells: [{ cell_type: 'code', source: ['a = 1\n', 'b = 2'], execution_count: 4, outputs: [], metadata: {} }],
      metadata: { kernelspec: { name: 'python3' } }
    });
    assert.equal(document.cells[0].source, 'a = 1\nb = 2');
    assert.equal(document.cells[0].execution_count, 4);
    assert.equal(document.nbformat, 4);
    assert.deepEqual(document.metadata, { kernelspec: { name: 'python3' } });
  });
});
