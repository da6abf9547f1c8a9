import { backoffDelay, BACKOFF_MAX_MS, PING_INTERVAL_MS, SocketConnector, socketUrl } from './socket-connector';

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: string[] = [];
  closed = false;
  onopen: ((ev: Event) => unknown) | null = null;
  onclose: ((ev: CloseEvent) => unknown) | null = null;
  onerror: ((ev: Event) => unknown) | null = null;
  onmessage: ((ev: MessageEvent) => unknown) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
  }
  drop() {
    this.readyState = 3;
    this.onclose?.({} as CloseEvent);
  }
  receive(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) } as MessageEvent);
  }
}

function connector(overrides: Partial<ConstructorParameters<typeof SocketConnector>[0]> = {}) {
  const onEvent = vi.fn();
  const onReconnect = vi.fn();
  const states: string[] = [];
  const c = new SocketConnector({
    url: () => 'ws://localhost:8000/ws?token=t',
    onEvent,
    onReconnect,
    onStateChange: (s) => states.push(s),
    createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
    random: () => 1,
    ...overrides,
  });
  return { c, onEvent, onReconnect, states };
}

describe('socket connector', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('passes parsed events on and ignores garbage', () => {
    const { c, onEvent } = connector();
    c.start();
    const s = FakeSocket.all[0]!;
    s.open();
    s.receive({ type: 'message.created', session_id: 's1', message_id: 'm', author: 'customer', at: 'x' });
    s.receive('not json');
    s.receive({ no: 'type' });
    expect(onEvent).toHaveBeenCalledOnce();
    expect(onEvent.mock.calls[0]![0].type).toBe('message.created');
  });

  it('pings every 5 minutes while open', () => {
    const { c } = connector();
    c.start();
    const s = FakeSocket.all[0]!;
    s.open();
    vi.advanceTimersByTime(PING_INTERVAL_MS - 1);
    expect(s.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.sent).toEqual(['{"action":"ping"}']);
    vi.advanceTimersByTime(PING_INTERVAL_MS);
    expect(s.sent).toHaveLength(2);
  });

  it('reconnects with growing delays and reports the reconnect', () => {
    const { c, onReconnect, states } = connector();
    c.start();
    FakeSocket.all[0]!.open();
    expect(onReconnect).not.toHaveBeenCalled();
    FakeSocket.all[0]!.drop();
    expect(states.at(-1)).toBe('closed');
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.drop(); // failed attempt: next wait 2 s
    vi.advanceTimersByTime(1_999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.open();
    expect(onReconnect).toHaveBeenCalledOnce();
    expect(states.at(-1)).toBe('open');
  });

  it('stops pinging after a drop and stays quiet after stop()', () => {
    const { c } = connector();
    c.start();
    const s = FakeSocket.all[0]!;
    s.open();
    c.stop();
    expect(s.closed).toBe(true);
    vi.advanceTimersByTime(10 * PING_INTERVAL_MS);
    expect(s.sent).toEqual([]);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it('waits for a token before connecting', () => {
    let token: string | null = null;
    const { c } = connector({ url: () => (token ? `ws://h/ws?token=${token}` : null) });
    c.start();
    expect(FakeSocket.all).toHaveLength(0);
    token = 'abc';
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all[0]!.url).toBe('ws://h/ws?token=abc');
  });

  it('caps the backoff at 30 s', () => {
    expect(backoffDelay(0, () => 1)).toBe(1_000);
    expect(backoffDelay(3, () => 1)).toBe(8_000);
    expect(backoffDelay(20, () => 1)).toBe(BACKOFF_MAX_MS);
    expect(backoffDelay(20, () => 0)).toBe(BACKOFF_MAX_MS / 2);
  });

  it('builds ws:// or wss:// addresses on the API host', () => {
    expect(socketUrl('', 'a b', { protocol: 'http:', host: 'localhost:8000' })).toBe('ws://localhost:8000/ws?token=a%20b');
    expect(socketUrl('', 't', { protocol: 'https:', host: 'wb.example' })).toBe('wss://wb.example/ws?token=t');
    expect(socketUrl('https://api.example', 't', { protocol: 'http:', host: 'x' })).toBe('wss://api.example/ws?token=t');
    expect(socketUrl('', 't', { protocol: 'https:', host: 'x' }, 'wss://live.example/prod')).toBe('wss://live.example/prod?token=t');
  });
});
