import { useSyncExternalStore } from 'react';
import { connectivity } from '@/lib/connectivity';
import { useNow } from '@/lib/ticker';

/** Online, offline, or live updates reconnecting: always visible in the top bar. */
export function ConnectionStatus() {
  const c = useSyncExternalStore(connectivity.subscribe, connectivity.get);
  const now = useNow();
  let tone = 'ok';
  let text = 'Live';
  if (!c.browserOnline) {
    tone = 'bad';
    text = 'Offline: no network';
  } else if (!c.apiReachable) {
    tone = 'bad';
    text = 'Server unreachable';
  } else if (c.socket === 'connecting' || c.socket === 'idle') {
    tone = 'warn';
    text = 'Connecting live updates…';
  } else if (c.socket === 'closed') {
    tone = 'warn';
    const s = c.socketRetryAt ? Math.max(0, Math.ceil((c.socketRetryAt - now) / 1000)) : 0;
    text = s > 0 ? `Live updates lost, retrying in ${s}s` : 'Live updates lost, retrying';
  }
  return (
    <span className={`conn conn-${tone}`} role="status" aria-live="polite" data-testid="connection-status" data-state={c.socket}>
      <span className="conn-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
