import type { AgentStatus } from '@/lib/api-types';
import { PriorityBadge } from '@/components/ui/Badge';

export type MineRow = {
  session_id: string;
  user_id: string | null;
  agent_status: AgentStatus | null;
  priority: string | null;
  loading: boolean;
  error: boolean;
};

/** My accepted sessions: open ones first, then resolved ones still waiting for their solution. */
export function MineList({ rows, selectedId, onSelect, onForget }: { rows: MineRow[]; selectedId: string | null; onSelect: (id: string) => void; onForget: (id: string) => void }) {
  if (rows.length === 0) return <p className="empty">Sessions you accept appear here.</p>;
  return (
    <ul className="mine" aria-label="My sessions">
      {rows.map((r) => (
        <li key={r.session_id} className={`mine-item${r.session_id === selectedId ? ' is-selected' : ''}`} data-testid="mine-item" data-session-id={r.session_id} aria-current={r.session_id === selectedId ? 'true' : undefined}>
          <button type="button" className="queue-open" onClick={() => onSelect(r.session_id)}>
            <span className="queue-line">
              <PriorityBadge priority={r.priority} />
              <span className="queue-user">{r.user_id ?? r.session_id}</span>
              <span className={`status status-${r.agent_status ?? 'unknown'}`}>{r.loading ? 'loading…' : r.error ? 'unavailable' : r.agent_status}</span>
            </span>
          </button>
          {r.agent_status === 'resolved' || r.error ? (
            <button type="button" className="btn btn-ghost btn-small" aria-label={`Remove ${r.session_id} from my list`} onClick={() => onForget(r.session_id)}>
              ×
            </button>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
