import { useState } from 'react';
import type { DevAgent } from '@/lib/api-types';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { parseLimit, useAgent, useSetCapacity } from '../api/agents';

const SOURCE: Record<string, string> = { agent: 'own limit', team: 'team default', none: 'no limit' };

function CapacityRow({ agentId, name }: { agentId: string; name?: string }) {
  const agent = useAgent(agentId);
  const save = useSetCapacity(agentId);
  const [text, setText] = useState<string | null>(null);
  const current = agent.data;
  const value = text ?? (current?.max_sessions_source === 'agent' && current.max_sessions !== null ? String(current.max_sessions) : '');
  const parsed = parseLimit(value);
  const inputId = `capacity-${agentId}`;
  return (
    <tr data-testid="capacity-row" data-agent-id={agentId}>
      <th scope="row">
        <div>{name ?? agentId}</div>
        {name ? <div className="muted small">{agentId}</div> : null}
      </th>
      <td data-testid="capacity-active">{current ? current.active_sessions : agent.isPending ? <Spinner label="Loading" /> : '—'}</td>
      <td data-testid="capacity-limit">
        {current ? (
          <>
            {current.max_sessions === null ? 'no limit' : current.max_sessions}
            {current.max_sessions_source !== 'none' ? (
              <span className="muted small"> ({SOURCE[current.max_sessions_source] ?? current.max_sessions_source})</span>
            ) : null}
          </>
        ) : null}
        <ErrorMessage error={agent.error} onRetry={() => void agent.refetch()} />
      </td>
      <td>
        <form
          className="capacity-edit"
          onSubmit={(e) => {
            e.preventDefault();
            if (parsed !== undefined) save.mutate(parsed, { onSuccess: () => setText(null) });
          }}
        >
          <label htmlFor={inputId} className="sr-only">
            Own limit for {agentId} (blank: team default)
          </label>
          <input
            id={inputId}
            data-testid="capacity-input"
            inputMode="numeric"
            value={value}
            placeholder="team"
            onChange={(e) => setText(e.target.value)}
            aria-invalid={parsed === undefined}
            aria-describedby={parsed === undefined ? `${inputId}-error` : undefined}
          />
          <button type="submit" className="btn btn-small" data-testid="capacity-save" disabled={save.isPending || parsed === undefined || !current}>
            {save.isPending ? 'Saving…' : 'Save'}
          </button>
        </form>
        {parsed === undefined ? (
          <div className="field-error" id={`${inputId}-error`}>
            A whole number from 0 to 1000, or blank for the team default.
          </div>
        ) : null}
        <ErrorMessage error={save.error} title="Not saved" />
      </td>
    </tr>
  );
}

/** Each agent's load and limit; a supervisor sets an agent's own limit or clears it. */
export function CapacityPanel({ roster, rosterLoading, rosterError }: { roster: DevAgent[]; rosterLoading: boolean; rosterError: unknown }) {
  const [extra, setExtra] = useState<string[]>([]);
  const [lookup, setLookup] = useState('');
  const known = new Set(roster.map((a) => a.agent_id));
  const rows = [...roster.map((a) => ({ agentId: a.agent_id, name: a.name })), ...extra.filter((id) => !known.has(id)).map((agentId) => ({ agentId, name: undefined }))];
  return (
    <section aria-labelledby="capacity-title" data-testid="capacity-panel">
      <div className="team-head">
        <h2 id="capacity-title">Capacity</h2>
        <span className="muted small">Blank uses the team default; 0 stops new sessions. A limit below an agent's load only stops new ones.</span>
      </div>
      {rosterLoading ? <Spinner label="Loading the agents" /> : null}
      <ErrorMessage error={rosterError} title="Could not list the agents" />
      {rows.length > 0 ? (
        <table className="capacity-table">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Active</th>
              <th scope="col">Limit</th>
              <th scope="col">Own limit</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <CapacityRow key={r.agentId} agentId={r.agentId} name={r.name} />
            ))}
          </tbody>
        </table>
      ) : rosterLoading ? null : (
        <p className="empty">Look an agent up by id to see and set their capacity.</p>
      )}
      <form
        className="lookup-row"
        onSubmit={(e) => {
          e.preventDefault();
          const id = lookup.trim();
          if (id && !extra.includes(id)) setExtra((x) => [...x, id]);
          setLookup('');
        }}
      >
        <label htmlFor="capacity-lookup" className="sr-only">
          Agent id
        </label>
        <input id="capacity-lookup" data-testid="capacity-lookup" value={lookup} onChange={(e) => setLookup(e.target.value)} placeholder="Agent id, e.g. agent-003" autoComplete="off" />
        <button type="submit" className="btn" data-testid="capacity-lookup-submit" disabled={!lookup.trim()}>
          Look up
        </button>
      </form>
    </section>
  );
}
