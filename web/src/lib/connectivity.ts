// What the agent should know about the connection: the browser's online flag, whether the last
// API call reached the server, and the live-update socket's state.
import { createStore } from './store';

export type SocketState = 'idle' | 'connecting' | 'open' | 'closed';
export type Connectivity = {
  browserOnline: boolean;
  apiReachable: boolean;
  socket: SocketState;
  /** When the socket will try again (epoch ms), while closed. */
  socketRetryAt: number | null;
};

export const connectivity = createStore<Connectivity>({
  browserOnline: typeof navigator === 'undefined' ? true : navigator.onLine,
  apiReachable: true,
  socket: 'idle',
  socketRetryAt: null,
});

export function markApiReachable(reachable: boolean): void {
  if (connectivity.get().apiReachable !== reachable) connectivity.set((c) => ({ ...c, apiReachable: reachable }));
}

export function setSocketState(socket: SocketState, socketRetryAt: number | null = null): void {
  connectivity.set((c) => ({ ...c, socket, socketRetryAt }));
}

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => connectivity.set((c) => ({ ...c, browserOnline: true })));
  window.addEventListener('offline', () => connectivity.set((c) => ({ ...c, browserOnline: false })));
}
