// What each live event means for the screen, Chatwoot style: a table from event type to handler;
// a handler only says what to refetch. Events carry ids only, so every handler refetches, and
// bursts are throttled per key. An event older than one already seen for the same session is
// dropped.
import type { LiveEvent, MessageCreatedEvent, SessionChangedEvent } from '@/lib/api-types';
import { createKeyedThrottle } from '@/lib/throttle';

export const REFETCH_THROTTLE_MS = 500;

export type LiveEffects = {
  refetchQueue: () => void;
  refetchSession: (sessionId: string) => void;
  /** My sessions' list: unread counts and previews move with every message. */
  refetchMine?: () => void;
  /** Sessions whose details are on screen or in "Mine": only those are refetched. */
  isWatched: (sessionId: string) => boolean;
};

type Handlers = {
  [K in LiveEvent['type']]: (event: Extract<LiveEvent, { type: K }>) => void;
};

export function createEventHandlers(effects: LiveEffects, throttleMs = REFETCH_THROTTLE_MS) {
  const throttle = createKeyedThrottle(throttleMs, (key) => {
    if (key === 'queue') effects.refetchQueue();
    else if (key === 'mine') effects.refetchMine?.();
    else effects.refetchSession(key.slice('session:'.length));
  });
  const lastSeen = new Map<string, number>();

  /** False when this event is not newer than one already handled for the session. */
  const isFresh = (sessionId: string, at: string): boolean => {
    const t = Date.parse(at);
    if (Number.isNaN(t)) return true;
    const seen = lastSeen.get(sessionId);
    if (seen !== undefined && t < seen) return false;
    lastSeen.set(sessionId, t);
    return true;
  };

  const handlers: Handlers = {
    'session.changed': (event: SessionChangedEvent) => {
      if (!isFresh(event.session_id, event.at)) return;
      throttle.schedule('queue');
      if (effects.isWatched(event.session_id)) throttle.schedule(`session:${event.session_id}`);
    },
    'message.created': (event: MessageCreatedEvent) => {
      if (effects.isWatched(event.session_id)) throttle.schedule(`session:${event.session_id}`);
      if (event.author === 'customer' && effects.isWatched(event.session_id)) throttle.schedule('mine');
    },
    pong: () => {},
  };

  return {
    handlers,
    dispatch(event: LiveEvent): void {
      const handler = handlers[event.type] as ((e: LiveEvent) => void) | undefined;
      handler?.(event);
    },
    /** After a reconnect: everything on screen may be stale. */
    refetchAll(watched: string[]): void {
      throttle.schedule('queue');
      watched.forEach((id) => throttle.schedule(`session:${id}`));
    },
    dispose(): void {
      throttle.cancelAll();
    },
  };
}
