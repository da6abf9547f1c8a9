import type { AgentStatus, MessageAuthor } from '@/lib/api-types';
import { PriorityBadge, TierBadge } from '@/components/ui/Badge';
import { WaitingClock } from './WaitingClock';

export type MineRow = {
  session_id: string;
  user_id: string | null;
  agent_status: AgentStatus | null;
  priority: string | null;
  member_level: string | null;
  /** The thread's latest words (from the server's list; null for rows this browser remembers). */
  preview: string | null;
  preview_author: MessageAuthor | null;
  /** Customer messages the agent has not read yet. */
  unread: number;
  /** Since when the customer has waited for the agent (null: the agent spoke last). */
  waiting_since: string | null;
  loading: boolean;
  error: boolean;
};

const AUTHOR: Record<MessageAuthor, string> = { customer: 'Customer', bot: 'Bot', agent: 'You', system: 'System' };

/** My sessions: open ones first, then resolved ones still waiting for their solution. */
export function MineList({ rows, selectedId, onSelect, onForget }: { rows: MineRow[]; selectedId: string | null; onSelect: (id: string) => void; onForget: (id: string) => void }) {
  if (rows.length === 0) return <p className="empty">Sessions you accept appear here.</p>;
  return (
    <ul className="mine" aria-label="My sessions">
      {rows.map((r) => {
        const waiting = r.waiting_since ? Date.parse(r.waiting_since) : Number.NaN;
        return (
          <li key={r.session_id} className={`mine-item${r.session_id === selectedId ? ' is-selected' : ''}${r.unread > 0 ? ' has-unread' : ''}`} data-testid="mine-item" data-session-id={r.session_id} aria-current={r.session_id === selectedId ? 'true' : undefined}>
            <button type="button" className="queue-open" data-testid="open-session" onClick={() => onSelect(r.session_id)}>
              <span className="queue-line">
                <PriorityBadge priority={r.priority} />
                <span className="queue-user">{r.user_id ?? r.session_id}</span>
                <TierBadge level={r.member_level} />
                {r.unread > 0 ? (
                  <>
                    <span className="unread" data-testid="mine-unread" title={`${r.unread} customer message${r.unread === 1 ? '' : 's'} you have not read`}>
                      {r.unread}
                    </span>
                    <span className="sr-only"> unread</span>
                  </>
                ) : null}
                {!Number.isNaN(waiting) ? <WaitingClock since={waiting} /> : <span className={`status status-${r.agent_status ?? 'unknown'}`}>{r.loading ? 'loading…' : r.error ? 'unavailable' : r.agent_status}</span>}
              </span>
              {r.preview ? (
                <span className="queue-reason" data-testid="mine-preview" title={r.preview}>
                  <span className="muted">{r.preview_author ? `${AUTHOR[r.preview_author]}: ` : ''}</span>
                  {r.preview}
                </span>
              ) : null}
            </button>
            {r.agent_status === 'resolved' || r.error ? (
              <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove ${r.session_id} from my list`} onClick={() => onForget(r.session_id)}>
                ×
              </button>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
