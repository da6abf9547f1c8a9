import type { PendingSession } from '@/lib/api-types';
import { formatDuration } from '@/lib/format';
import { useNow } from '@/lib/ticker';

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

export function WaitingClock({ since }: { since: number }) {
  const now = useNow();
  const ms = now - since;
  const tone = ms > 10 * 60_000 ? 'late' : ms > 3 * 60_000 ? 'warm' : 'fresh';
  return (
    <time className={`clock clock-${tone}`} dateTime={new Date(since).toISOString()} title="Waiting time" data-testid="waiting-clock">
      {formatDuration(ms)}
    </time>
  );
}
