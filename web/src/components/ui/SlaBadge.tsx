import { formatDuration, formatLongTime } from '@/lib/format';
import { useElapsedRef } from '@/lib/ticker';

function text(msPastDue: number, breached: boolean): string {
  if (msPastDue >= 0 || breached) return 'SLA breached';
  return `SLA ${formatDuration(-msPastDue)}`;
}

function tone(msPastDue: number, breached: boolean): string {
  if (msPastDue >= 0 || breached) return 'sla sla-breached';
  return msPastDue > -60_000 ? 'sla sla-due' : 'sla sla-ok';
}

/**
 * The first-response target: a countdown to `sla_due_at`, then how far past it. `breached` is the
 * server's verdict at fetch time, so a skewed browser clock cannot hide a breach.
 */
export function SlaBadge({ dueAt, breached = false }: { dueAt: string | null | undefined; breached?: boolean }) {
  const due = dueAt ? Date.parse(dueAt) : Number.NaN;
  const ref = useElapsedRef<HTMLElement>(Number.isNaN(due) ? Date.now() : due, (ms, el) => {
    const t = text(ms, breached);
    if (el.textContent !== t) el.textContent = t;
    const cls = tone(ms, breached);
    if (el.className !== cls) el.className = cls;
    el.dataset.breached = String(ms >= 0 || breached);
  });
  if (Number.isNaN(due)) {
    return breached ? (
      <span className="sla sla-breached" data-testid="sla" data-breached="true">
        SLA breached
      </span>
    ) : null;
  }
  const ms = Date.now() - due;
  return (
    <span ref={ref} className={tone(ms, breached)} data-testid="sla" data-breached={String(ms >= 0 || breached)} title={`First response due ${formatLongTime(due)}`}>
      {text(ms, breached)}
    </span>
  );
}
