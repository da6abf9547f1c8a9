import type { AuditEvent, EventKind } from '@/lib/api-types';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { formatDuration } from '@/lib/format';
import { useSessionEvents } from '../api/get-events';

export const EVENT_LABEL: Record<EventKind, string> = {
  escalated: 'Escalated',
  accepted: 'Accepted',
  released: 'Released to the queue',
  transferred: 'Transferred',
  aged: 'Priority raised (waited long)',
  auto_released: 'Auto-released (no activity)',
  agent_message: 'Agent replied',
  business_write_executed: 'Business change made',
  resolved: 'Resolved',
  solution_submitted: 'Solution submitted',
  solution_approved: 'Solution approved',
  solution_rejected: 'Solution rejected',
};

function str(v: unknown): string | null {
  return typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : null;
}

/** The line under an event: who to whom, which priority, the reason or note. */
export function describeDetail(event: AuditEvent): string {
  const d = event.detail ?? {};
  const parts: string[] = [];
  const from = str(d.from_agent_id);
  const to = str(d.to_agent_id);
  if (from || to) parts.push(`${from ?? '?'} → ${to ?? '?'}`);
  else if (str(d.agent_id) && str(d.agent_id) !== event.actor) parts.push(`agent ${str(d.agent_id)}`);
  const fromP = str(d.from_priority);
  const toP = str(d.to_priority);
  if (fromP || toP) parts.push(`priority ${fromP ?? '?'} → ${toP ?? '?'}`);
  else if (str(d.priority) && event.type === 'escalated') parts.push(`priority ${str(d.priority)}`);
  if (typeof d.waited_seconds === 'number') parts.push(`waited ${formatDuration(d.waited_seconds * 1000)}`);
  if (str(d.action)) parts.push(String(d.action));
  if (str(d.order_id)) parts.push(String(d.order_id));
  for (const key of ['reason', 'note']) if (str(d[key])) parts.push(`“${str(d[key])}”`);
  return parts.join(' · ');
}

function actorLabel(actor: string, me: string): string {
  if (actor === me) return `${actor} (you)`;
  if (actor === 'system') return 'system (queue maintenance)';
  return actor;
}

function when(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Everything that happened to the session, oldest first, from its audit trail. */
export function ActivityTimeline({ sessionId, meId }: { sessionId: string; meId: string }) {
  const events = useSessionEvents(sessionId);
  if (events.isPending) return <Spinner label="Loading the activity" />;
  if (events.isError && !events.data) {
    return <ErrorMessage error={events.error} title="Could not load the activity" onRetry={() => void events.refetch()} />;
  }
  const list = events.data!.events;
  return (
    <div data-testid="activity">
      {events.isError ? <ErrorMessage error={events.error} title="Refresh failed; showing the last copy" /> : null}
      {list.length === 0 ? (
        <p className="empty">Nothing recorded yet.</p>
      ) : (
        <ol className="activity" aria-label="Activity, oldest first">
          {list.map((e) => {
            const detail = describeDetail(e);
            return (
              <li key={e.event_id} className="activity-event" data-testid="activity-event" data-type={e.type}>
                <div className="activity-head">
                  <span className="activity-type">{EVENT_LABEL[e.type] ?? e.type}</span>
                  <time className="activity-at" dateTime={e.at}>
                    {when(e.at)}
                  </time>
                  <span className="activity-actor muted">by {actorLabel(e.actor, meId)}</span>
                  {e.from_status || e.to_status ? (
                    <span className="activity-status">
                      {e.from_status ? <span className={`status status-${e.from_status}`}>{e.from_status}</span> : null}
                      {e.from_status !== e.to_status ? (
                        <>
                          <span className="arrow" aria-label="to">
                            {' → '}
                          </span>
                          {e.to_status ? <span className={`status status-${e.to_status}`}>{e.to_status}</span> : null}
                        </>
                      ) : null}
                    </span>
                  ) : null}
                </div>
                {detail ? <div className="activity-detail">{detail}</div> : null}
              </li>
            );
          })}
        </ol>
      )}
    </div>
  );
}
