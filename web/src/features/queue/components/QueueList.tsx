import { memo } from 'react';
import type { PendingSession } from '@/lib/api-types';
import { PriorityBadge, TierBadge } from '@/components/ui/Badge';
import { WaitingClock, waitingSince } from './WaitingClock';

export type QueueListProps = {
  sessions: PendingSession[];
  fetchedAt: number;
  selectedId: string | null;
  acceptingId: string | null;
  onSelect: (sessionId: string) => void;
  onAccept: (sessionId: string) => void;
};

/** The pending queue, in the server's order (priority, then waiting time). */
export function QueueList({ sessions, fetchedAt, selectedId, acceptingId, onSelect, onAccept }: QueueListProps) {
  if (sessions.length === 0) {
    return <p className="empty">No one is waiting. New escalations appear here as they arrive.</p>;
  }
  return (
    <ol className="queue" aria-label="Pending sessions">
      {sessions.map((s) => (
        <QueueRow
          key={s.session_id}
          session={s}
          since={waitingSince(s, fetchedAt)}
          selected={s.session_id === selectedId}
          accepting={s.session_id === acceptingId}
          onSelect={onSelect}
          onAccept={onAccept}
        />
      ))}
    </ol>
  );
}

const QueueRow = memo(function QueueRow({
  session,
  since,
  selected,
  accepting,
  onSelect,
  onAccept,
}: {
  session: PendingSession;
  since: number;
  selected: boolean;
  accepting: boolean;
  onSelect: (id: string) => void;
  onAccept: (id: string) => void;
}) {
  return (
    <li
      className={`queue-item${selected ? ' is-selected' : ''}`}
      data-testid="queue-item"
      data-session-id={session.session_id}
      aria-current={selected ? 'true' : undefined}
    >
      <button type="button" className="queue-open" onClick={() => onSelect(session.session_id)} aria-label={`Open session of ${session.user_id}, ${session.priority} priority`}>
        <span className="queue-line">
          <PriorityBadge priority={session.priority} />
          <span className="queue-user">{session.user_id}</span>
          <TierBadge level={session.member_level} />
          <WaitingClock since={since} />
        </span>
        <span className="queue-reason">{session.escalate_reason}</span>
        <span className="queue-meta">{session.turn_count} turns</span>
      </button>
      <button
        type="button"
        className="btn btn-primary btn-small queue-accept"
        data-testid="accept"
        disabled={accepting}
        onClick={() => onAccept(session.session_id)}
      >
        {accepting ? 'Accepting…' : 'Accept'}
      </button>
    </li>
  );
});
