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

/**
 * The clock's colour: by how long the customer has waited, and never calmer than the SLA says
 * (a green clock beside a red "SLA breached" told the agent two things at once).
 */
export function clockTone(ms: number, since: number, sla?: { dueAt?: number; breached?: boolean }): string {
  const now = since + ms;
  if (sla?.breached || (sla?.dueAt !== undefined && !Number.isNaN(sla.dueAt) && now >= sla.dueAt)) return 'late';
  const byWait = ms > 10 * 60_000 ? 'late' : ms > 3 * 60_000 ? 'warm' : 'fresh';
  if (byWait === 'fresh' && sla?.dueAt !== undefined && !Number.isNaN(sla.dueAt) && sla.dueAt - now < 60_000) return 'warm';
  return byWait;
}

/** A live waiting-time clock; ticks without re-rendering the row. */
export function WaitingClock({ since, dueAt, breached }: { since: number; dueAt?: number; breached?: boolean }) {
  const sla = { dueAt, breached };
  const ref = useElapsedRef<HTMLElement>(since, (ms, el) => {
    const text = formatDuration(ms);
    if (el.textContent !== text) el.textContent = text;
    const tone = clockTone(ms, since, sla);
    const cls = `clock clock-${tone}`;
    if (el.className !== cls) el.className = cls;
    el.dataset.tone = tone;
  });
  const ms = Date.now() - since;
  const tone = clockTone(ms, since, sla);
  return (
    <time ref={ref} className={`clock clock-${tone}`} title="Waiting time" data-testid="waiting-clock" data-tone={tone}>
      {formatDuration(ms)}
    </time>
  );
}
