/**
 * A generic, readable rendering of an action's JSON result: lists of records become tables, long
 * strings (generated code, diffs) become code blocks, objects become labelled rows.
 */
import * as React from 'react';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFlat(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function Scalar({ value }: { value: unknown }): JSX.Element {
  if (typeof value === 'string' && (value.includes('\n') || value.length > 80)) {
    const isDiff = /^(---|\+\+\+|@@)/m.test(value);
    return (
      <pre className={`nb2prod-code-block${isDiff ? ' nb2prod-diff' : ''}`}>
        {isDiff
          ? value.split('\n').map((line, index) => (
              <div
                key={index}
                className={line.startsWith('+') ? 'nb2prod-diff-add' : line.startsWith('-') ? 'nb2prod-diff-remove' : ''}
              >
                {line}
              </div>
            ))
          : value}
      </pre>
    );
  }
  return <span className="nb2prod-scalar">{value === null ? '—' : String(value)}</span>;
}

export function ResultView({ value, depth = 0 }: { value: unknown; depth?: number }): JSX.Element {
  if (isFlat(value)) {
    return <Scalar value={value} />;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return <span className="nb2prod-scalar">none</span>;
    }
    if (value.every(isRecord) && value.every(row => Object.values(row).every(isFlat))) {
      const columns = [...new Set(value.flatMap(row => Object.keys(row as object)))];
      const longColumns = columns.filter(column =>
        value.some(row => typeof (row as Record<string, unknown>)[column] === 'string' && String((row as Record<string, unknown>)[column]).includes('\n'))
      );
      const shortColumns = columns.filter(column => !longColumns.includes(column));
      return (
        <table className="nb2prod-table">
          <thead>
            <tr>
              {shortColumns.map(column => (
                <th key={column}>{column}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {value.map((row, index) => (
              <React.Fragment key={index}>
                <tr>
                  {shortColumns.map(column => (
                    <td key={column}>
                      <Scalar value={(row as Record<string, unknown>)[column]} />
                    </td>
                  ))}
                </tr>
                {longColumns
                  .filter(column => (row as Record<string, unknown>)[column])
                  .map(column => (
                    <tr key={column}>
                      <td colSpan={shortColumns.length}>
                        <Scalar value={(row as Record<string, unknown>)[column]} />
                      </td>
                    </tr>
                  ))}
              </React.Fragment>
            ))}
          </tbody>
        </table>
      );
    }
    return (
      <ol className="nb2prod-result-list">
        {value.map((item, index) => (
          <li key={index}>
            <ResultView value={item} depth={depth + 1} />
          </li>
        ))}
      </ol>
    );
  }
  if (isRecord(value)) {
    return (
      <dl className="nb2prod-result-record">
        {Object.entries(value).map(([key, item]) => (
          <React.Fragment key={key}>
            <dt>{key}</dt>
            <dd>{depth > 4 ? <Scalar value={JSON.stringify(item)} /> : <ResultView value={item} depth={depth + 1} />}</dd>
          </React.Fragment>
        ))}
      </dl>
    );
  }
  return <Scalar value={String(value)} />;
}
