import type { Ref } from 'react';
import type { Me, SessionDetails, Solution } from '@/lib/api-types';
import { ErrorMessage, Notice } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { formatDateTime } from '@/lib/format';
import { useSession } from '../api/get-session';
import { useResolveSession, useSendMessage } from '../api/session-actions';
import { Composer } from './Composer';
import { EscalationCardView } from './EscalationCardView';
import { ResolveDialog } from './ResolveDialog';
import { SolutionForm } from './SolutionForm';
import { Transcript } from './Transcript';

export type ConversationPanelProps = {
  sessionId: string;
  me: Me;
  draft: string;
  onDraftChange: (value: string) => void;
  composerRef: Ref<HTMLTextAreaElement>;
  onAccept: (sessionId: string) => void;
  accepting: boolean;
  resolveOpen: boolean;
  onResolveOpenChange: (open: boolean) => void;
  onSolutionSubmitted?: (s: Solution) => void;
};

export function canWrite(details: SessionDetails | undefined, me: Me): boolean {
  return !!details && details.agent_status === 'assigned' && details.assigned_agent_id === me.agent_id;
}

function lastAgentReply(details: SessionDetails): string {
  for (let i = details.history.length - 1; i >= 0; i--) {
    const m = details.history[i]!;
    if (m.author === 'agent') return m.content;
  }
  return '';
}

export function ConversationPanel(props: ConversationPanelProps) {
  const { sessionId, me } = props;
  const session = useSession(sessionId);
  const send = useSendMessage(sessionId, me);
  const resolve = useResolveSession(sessionId);

  if (session.isPending) {
    return (
      <div className="panel-pad">
        <Spinner label="Loading conversation" />
      </div>
    );
  }
  if (session.isError && !session.data) {
    return (
      <div className="panel-pad">
        <ErrorMessage error={session.error} onRetry={() => void session.refetch()} title="Could not load the session" />
      </div>
    );
  }
  const d = session.data!;
  const mine = d.assigned_agent_id === me.agent_id;
  const writable = canWrite(d, me);
  const disabledReason =
    d.agent_status === 'pending'
      ? 'Accept this session to reply.'
      : d.agent_status === 'resolved'
        ? 'This session is resolved.'
        : !mine
          ? `Assigned to ${d.assigned_agent_id ?? 'another agent'}.`
          : undefined;

  return (
    <div className="conversation" data-testid="conversation" data-session-id={d.session_id} data-status={d.agent_status}>
      <div className="conv-head">
        <div className="conv-title">
          <h2>{d.user_id}</h2>
          <span className="muted conv-id">{d.session_id}</span>
          <span className={`status status-${d.agent_status}`} data-testid="session-status">
            {d.agent_status}
            {d.assigned_agent_id ? (mine ? ' · you' : ` · ${d.assigned_agent_id}`) : ''}
          </span>
        </div>
        <div className="conv-actions">
          {d.agent_status === 'pending' ? (
            <button type="button" className="btn btn-primary" data-testid="conversation-accept" disabled={props.accepting} onClick={() => props.onAccept(d.session_id)}>
              {props.accepting ? 'Accepting…' : 'Accept'} <kbd>a</kbd>
            </button>
          ) : null}
          {writable ? (
            <button type="button" className="btn" data-testid="resolve" onClick={() => props.onResolveOpenChange(true)}>
              Resolve <kbd>r</kbd>
            </button>
          ) : null}
        </div>
      </div>
      {session.isError ? <ErrorMessage error={session.error} title="Refresh failed; showing the last copy" /> : null}
      <div className="conv-scroll">
        <EscalationCardView card={d.escalation_card} details={d} />
        <Transcript history={d.history} />
      </div>
      {d.agent_status === 'resolved' && mine ? (
        <div className="conv-foot">
          <Notice tone="success">
            Resolved {formatDateTime(d.resolved_at)}
            {d.resolve_note ? `: ${d.resolve_note}` : ''}
          </Notice>
          <SolutionForm
            key={d.session_id}
            sessionId={d.session_id}
            question={d.escalation_card?.conversation_summary ?? ''}
            solution={lastAgentReply(d)}
            onSubmitted={props.onSolutionSubmitted}
          />
        </div>
      ) : (
        <div className="conv-foot">
          <ErrorMessage error={send.error} title="Message not sent" />
          <Composer
            ref={props.composerRef}
            value={props.draft}
            onChange={props.onDraftChange}
            disabled={!writable}
            disabledReason={disabledReason}
            sending={send.isPending}
            onSend={() => {
              const content = props.draft.trim();
              send.mutate(content, { onSuccess: () => props.onDraftChange('') });
            }}
          />
        </div>
      )}
      {props.resolveOpen && writable ? (
        <ResolveDialog
          pending={resolve.isPending}
          error={resolve.error}
          onClose={() => {
            resolve.reset();
            props.onResolveOpenChange(false);
          }}
          onResolve={(note) => resolve.mutate(note, { onSuccess: () => props.onResolveOpenChange(false) })}
        />
      ) : null}
    </div>
  );
}
