import type { PendingSession } from '@/lib/api-types';
import { formatDuration } from '@/lib/format';
import { useElapsedRef } from '@/lib/ticker';

/**
 * When the customer started waiting: the escalation time when the server gives it, else the
 * server's own waiting figure taken at fetch time, else the session's creation.
 */
export function waitingSince(session: PendingSession, fetchedAt: number): number {
  if (session.escalated_at) {
    const t = Date.parse(session.escalated_at);
    if (!Number.isNaN(t)) return t;
  }
  if (typeof session.waiting_seconds === 'number') return fetchedAt - session.waiting_seconds * 1000;
  return Date.parse(session.created_at);
}

function tone(ms: number): string {
  return ms > 10 * 60_000 ? 'late' : ms > 3 * 60_000 ? 'warm' : 'fresh';
}

function paint(ms: number, el: HTMLElement): void {
  const text = formatDuration(ms);
  if (el.textContent !== text) el.textContent = text;
  const cls = `clock clock-${tone(ms)}`;
  if (el.className !== cls) el.className = cls;
}

/** A live waiting-time clock; ticks without re-rendering the row. */
export function WaitingClock({ since }: { since: number }) {
  const ref = useElapsedRef<HTMLElement>(since, paint);
  const ms = Date.now() - since;
  return (
    <time ref={ref} className={`clock clock-${tone(ms)}`} title="Waiting time" data-testid="waiting-clock">
      {formatDuration(ms)}
    </time>
  );
}
