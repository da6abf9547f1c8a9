import { useState, type Ref } from 'react';
import type { HandOverResponse, Me, SessionDetails, Solution } from '@/lib/api-types';
import { SlaBadge } from '@/components/ui/SlaBadge';
import { ErrorMessage, Notice } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { formatDateTime } from '@/lib/format';
import { answerSubstance, customerQuestion } from '@/lib/personal-data';
import { useSession } from '../api/get-session';
import { useResolveSession, useSendMessage } from '../api/session-actions';
import { useReleaseSession, useTransferSession } from '../api/hand-over';
import { ActivityTimeline } from './ActivityTimeline';
import { ReleaseDialog, TransferDialog, type TransferCandidate } from './HandOverDialogs';
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
  /** Agents to offer as transfer targets (may be empty: then an id is typed). */
  transferCandidates?: TransferCandidate[];
  loadingCandidates?: boolean;
  /** After a release or a transfer went through (the session is no longer the caller's). */
  onHandedOver?: (r: HandOverResponse) => void;
};

/** Where the focus lands after Accept or Next: a heading, so single-key shortcuts stay shortcuts. */
export const CONVERSATION_TITLE_ID = 'conversation-title';

/** The assignee, or a supervisor on anyone's assigned session. */
export function canHandOver(details: SessionDetails | undefined, me: Me): boolean {
  return !!details && details.agent_status === 'assigned' && (details.assigned_agent_id === me.agent_id || me.roles.includes('supervisor'));
}

export function canWrite(details: SessionDetails | undefined, me: Me): boolean {
  return !!details && details.agent_status === 'assigned' && details.assigned_agent_id === me.agent_id;
}

export function ConversationPanel(props: ConversationPanelProps) {
  const { sessionId, me } = props;
  const session = useSession(sessionId);
  const send = useSendMessage(sessionId, me);
  const resolve = useResolveSession(sessionId);
  const [dialog, setDialog] = useState<'release' | 'transfer' | null>(null);
  const [tab, setTab] = useState<'thread' | 'activity'>('thread');
  const [handedOver, setHandedOver] = useState<string | null>(null);
  const afterHandOver = (r: HandOverResponse) => {
    setDialog(null);
    setHandedOver(r.agent_status === 'pending' ? 'Released: the session is back in the queue in its original place.' : `Transferred to ${r.assigned_agent_id ?? 'another agent'}.`);
    props.onHandedOver?.(r);
  };
  const release = useReleaseSession(sessionId, afterHandOver);
  const transfer = useTransferSession(sessionId, afterHandOver);

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
  const handOver = canHandOver(d, me);
  const firstResponsePending = !d.first_response_at && (d.agent_status === 'pending' || d.agent_status === 'assigned');
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
          <h2 id={CONVERSATION_TITLE_ID} tabIndex={-1} data-testid="conversation-title">
            {d.user_id}
          </h2>
          <span className="muted conv-id">{d.session_id}</span>
          <span className={`status status-${d.agent_status}`} data-testid="session-status">
            {d.agent_status}
            {d.assigned_agent_id ? (mine ? ' · you' : ` · ${d.assigned_agent_name ?? d.assigned_agent_id}`) : ''}
          </span>
          {firstResponsePending && (d.sla_due_at || d.sla_breached) ? <SlaBadge dueAt={d.sla_due_at} breached={d.sla_breached} /> : null}
        </div>
        <div className="conv-actions">
          {d.agent_status === 'pending' ? (
            <button type="button" className="btn btn-primary" data-testid="conversation-accept" disabled={props.accepting} onClick={() => props.onAccept(d.session_id)}>
              {props.accepting ? 'Accepting…' : 'Accept'} <kbd>a</kbd>
            </button>
          ) : null}
          {handOver ? (
            <>
              <button type="button" className="btn" data-testid="release" onClick={() => setDialog('release')} title="Give the session back to the queue">
                Release
              </button>
              <button type="button" className="btn" data-testid="transfer" onClick={() => setDialog('transfer')} title="Hand the session to another agent">
                Transfer
              </button>
            </>
          ) : null}
          {writable ? (
            <button type="button" className="btn" data-testid="resolve" onClick={() => props.onResolveOpenChange(true)}>
              Resolve <kbd>r</kbd>
            </button>
          ) : null}
        </div>
      </div>
      {session.isError ? <ErrorMessage error={session.error} title="Refresh failed; showing the last copy" /> : null}
      {handedOver && !writable ? (
        <div className="notice notice-success" role="status" data-testid="handover-notice" style={{ margin: '6px 16px 0' }}>
          {handedOver}
        </div>
      ) : null}
      <div className="conv-scroll">
        <EscalationCardView card={d.escalation_card} details={d} />
        <div
          className="conv-tabs"
          role="tablist"
          aria-label="Conversation views"
          onKeyDown={(e) => {
            if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
            e.preventDefault();
            const next = tab === 'thread' ? 'activity' : 'thread';
            setTab(next);
            document.getElementById(`tab-${next}`)?.focus();
          }}
        >
          <button type="button" role="tab" id="tab-thread" className="conv-tab" aria-selected={tab === 'thread'} tabIndex={tab === 'thread' ? 0 : -1} aria-controls="panel-thread" data-testid="tab-thread" onClick={() => setTab('thread')}>
            Conversation
          </button>
          <button type="button" role="tab" id="tab-activity" className="conv-tab" aria-selected={tab === 'activity'} tabIndex={tab === 'activity' ? 0 : -1} aria-controls="panel-activity" data-testid="tab-activity" onClick={() => setTab('activity')}>
            Activity
          </button>
        </div>
        {tab === 'thread' ? (
          <div role="tabpanel" id="panel-thread" aria-labelledby="tab-thread">
            <Transcript history={d.history} />
          </div>
        ) : (
          <div role="tabpanel" id="panel-activity" aria-labelledby="tab-activity">
            <ActivityTimeline sessionId={d.session_id} meId={me.agent_id} />
          </div>
        )}
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
            question={customerQuestion(d.history)}
            solution={answerSubstance(d.history)}
            onSubmitted={props.onSolutionSubmitted}
            focusOnMount={resolve.isSuccess}
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
      {dialog === 'release' && handOver ? (
        <ReleaseDialog
          pending={release.isPending}
          error={release.error}
          onClose={() => {
            release.reset();
            setDialog(null);
          }}
          onRelease={(reason) => release.mutate(reason)}
        />
      ) : null}
      {dialog === 'transfer' && handOver ? (
        <TransferDialog
          pending={transfer.isPending}
          error={transfer.error}
          candidates={(props.transferCandidates ?? []).filter((c) => c.agent_id !== d.assigned_agent_id)}
          loadingCandidates={props.loadingCandidates}
          onClose={() => {
            transfer.reset();
            setDialog(null);
          }}
          onTransfer={(v) => transfer.mutate(v)}
        />
      ) : null}
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
