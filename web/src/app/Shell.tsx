import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { RuntimeConfig } from '@/lib/api-types';
import { setTokens } from '@/lib/auth/token-store';
import { logoutUrl } from '@/lib/auth/cognito';
import { matchRoute, navigate, sessionPath, usePathname } from '@/lib/router';
import { ConnectionStatus } from '@/components/ui/ConnectionStatus';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { useMe } from '@/features/auth/api/get-me';
import { useLiveUpdates } from '@/features/live/api/use-live-updates';
import { ReviewQueue } from '@/features/review/components/ReviewQueue';
import { addMine, claimedByMe, readMine } from '@/features/queue/api/mine';
import { Toasts, type ToastMessage } from '@/components/ui/Toast';
import { TeamPage } from '@/features/team/components/TeamPage';
import { HelpOverlay } from './HelpOverlay';
import { AlertSettingsDialog } from './AlertSettingsDialog';
import { useShortcuts } from './use-shortcuts';
import { WorkspaceRoute } from './routes/workspace';
import { watchedSessions } from './watched';

/** How long a "session assigned to me" event waits for this browser's own accept to land. */
const TRANSFER_TOAST_DELAY_MS = 1500;

export function Shell({ config }: { config: RuntimeConfig }) {
  const queryClient = useQueryClient();
  const me = useMe(true);
  const pathname = usePathname();
  const route = matchRoute(pathname);
  const [help, setHelp] = useState(false);
  const [alertSettings, setAlertSettings] = useState(false);
  const watched = useSyncExternalStore(watchedSessions.subscribe, watchedSessions.get);
  const meId = me.data?.agent_id;
  const [toasts, setToasts] = useState<ToastMessage[]>([]);
  const dismissToast = useCallback((id: string) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  // A session transferred to me joins "Mine" as it happens, with a toast. One I accepted or
  // claimed myself is already in Mine by the time its event arrives (the answer comes first;
  // the event is given a moment, in case it does not).
  // The pending decisions die with the shell: one left over from a signed-out agent must not
  // add a session to the next agent's Mine.
  const transferTimers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const timers = transferTimers.current;
    return () => {
      timers.forEach(clearTimeout);
      timers.clear();
    };
  }, []);
  useLiveUpdates(config.api_base ?? '', watched, config.ws_url, (event) => {
    if (!meId || event.agent_status !== 'assigned' || event.assigned_agent_id !== meId) return;
    const id = event.session_id;
    const timer = setTimeout(() => {
      transferTimers.current.delete(timer);
      if (readMine(meId).includes(id) || claimedByMe(id)) return;
      addMine(meId, id);
      setToasts((ts) =>
        ts.some((t) => t.id === id)
          ? ts
          : [...ts, { id, text: `A session was transferred to you: ${id}`, action: { label: 'Open', onClick: () => navigate(sessionPath(id)) } }],
      );
    }, TRANSFER_TOAST_DELAY_MS);
    transferTimers.current.add(timer);
  });
  useShortcuts({ '?': () => setHelp((h) => !h) });

  useEffect(() => {
    if (route.name === 'sign-in') navigate('/', { replace: true });
  }, [route.name]);

  const signOut = () => {
    setTokens(null);
    queryClient.clear();
    watchedSessions.set([]);
    if (config.auth === 'cognito') window.location.assign(logoutUrl(config));
    else navigate('/sign-in', { replace: true });
  };

  if (me.isPending) {
    return (
      <main className="splash">
        <Spinner label="Signing in" />
      </main>
    );
  }
  if (me.isError) {
    return (
      <main className="splash">
        <ErrorMessage error={me.error} title="Could not load your agent profile" onRetry={() => void me.refetch()} />
        <button type="button" className="btn" onClick={signOut}>
          Sign out
        </button>
      </main>
    );
  }
  const agent = me.data;
  const isReviewer = agent.roles.includes('reviewer');
  // Supervisors may read the review queue; deciding is the reviewers' job.
  const isSupervisor = agent.roles.includes('supervisor');
  const canSeeReview = isReviewer || isSupervisor;
  const rosterEnabled = config.auth === 'local';

  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Agent workbench</span>
        <nav aria-label="Main">
          <a href="/" className={`nav-link${route.name === 'queue' ? ' is-active' : ''}`} aria-current={route.name === 'queue' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/'); }}>
            Queue
          </a>
          {canSeeReview ? (
            <a href="/review" data-testid="nav-review" className={`nav-link${route.name === 'review' ? ' is-active' : ''}`} aria-current={route.name === 'review' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/review'); }}>
              Review
            </a>
          ) : null}
          {isSupervisor ? (
            <a href="/team" data-testid="nav-team" className={`nav-link${route.name === 'team' ? ' is-active' : ''}`} aria-current={route.name === 'team' ? 'page' : undefined} onClick={(e) => { e.preventDefault(); navigate('/team'); }}>
              Team
            </a>
          ) : null}
        </nav>
        <span className="spacer" />
        <ConnectionStatus />
        <button type="button" className="btn btn-ghost" data-testid="alert-settings" onClick={() => setAlertSettings(true)} title="Alerts for new escalations">
          Alerts
        </button>
        <button type="button" className="btn btn-ghost" onClick={() => setHelp(true)} aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)">
          ?
        </button>
        <span className="me" data-testid="me">
          <strong>{agent.name}</strong> <span className="muted">{agent.agent_id} · {agent.roles.join(', ')}</span>
        </span>
        <button type="button" className="btn" data-testid="sign-out" onClick={signOut}>
          Sign out
        </button>
      </header>
      {route.name === 'queue' ? <WorkspaceRoute me={agent} sessionId={route.sessionId} rosterEnabled={rosterEnabled} /> : null}
      {route.name === 'team' ? <TeamPage isSupervisor={isSupervisor} rosterEnabled={rosterEnabled} /> : null}
      {route.name === 'review' ? <ReviewQueue canRead={canSeeReview} canDecide={isReviewer} /> : null}
      {route.name === 'unknown' ? (
        <main className="page-pad">
          <p>No such page.</p>
          <a href="/" onClick={(e) => { e.preventDefault(); navigate('/'); }}>
            Back to the queue
          </a>
        </main>
      ) : null}
      {help ? <HelpOverlay onClose={() => setHelp(false)} /> : null}
      {alertSettings ? <AlertSettingsDialog onClose={() => setAlertSettings(false)} /> : null}
      <Toasts toasts={toasts} onDismiss={dismissToast} />
    </div>
  );
}
