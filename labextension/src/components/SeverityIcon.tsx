/**
 * A small icon for a finding's severity (shape and colour both carry it).
 */
import * as React from 'react';

import type { Severity } from '../tokens';

export function SeverityIcon({ severity }: { severity: Severity }): JSX.Element {
  const label = { error: 'Error', warning: 'Warning', info: 'Info' }[severity];
  return (
    <svg
      className={`nb2prod-severity nb2prod-severity-${severity}`}
      width="14"
      height="14"
      viewBox="0 0 16 16"
      role="img"
      aria-label={label}
    >
      <title>{label}</title>
      {severity === 'error' && <circle cx="8" cy="8" r="7" />}
      {severity === 'warning' && <path d="M8 1 L15 14 L1 14 Z" />}
      {severity === 'info' && <rect x="1.5" y="1.5" width="13" height="13" rx="3" />}
      <text x="8" y={severity === 'warning' ? 12.5 : 12} textAnchor="middle">
        {severity === 'info' ? 'i' : '!'}
      </text>
    </svg>
  );
}
