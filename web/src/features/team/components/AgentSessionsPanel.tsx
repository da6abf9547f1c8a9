import { useState } from 'react';
import type { AssignedSession, DevAgent } from '@/lib/api-types';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { PriorityBadge, TierBadge } from '@/components/ui/Badge';
import { formatDuration } from '@/lib/format';
import { navigate, sessionPath } from '@/lib/router';
import { useAgentSessions, useSupervisorHandOver } from '../api/agent-sessions';

/** Each agent's sessions, with release and transfer for the supervisor. */
export function AgentSessionsPanel({ roster }: { roster: DevAgent[] }) {
  const agents = roster.filter((a) => a.roles.includes('agent'));
  return (
    <section aria-labelledby="agent-sessions-title" data-testid="agent-sessions-panel">
      <div className="team-head">
        <h2 id="agent-sessions-title">Sessions by agent</h2>
        <span className="muted small">Open, release or move any agent&apos;s session.</span>
      </div>
      {agents.length === 0 ? <p className="empty">No agents on the roster.</p> : null}
      <div className="agent-sessions">
        {agents.map((a) => (
          <AgentSessions key={a.agent_id} agent={a} others={agents.filter((o) => o.agent_id !== a.agent_id)} />
        ))}
      </div>
    </section>
  );
}

function AgentSessions({ agent, others }: { agent: DevAgent; others: DevAgent[] }) {
  const sessions = useAgentSessions(agent.agent_id, true);
  const handOver = useSupervisorHandOver(agent.agent_id);
  const rows = sessions.data?.sessions ?? [];
  return (
    <div className="agent-sessions-card" data-testid="agent-sessions" data-agent-id={agent.agent_id}>
      <h3>
        {agent.name} <span className="count">{sessions.data ? rows.length : '…'}</span>
      </h3>
      {sessions.isPending ? <Spinner label="Loading sessions" /> : null}
      <ErrorMessage error={sessions.error} onRetry={() => void sessions.refetch()} />
      <ErrorMessage error={handOver.error} title="Not handed over" />
      {sessions.data && rows.length === 0 ? <p className="muted small">No sessions.</p> : null}
      <ul className="agent-session-list">
        {rows.map((s) => (
          <AgentSessionRow key={s.session_id} session={s} others={others} busy={handOver.isPending} onHandOver={(toAgentId) => handOver.mutate({ sessionId: s.session_id, toAgentId })} />
        ))}
      </ul>
    </div>
  );
}

function AgentSessionRow({ session, others, busy, onHandOver }: { session: AssignedSession; others: DevAgent[]; busy: boolean; onHandOver: (toAgentId: string | null) => void }) {
  const [target, setTarget] = useState('');
  const id = session.session_id;
  return (
    <li className="agent-session" data-testid="agent-session" data-session-id={id}>
      <div className="queue-line">
        <PriorityBadge priority={session.priority} />
        <a
          href={sessionPath(id)}
          className="queue-user"
          onClick={(e) => {
            e.preventDefault();
            navigate(sessionPath(id));
          }}
        >
          {session.user_id}
        </a>
        <TierBadge level={session.member_level} />
        {session.unread_count > 0 ? <span className="unread" title="Unread customer messages">{session.unread_count}</span> : null}
        {session.waiting_seconds !== null ? <span className="muted small" title="The customer has waited">{formatDuration(session.waiting_seconds * 1000)}</span> : null}
      </div>
      {session.last_message_preview ? <div className="queue-reason small">{session.last_message_preview}</div> : null}
      <div className="agent-session-actions">
        <button type="button" className="btn btn-small" data-testid="team-release" disabled={busy} onClick={() => onHandOver(null)}>
          Release
        </button>
        <label htmlFor={`move-${id}`} className="sr-only">
          Transfer {id} to
        </label>
        <select id={`move-${id}`} data-testid="team-transfer-target" value={target} onChange={(e) => setTarget(e.target.value)}>
          <option value="">Transfer to…</option>
          {others.map((o) => (
            <option key={o.agent_id} value={o.agent_id}>
              {o.name}
            </option>
          ))}
        </select>
        <button type="button" className="btn btn-small" data-testid="team-transfer" disabled={busy || !target} onClick={() => onHandOver(target)}>
          Transfer
        </button>
      </div>
    </li>
  );
}
