import { useQueries } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Me } from '@/lib/api-types';
import { capacityOf, describeError, isApiError } from '@/lib/api-client';
import { navigate, sessionPath } from '@/lib/router';
import { connectivity } from '@/lib/connectivity';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { usePending } from '@/features/queue/api/get-pending';
import { ACCEPTED_BY_ANOTHER, useAcceptSession } from '@/features/queue/api/accept-session';
import { addMine, markClaiming, removeMine, useLocalMine, useServerMine } from '@/features/queue/api/mine';
import { useNextSession } from '@/features/queue/api/next-session';
import { useAgent } from '@/features/team/api/agents';
import { useRoster } from '@/features/team/api/roster';
import { QueueList } from '@/features/queue/components/QueueList';
import { MineList, type MineRow } from '@/features/queue/components/MineList';
import { sessionQuery, useSession } from '@/features/conversation/api/get-session';
import { MAX_MESSAGE_CHARS } from '@/features/conversation/api/session-actions';
import { CONVERSATION_TITLE_ID, ConversationPanel, canWrite } from '@/features/conversation/components/ConversationPanel';
import { KnowledgePanel } from '@/features/knowledge/components/KnowledgePanel';
import { BusinessAssistPanel } from '@/features/business/components/BusinessAssistPanel';
import { useShortcuts } from '../use-shortcuts';
import { watchedSessions } from '../watched';
import { useEscalationAlerts } from '../alerts';

const OPEN_SESSION_POLL_MS = 10_000;
const MY_CAPACITY_POLL_MS = 30_000;
type Pane = 'queue' | 'conversation' | 'assist';
const PANES: [Pane, string][] = [
  ['queue', 'Queue'],
  ['conversation', 'Conversation'],
  ['assist', 'Assist'],
];
export const QUEUE_EMPTY = 'The queue is empty: no one is waiting right now.';

/** A refused accept or "next": someone else was first, or the agent is at their limit. */
function takeError(err: unknown): string {
  const full = capacityOf(err);
  if (full) {
    const load = full.active !== null && full.max !== null ? ` (${full.active} of ${full.max} sessions)` : '';
    return `You are at capacity${load}. Resolve or release a session first, or ask a supervisor to raise your limit.`;
  }
  return isApiError(err) && err.status === 409 && err.code !== 'conflict' ? ACCEPTED_BY_ANOTHER : describeError(err);
}

function latestCustomerMessage(history: { author: string; content: string }[] | undefined): string {
  if (!history) return '';
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.author === 'customer') return history[i]!.content;
  return '';
}

