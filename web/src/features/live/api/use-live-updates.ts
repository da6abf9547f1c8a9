// Wires the connector and the handler table to the query cache.
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { accessToken } from '@/lib/auth/token-store';
import { setSocketState } from '@/lib/connectivity';
import { queryKeys } from '@/lib/query-keys';
import type { SessionChangedEvent } from '@/lib/api-types';
import { createEventHandlers } from './event-handlers';
import { SocketConnector, socketUrl } from './socket-connector';

export function useLiveUpdates(
  apiBase: string,
  watched: string[],
  wsUrl?: string,
  onSessionChanged?: (event: SessionChangedEvent) => void,
): void {
  const queryClient = useQueryClient();
  const watchedRef = useRef(watched);
  watchedRef.current = watched;
  const changedRef = useRef(onSessionChanged);
  changedRef.current = onSessionChanged;

  useEffect(() => {
    const events = createEventHandlers({
      refetchQueue: () => {
        void queryClient.invalidateQueries({ queryKey: queryKeys.pending });
        void queryClient.invalidateQueries({ queryKey: queryKeys.serverMine });
        // The team figures and the agents' loads move with the queue (only what is on screen refetches).
        void queryClient.invalidateQueries({ queryKey: queryKeys.metrics });
        void queryClient.invalidateQueries({ queryKey: ['agent'] });
      },
      refetchSession: (id) => void queryClient.invalidateQueries({ queryKey: queryKeys.session(id) }),
      refetchMine: () => void queryClient.invalidateQueries({ queryKey: queryKeys.serverMine }),
      isWatched: (id) => watchedRef.current.includes(id),
    });
    const connector = new SocketConnector({
      url: () => {
        const token = accessToken();
        return token ? socketUrl(apiBase, token, window.location, wsUrl) : null;
      },
      onEvent: (event) => {
        events.dispatch(event);
        if (event.type === 'session.changed') changedRef.current?.(event);
      },
      onStateChange: (state, retryAt) => setSocketState(state, retryAt),
      onReconnect: () => events.refetchAll(watchedRef.current),
    });
    const online = () => connector.reconnectNow();
    window.addEventListener('online', online);
    connector.start();
    return () => {
      window.removeEventListener('online', online);
      connector.stop();
      events.dispose();
      setSocketState('idle');
    };
  }, [apiBase, wsUrl, queryClient]);
}
