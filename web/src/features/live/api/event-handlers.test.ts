import type { LiveEvent } from '@/lib/api-types';
import { createEventHandlers } from './event-handlers';

function setup(watched: string[] = ['sess-open']) {
  const effects = { refetchQueue: vi.fn(), refetchSession: vi.fn(), isWatched: (id: string) => watched.includes(id) };
  const events = createEventHandlers(effects, 500);
  return { effects, events };
}

const changed = (session_id: string, at: string, extra: Partial<LiveEvent> = {}): LiveEvent => ({
  type: 'session.changed',
  session_id,
  agent_status: 'assigned',
  assigned_agent_id: 'agent-002',
  priority: 'high',
  at,
  ...extra,
} as LiveEvent);

const created = (session_id: string, at = '2026-07-03T10:00:00Z'): LiveEvent => ({
  type: 'message.created',
  session_id,
  message_id: 'm-1',
  author: 'customer',
  at,
});

describe('live event handlers', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('has a handler for each server event type', () => {
    const { events } = setup();
    expect(Object.keys(events.handlers).sort()).toEqual(['message.created', 'pong', 'session.changed']);
  });

  it('session.changed refetches the queue, and the session when it is on screen', () => {
    const { effects, events } = setup();
    events.dispatch(changed('sess-open', '2026-07-03T10:00:00Z'));
    expect(effects.refetchQueue).toHaveBeenCalledOnce();
    expect(effects.refetchSession).toHaveBeenCalledWith('sess-open');
  });

  it('session.changed of a session not on screen refetches only the queue', () => {
    const { effects, events } = setup();
    events.dispatch(changed('sess-other', '2026-07-03T10:00:00Z'));
    expect(effects.refetchQueue).toHaveBeenCalledOnce();
    expect(effects.refetchSession).not.toHaveBeenCalled();
  });

  it('message.created refetches the open conversation, not the queue', () => {
    const { effects, events } = setup();
    events.dispatch(created('sess-open'));
    expect(effects.refetchSession).toHaveBeenCalledWith('sess-open');
    expect(effects.refetchQueue).not.toHaveBeenCalled();
    events.dispatch(created('sess-elsewhere'));
    expect(effects.refetchSession).toHaveBeenCalledTimes(1);
  });

  it('throttles a burst: one refetch at once, one after the window', () => {
    const { effects, events } = setup();
    for (let i = 0; i < 20; i++) events.dispatch(changed(`sess-${i}`, `2026-07-03T10:00:${String(i).padStart(2, '0')}Z`));
    expect(effects.refetchQueue).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(500);
    expect(effects.refetchQueue).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(5_000);
    expect(effects.refetchQueue).toHaveBeenCalledTimes(2);
  });

  it('throttles each session on its own', () => {
    const { effects, events } = setup(['a', 'b']);
    events.dispatch(created('a'));
    events.dispatch(created('b'));
    events.dispatch(created('a'));
    expect(effects.refetchSession.mock.calls.map((c) => c[0])).toEqual(['a', 'b']);
    vi.advanceTimersByTime(500);
    expect(effects.refetchSession.mock.calls.map((c) => c[0])).toEqual(['a', 'b', 'a']);
  });

  it('drops a session.changed older than one already seen for that session', () => {
    const { effects, events } = setup();
    events.dispatch(changed('sess-open', '2026-07-03T10:00:05Z'));
    vi.advanceTimersByTime(1_000);
    events.dispatch(changed('sess-open', '2026-07-03T10:00:01Z'));
    vi.advanceTimersByTime(1_000);
    expect(effects.refetchQueue).toHaveBeenCalledTimes(1);
  });

  it('ignores pong and unknown event types', () => {
    const { effects, events } = setup();
    events.dispatch({ type: 'pong' });
    events.dispatch({ type: 'something.else' } as unknown as LiveEvent);
    expect(effects.refetchQueue).not.toHaveBeenCalled();
    expect(effects.refetchSession).not.toHaveBeenCalled();
  });

  it('after a reconnect refetches the queue and every watched session', () => {
    const { effects, events } = setup();
    events.refetchAll(['sess-open', 'sess-mine']);
    expect(effects.refetchQueue).toHaveBeenCalledOnce();
    expect(effects.refetchSession.mock.calls.map((c) => c[0])).toEqual(['sess-open', 'sess-mine']);
  });
});
