/**
 * The notebook JSON the panel sends: the live model, trimmed of what lint never reads.
 */

export interface INotebookLike {
  cells: Array<Record<string, unknown>>;
  metadata?: Record<string, unknown>;
  nbformat?: number;
  nbformat_minor?: number;
}

/**
 * A copy of `content` fit for `POST /nb2prod/lint`. Everything lint reads is kept (sources, ids, live
 * execution counts, outputs, tags, kernel metadata): output sizes and texts are evidence too.
 * Sources become single strings, as nbformat allows.
 */
export function toLintDocument(content: INotebookLike): INotebookLike {
  return {
    nbformat: content.nbformat ?? 4,
    nbformat_minor: content.nbformat_minor ?? 5,
    metadata: content.metadata ?? {},
    cells: content.cells.map(cell => {
      const copy: Record<string, unknown> = { ...cell };
      if (Array.isArray(copy.source)) {
        copy.source = (copy.source as string[]).join('');
      }
      return copy;
    })
  };
}
