// The live-update connection, separate from what the events mean (see event-handlers.ts):
// connect, ping every 5 minutes, reconnect with exponential backoff, tell the caller when a
// reconnect happened so it can refetch what it may have missed.
import type { LiveEvent } from '@/lib/api-types';

export const PING_INTERVAL_MS = 5 * 60_000;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;

export type ConnectorState = 'connecting' | 'open' | 'closed';

type WebSocketLike = Pick<WebSocket, 'send' | 'close' | 'readyState'> & {
  onopen: ((ev: Event) => unknown) | null;
  onclose: ((ev: CloseEvent) => unknown) | null;
  onerror: ((ev: Event) => unknown) | null;
  onmessage: ((ev: MessageEvent) => unknown) | null;
};

export type SocketConnectorOptions = {
  /** The address to connect to, asked anew on every attempt (the token may have been renewed). */
  url: () => string | null;
  onEvent: (event: LiveEvent) => void;
  onStateChange?: (state: ConnectorState, retryAt: number | null) => void;
  /** After a connection that follows an earlier one: refetch what may have been missed. */
  onReconnect?: () => void;
  createSocket?: (url: string) => WebSocketLike;
  random?: () => number;
};

/** Full jitter on an exponential step: attempt 0 waits up to 1 s, then 2, 4, … capped at 30 s. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export class SocketConnector {
  private socket: WebSocketLike | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private attempt = 0;
  private everOpened = false;
  private stopped = true;

  constructor(private readonly options: SocketConnectorOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = null;
      socket.onopen = null;
      socket.close(1000, 'signed out');
    }
  }

  /** Try again now (the browser came back online). */
  reconnectNow(): void {
    if (this.stopped || this.socket) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pingTimer = null;
    this.retryTimer = null;
  }

  private connect(): void {
    const url = this.options.url();
    if (!url) {
      this.scheduleRetry();
      return;
    }
    this.options.onStateChange?.('connecting', null);
    const create = this.options.createSocket ?? ((u: string) => new WebSocket(u) as WebSocketLike);
    let socket: WebSocketLike;
    try {
      socket = create(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const reconnected = this.everOpened;
      this.everOpened = true;
      this.attempt = 0;
      this.options.onStateChange?.('open', null);
      this.pingTimer = setInterval(() => this.send({ action: 'ping' }), PING_INTERVAL_MS);
      if (reconnected) this.options.onReconnect?.();
    };
    socket.onmessage = (message: MessageEvent) => {
      let event: unknown;
      try {
        event = JSON.parse(String(message.data));
      } catch {
        return;
      }
      if (event && typeof event === 'object' && typeof (event as { type?: unknown }).type === 'string') {
        this.options.onEvent(event as LiveEvent);
      }
    };
    socket.onerror = () => {
      // A close follows; the retry is scheduled there.
    };
    socket.onclose = () => {
      if (this.pingTimer) clearInterval(this.pingTimer);
      this.pingTimer = null;
      this.socket = null;
      if (!this.stopped) this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    const delay = backoffDelay(this.attempt, this.options.random);
    this.attempt += 1;
    this.options.onStateChange?.('closed', Date.now() + delay);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.stopped) this.connect();
    }, delay);
  }

  private send(message: unknown): void {
    if (this.socket && this.socket.readyState === 1) this.socket.send(JSON.stringify(message));
  }
}

/**
 * ws(s)://<host>/ws?token=… for an API on `apiBase` (empty: this page's origin), or `wsUrl` with
 * the token when the configuration names the socket's address.
 */
export function socketUrl(apiBase: string, token: string, location: Pick<Location, 'protocol' | 'host'>, wsUrl?: string): string {
  if (wsUrl) return `${wsUrl}${wsUrl.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
  const origin = apiBase ? new URL(apiBase) : null;
  const secure = (origin?.protocol ?? location.protocol) === 'https:';
  const host = origin?.host ?? location.host;
  return `${secure ? 'wss' : 'ws'}://${host}/ws?token=${encodeURIComponent(token)}`;
}