/** Queue, conversation and assist panels side by side: the screen agents keep open all day. */
export function WorkspaceRoute({ me, sessionId, rosterEnabled = false }: { me: Me; sessionId: string | null; rosterEnabled?: boolean }) {
  const pending = usePending();
  useEscalationAlerts(pending.data);
  const serverMine = useServerMine();
  const localMine = useLocalMine(me.agent_id);
  const serverRows = Array.isArray(serverMine.data) ? serverMine.data : null;
  // Ids this browser remembers that the server does not list (resolved, awaiting their solution;
  // just accepted, before the index caught up; or gone): each is checked through its details.
  const localExtra = serverRows ? localMine.filter((id) => !serverRows.some((r) => r.session_id === id)) : localMine;
  const mineDetails = useQueries({ queries: localExtra.map((id) => ({ ...sessionQuery(id) })) });
  // Live updates bring the open conversation; while the socket is down it is polled instead.
  const socket = useSyncExternalStore(connectivity.subscribe, () => connectivity.get().socket);
  const open = useSession(sessionId, socket === 'open' ? false : OPEN_SESSION_POLL_MS);

  const [acceptError, setAcceptError] = useState<string | null>(null);
  const [nextNotice, setNextNotice] = useState<{ tone: 'info' | 'warning'; text: string } | null>(null);
  const roster = useRoster(rosterEnabled);
  const myCapacity = useAgent(me.agent_id, MY_CAPACITY_POLL_MS);
  const [resolveOpen, setResolveOpen] = useState(false);
  // Below 1300 px not every pane fits: the one in front (CSS shows all three on wide screens).
  const [pane, setPane] = useState<Pane>(sessionId ? 'conversation' : 'queue');
  useEffect(() => {
    if (sessionId) setPane('conversation');
  }, [sessionId]);
  const showAssist = (id: string) => {
    setPane('assist');
    setTimeout(() => document.getElementById(id)?.focus(), 0);
  };
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const composerRef = useRef<HTMLTextAreaElement>(null);
  const focusWhenWritable = useRef<string | null>(null);

  const accept = useAcceptSession((details) => {
    addMine(me.agent_id, details.session_id);
    void myCapacity.refetch();
    setAcceptError(null);
    // The focus goes to the conversation, not the composer: the shortcuts the agent presses next
    // (c, b, r, /) must stay shortcuts and never become text for the customer.
    focusWhenWritable.current = details.session_id;
    setPane('conversation');
    navigate(sessionPath(details.session_id));
  });
  const onAccept = useCallback(
    (id: string) => {
      setAcceptError(null);
      setNextNotice(null);
      markClaiming(id, true);
      accept.mutate(id, { onError: (err) => setAcceptError(takeError(err)), onSettled: () => markClaiming(id, false) });
    },
    [accept.mutate],
  );
  const next = useNextSession(
    (claimed) => {
      addMine(me.agent_id, claimed.session_id);
      void myCapacity.refetch();
      // Its details are still on their way: the conversation takes the focus once they are shown.
      focusWhenWritable.current = claimed.session_id;
      setPane('conversation');
      navigate(sessionPath(claimed.session_id));
    },
    () => setNextNotice({ tone: 'info', text: QUEUE_EMPTY }),
  );
  const onNext = useCallback(() => {
    setAcceptError(null);
    setNextNotice(null);
    markClaiming(null, true);
    next.mutate(undefined, { onError: (err) => setNextNotice({ tone: 'warning', text: takeError(err) }), onSettled: () => markClaiming(null, false) });
  }, [next.mutate]);
  const onSelect = useCallback((id: string) => navigate(sessionPath(id)), []);

  // Mine: the server's list of the sessions I hold, then what this browser remembers besides,
  // pruned of sessions that are gone or were taken over by someone else.
  const fromServer: MineRow[] = (serverRows ?? []).map((s) => ({
    session_id: s.session_id,
    user_id: s.user_id,
    agent_status: s.agent_status,
    priority: s.priority,
    member_level: s.member_level,
    preview: s.last_message_preview,
    preview_author: s.last_message_author,
    unread: s.unread_count,
    waiting_since: s.waiting_since,
    loading: false,
    error: false,
  }));
  const fromBrowser: MineRow[] = localExtra.map((id, i) => {
    const q = mineDetails[i];
    const d = q?.data;
    return {
      session_id: id,
      user_id: d?.user_id ?? null,
      agent_status: d?.agent_status ?? null,
      priority: d?.priority ?? null,
      member_level: d?.member_level ?? null,
      preview: null,
      preview_author: null,
      unread: 0,
      waiting_since: null,
      loading: !!q?.isPending,
      error: !!q?.isError && !d,
    };
  });
  const mineRows = [...fromServer, ...fromBrowser];
  mineRows.sort((a, b) => Number(a.agent_status === 'resolved') - Number(b.agent_status === 'resolved'));
  useEffect(() => {
    localExtra.forEach((id, i) => {
      const q = mineDetails[i];
      // Taken over, transferred away, or released back to the queue (by a supervisor, say).
      const taken =
        q?.data && !q.isFetching && q.data.agent_status !== 'resolved' && q.data.assigned_agent_id !== me.agent_id;
      const gone = q?.error && isApiError(q.error) && q.error.status === 404;
      if (taken || gone) removeMine(me.agent_id, id);
    });
  });

  // The same list of ids keeps the same array, so the live-update hook is not re-armed each render.
  const watchedKey = [sessionId ?? '', ...mineRows.map((r) => r.session_id)].join('\n');
  const watched = useMemo(() => [...new Set(watchedKey.split('\n').filter(Boolean))], [watchedKey]);
  useEffect(() => {
    watchedSessions.set(watched);
  }, [watched]);
  useEffect(() => {
    setResolveOpen(false);
  }, [sessionId]);

  const details = open.data;
  const writable = canWrite(details, me);
  useEffect(() => {
    if (writable && details && focusWhenWritable.current === details.session_id) {
      focusWhenWritable.current = null;
      setTimeout(() => document.getElementById(CONVERSATION_TITLE_ID)?.focus(), 0);
    }
  });
  const draft = sessionId ? (drafts[sessionId] ?? '') : '';
  const setDraft = useCallback((value: string) => {
    if (sessionId) setDrafts((d) => ({ ...d, [sessionId]: value }));
  }, [sessionId]);
  const insert = useCallback(
    (text: string) => {
      if (!sessionId) return;
      setDrafts((d) => {
        const current = d[sessionId] ?? '';
        const next = (current.trim() ? `${current.replace(/\s+$/, '')}\n\n${text}` : text).slice(0, MAX_MESSAGE_CHARS);
        return { ...d, [sessionId]: next };
      });
      setPane('conversation');
      setTimeout(() => composerRef.current?.focus(), 0);
    },
    [sessionId],
  );

  const list = pending.data ?? [];
  const move = (step: number) => {
    if (list.length === 0) return;
    const at = list.findIndex((s) => s.session_id === sessionId);
    const next = at < 0 ? (step > 0 ? 0 : list.length - 1) : Math.min(list.length - 1, Math.max(0, at + step));
    const id = list[next]!.session_id;
    navigate(sessionPath(id));
  };
  useShortcuts({
    j: () => move(1),
    k: () => move(-1),
    a: () => {
      if (sessionId && details?.agent_status === 'pending') onAccept(sessionId);
    },
    r: () => {
      if (writable) setResolveOpen(true);
    },
    c: () => composerRef.current?.focus(),
    n: () => {
      if (!next.isPending) onNext();
    },
    '/': () => showAssist('knowledge-search'),
    b: () => showAssist('business-query'),
  });

  const businessDisabledReason = !details
    ? undefined
    : details.agent_status === 'pending'
      ? 'Accept the session to use business assist.'
      : details.agent_status === 'resolved'
        ? 'The session is resolved.'
        : !writable
          ? `Assigned to ${details.assigned_agent_id ?? 'another agent'}.`
          : undefined;

  const unread = mineRows.reduce((n, r) => n + r.unread, 0);
  return (
    <div className="workspace" data-pane={pane} data-testid="workspace">
      <nav className="pane-tabs" aria-label="Panes">
        {PANES.map(([id, label]) => (
          <button
            key={id}
            type="button"
            className={`pane-tab pane-tab-${id}${pane === id ? ' is-active' : ''}`}
            aria-pressed={pane === id}
            data-testid={`pane-${id}`}
            disabled={id !== 'queue' && !sessionId}
            onClick={() => setPane(id)}
          >
            {label}
            {id === 'queue' ? <span className="count">{list.length}</span> : null}
            {id === 'queue' && unread > 0 ? <span className="unread" title="Unread customer messages in Mine">{unread}</span> : null}
          </button>
        ))}
      </nav>
      <aside className="queue-pane" aria-label="Queues">
        <section aria-labelledby="mine-title" className="queue-section queue-section-mine">
          <h2 id="mine-title">
            Mine <span className="count">{mineRows.filter((r) => r.agent_status !== 'resolved').length}</span>
            {myCapacity.data ? (
              <span
                className={`capacity-chip${myCapacity.data.max_sessions !== null && myCapacity.data.active_sessions >= myCapacity.data.max_sessions ? ' is-full' : ''}`}
                data-testid="my-capacity"
                title={myCapacity.data.max_sessions === null ? 'No limit on your sessions' : `Your limit (${myCapacity.data.max_sessions_source === 'agent' ? 'your own' : 'the team default'})`}
              >
                {myCapacity.data.max_sessions === null ? `${myCapacity.data.active_sessions} active · no limit` : `${myCapacity.data.active_sessions} of ${myCapacity.data.max_sessions}`}
              </span>
            ) : null}
          </h2>
          <MineList rows={mineRows} selectedId={sessionId} onSelect={onSelect} onForget={(id) => removeMine(me.agent_id, id)} />
        </section>
        <section aria-labelledby="pending-title" className="queue-section queue-section-grow">
          <h2 id="pending-title">
            Pending <span className="count" data-testid="pending-count">{list.length}</span>
            {pending.isFetching ? <span className="refreshing" aria-hidden="true" title="Refreshing" /> : null}
          </h2>
          <div className="queue-tools">
            <button type="button" className="btn btn-primary" data-testid="next-in-queue" disabled={next.isPending} onClick={onNext} title="Take the highest-priority, longest-waiting session (n)">
              {next.isPending ? 'Claiming…' : 'Next in queue'} <kbd>n</kbd>
            </button>
          </div>
          {nextNotice ? (
            <div className={`notice notice-${nextNotice.tone}`} role={nextNotice.tone === 'warning' ? 'alert' : 'status'} data-testid="next-notice" data-tone={nextNotice.tone}>
              {nextNotice.text}
            </div>
          ) : null}
          {acceptError ? (
            <div className="notice notice-warning" role="alert" data-testid="accept-error">
              {acceptError}
            </div>
          ) : null}
          {pending.isPending ? <Spinner label="Loading the queue" /> : null}
          <ErrorMessage error={pending.error} onRetry={() => void pending.refetch()} title="Queue not refreshed" />
          {pending.data ? (
            <QueueList
              sessions={pending.data}
              fetchedAt={pending.dataUpdatedAt}
              selectedId={sessionId}
              acceptingId={accept.isPending ? (accept.variables ?? null) : null}
              onSelect={onSelect}
              onAccept={onAccept}
            />
          ) : null}
        </section>
      </aside>
      <section className="conv-pane" aria-label="Conversation">
        {sessionId ? (
          <ConversationPanel
            key={sessionId}
            sessionId={sessionId}
            me={me}
            draft={draft}
            onDraftChange={setDraft}
            composerRef={composerRef}
            onAccept={onAccept}
            accepting={accept.isPending && accept.variables === sessionId}
            resolveOpen={resolveOpen}
            onResolveOpenChange={setResolveOpen}
            onSolutionSubmitted={() => removeMine(me.agent_id, sessionId)}
            transferCandidates={(roster.data ?? []).map((a) => ({ agent_id: a.agent_id, name: a.name }))}
            loadingCandidates={rosterEnabled && roster.isPending}
            onHandedOver={(r) => {
              if (r.assigned_agent_id !== me.agent_id) removeMine(me.agent_id, r.session_id);
              void myCapacity.refetch();
            }}
          />
        ) : (
          <div className="placeholder">
            <p>Select a session from the queue to read its card and conversation.</p>
            <p className="muted">
              <kbd>j</kbd>/<kbd>k</kbd> move through the queue, <kbd>a</kbd> accepts, <kbd>?</kbd> shows every shortcut.
            </p>
          </div>
        )}
      </section>
      <aside className="assist-pane" aria-label="Assist">
        {sessionId ? (
          <>
            <KnowledgePanel
              sessionId={sessionId}
              suggestedQuery={latestCustomerMessage(details?.history) || details?.escalation_card?.conversation_summary || ''}
              onInsert={insert}
              canInsert={writable}
            />
            <BusinessAssistPanel sessionId={sessionId} enabled={writable} disabledReason={businessDisabledReason} onInsert={insert} />
          </>
        ) : (
          <p className="muted panel-pad">Knowledge and business assist for the open session appear here.</p>
        )}
      </aside>
    </div>
  );
}
