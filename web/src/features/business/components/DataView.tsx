import type { ReactNode } from 'react';
import { Badge } from '@/components/ui/Badge';
import { humanize } from '@/lib/format';

const HIDDEN = new Set(['confirmation_token']);

function label(key: string): string {
  return humanize(key.endsWith('_masked') ? key.slice(0, -'_masked'.length) : key);
}

function Scalar({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return <>{String(value)}</>;
}

/** Business data as a definition list; every masked value carries a "masked" flag. */
export function DataView({ data, masked }: { data: unknown; masked: Set<string> }): ReactNode {
  if (data === null || data === undefined) return null;
  if (Array.isArray(data)) {
    if (data.length === 0) return <span className="muted">none</span>;
    return (
      <ol className="data-list">
        {data.map((item, i) => (
          <li key={i}>
            <DataView data={item} masked={masked} />
          </li>
        ))}
      </ol>
    );
  }
  if (typeof data === 'object') {
    const entries = Object.entries(data as Record<string, unknown>).filter(([k]) => !HIDDEN.has(k));
    return (
      <dl className="data">
        {entries.map(([k, v]) => {
          const isMasked = masked.has(k) || k.endsWith('_masked');
          return (
            <div key={k} className="data-row" data-field={k} data-masked={isMasked ? 'true' : undefined}>
              <dt>{label(k)}</dt>
              <dd>
                <DataView data={v} masked={masked} />
                {isMasked ? (
                  <Badge tone="masked" title="Personal data, masked by the server">
                    masked
                  </Badge>
                ) : null}
              </dd>
            </div>
          );
        })}
      </dl>
    );
  }
  return <Scalar value={data} />;
}

/**
 * "what will change": {field: {from, to}} rows, or the value as it is. `entered` holds, by field,
 * the value the agent typed: shown as the "After" as typed, while "Now" (from the order system)
 * stays masked.
 */
export function ChangesView({ changes, masked, entered = {} }: { changes: unknown; masked: Set<string>; entered?: Record<string, string> }) {
  if (!changes || typeof changes !== 'object') return null;
  return (
    <table className="changes" data-testid="business-changes">
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Now</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {Object.entries(changes as Record<string, unknown>).map(([k, v]) => {
          const isMasked = masked.has(k) || k.endsWith('_masked');
          const fromTo = v && typeof v === 'object' && ('from' in v || 'to' in v) ? (v as { from?: unknown; to?: unknown }) : null;
          const typed = entered[k];
          const maskedBadge = (
            <>
              {' '}
              <Badge tone="masked" title="Personal data from the order system, masked by the server">
                masked
              </Badge>
            </>
          );
          return (
            <tr key={k} data-field={k} data-masked={isMasked ? 'true' : undefined}>
              <th scope="row">
                {label(k)}
                {isMasked && !fromTo ? maskedBadge : null}
              </th>
              {fromTo ? (
                <>
                  <td data-testid="change-from">
                    <Scalar value={fromTo.from} />
                    {isMasked ? maskedBadge : null}
                  </td>
                  <td className="changes-to" data-testid="change-to" data-entered={typed !== undefined ? 'true' : undefined}>
                    {typed !== undefined ? (
                      <>
                        {typed} <span className="muted small">(as you entered it)</span>
                      </>
                    ) : (
                      <>
                        <Scalar value={fromTo.to} />
                        {isMasked ? maskedBadge : null}
                      </>
                    )}
                  </td>
                </>
              ) : (
                <td colSpan={2}>
                  <DataView data={v} masked={masked} />
                </td>
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
