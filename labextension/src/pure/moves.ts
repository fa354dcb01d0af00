/**
 * Turn a target order of cells into the sequence of single-cell moves that produces it.
 */

/**
 * `order[i]` is the 1-based number of the cell that goes to position i (the `move_cells` edit).
 * Returns `[from, to]` pairs (0-based) to apply one after another with `moveCell(from, to)`.
 * Throws when `order` is not a permutation of 1..cellCount, so a stale fix is never half-applied.
 */
export function movesForOrder(order: readonly number[], cellCount: number): Array<[number, number]> {
  if (order.length !== cellCount) {
    throw new Error(`the reorder is for ${order.length} cells but the notebook has ${cellCount}`);
  }
  const seen = new Set(order);
  if (seen.size !== cellCount || order.some(n => !Number.isInteger(n) || n < 1 || n > cellCount)) {
    throw new Error('the reorder is not a permutation of the cells');
  }
  // current[k] = original number of the cell now at position k
  const current = Array.from({ length: cellCount }, (_, k) => k + 1);
  const moves: Array<[number, number]> = [];
  order.forEach((wanted, position) => {
    const from = current.indexOf(wanted);
    if (from !== position) {
      current.splice(from, 1);
      current.splice(position, 0, wanted);
      moves.push([from, position]);
    }
  });
  return moves;
}

/** Apply moves to a plain array (what the notebook does to its cells), for checking. */
export function applyMoves<T>(items: readonly T[], moves: ReadonlyArray<[number, number]>): T[] {
  const result = [...items];
  for (const [from, to] of moves) {
    const [item] = result.splice(from, 1);
    result.splice(to, 0, item);
  }
  return result;
}
