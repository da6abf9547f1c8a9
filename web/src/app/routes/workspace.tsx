import { useQueries } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import type { Me } from '@/lib/api-types';
import { describeError, isApiError } from '@/lib/api-client';
import { navigate, sessionPath } from '@/lib/router';
import { connectivity } from '@/lib/connectivity';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { usePending } from '@/features/queue/api/get-pending';
import { ACCEPTED_BY_ANOTHER, useAcceptSession } from '@/features/queue/api/accept-session';
import { addMine, removeMine, useLocalMine, useServerMine } from '@/features/queue/api/mine';
import { QueueList } from '@/features/queue/components/QueueList';
import { MineList, type MineRow } from '@/features/queue/components/MineList';
import { sessionQuery, useSession } from '@/features/conversation/api/get-session';
import { MAX_MESSAGE_CHARS } from '@/features/conversation/api/session-actions';
import { ConversationPanel, canWrite } from '@/features/conversation/components/ConversationPanel';
import { KnowledgePanel } from '@/features/knowledge/components/KnowledgePanel';
import { BusinessAssistPanel } from '@/features/business/components/BusinessAssistPanel';
import { useShortcuts } from '../use-shortcuts';
import { watchedSessions } from '../watched';

const OPEN_SESSION_POLL_MS = 10_000;

function latestCustomerMessage(history: { author: string; content: string }[] | undefined): string {
  if (!history) return '';
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.author === 'customer') return history[i]!.content;
  return '';
}

/** Queue, conversation and assist panels side by side: the screen agents keep open all day. */
export function WorkspaceRoute({ me, sessionId }: { me: Me; sessionId: string | null }) {
  const pending = usePending();
  const serverMine = useServerMine();
  const localMine = useLocalMine(me.agent_id);
  const useServer = Array.isArray(serverMine.data);
  const mineDetails = useQueries({ queries: (useServer ? [] : localMine).map((id) => ({ ...sessionQuery(id) })) });
  // Live updates bring the open conversation; while the socket is down it is polled instead.
  const socket = useSyncExternalStore(connectivity.subscribe, () => connectivity.get().socket);
  const open = useSession(sessionId, socket === 'open' ? false : OPEN_SESSION_POLL_MS);

  const [acceptError, setAcceptError] = useState<string | null>(null);
  const [resolveOpen, setResolveOpen] = useState(false);
  const [drafts, setDrafts] = useState<Record<string, string>>({});
  const composerRef = useRef<HTMLTextAreaElement>(null);

  const accept = useAcceptSession((details) => {
    addMine(me.agent_id, details.session_id);
    setAcceptError(null);
    navigate(sessionPath(details.session_id));
    setTimeout(() => composerRef.current?.focus(), 0);
  });
  const onAccept = useCallback(
    (id: string) => {
      setAcceptError(null);
      accept.mutate(id, {
        onError: (err) => setAcceptError(isApiError(err) && err.status === 409 ? ACCEPTED_BY_ANOTHER : describeError(err)),
      });
    },
    [accept.mutate],
  );
  const onSelect = useCallback((id: string) => navigate(sessionPath(id)), []);

  // Mine: the server's list when it has one; else this browser's, pruned of sessions that are
  // gone or were taken over by someone else.
  const mineRows: MineRow[] = useServer
    ? serverMine.data!.map((s) => ({ session_id: s.session_id, user_id: s.user_id, agent_status: s.agent_status, priority: s.priority, loading: false, error: false }))
    : localMine.map((id, i) => {
        const q = mineDetails[i];
        const d = q?.data;
        return {
          session_id: id,
          user_id: d?.user_id ?? null,
          agent_status: d?.agent_status ?? null,
          priority: d?.priority ?? null,
          loading: !!q?.isPending,
          error: !!q?.isError && !d,
        };
      });
  mineRows.sort((a, b) => Number(a.agent_status === 'resolved') - Number(b.agent_status === 'resolved'));
  useEffect(() => {
    if (useServer) return;
    localMine.forEach((id, i) => {
      const q = mineDetails[i];
      const taken = q?.data && q.data.assigned_agent_id && q.data.assigned_agent_id !== me.agent_id;
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
    '/': () => document.getElementById('knowledge-search')?.focus(),
    b: () => document.getElementById('business-query')?.focus(),
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

  return (
    <div className="workspace">
      <aside className="queue-pane" aria-label="Queues">
        <section aria-labelledby="mine-title" className="queue-section queue-section-mine">
          <h2 id="mine-title">
            Mine <span className="count">{mineRows.filter((r) => r.agent_status !== 'resolved').length}</span>
          </h2>
          <MineList rows={mineRows} selectedId={sessionId} onSelect={onSelect} onForget={(id) => removeMine(me.agent_id, id)} />
        </section>
        <section aria-labelledby="pending-title" className="queue-section queue-section-grow">
          <h2 id="pending-title">
            Pending <span className="count" data-testid="pending-count">{list.length}</span>
            {pending.isFetching ? <span className="refreshing" aria-hidden="true" title="Refreshing" /> : null}
          </h2>
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
