import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { render } from '@testing-library/react';
import { server } from '@/testing/server';
import { FakeWebSocket } from '@/testing/fake-websocket';
import { agentView, assignedSession, details, handOver, metricsSummary, pendingSession } from '@/testing/fixtures';
import { testQueryClient } from '@/testing/render';
import type { AssignedSession, SessionDetails } from '@/lib/api-types';
import { App } from './App';

const O = 'http://localhost:3000';

type NextAnswer = 'claim' | 'empty' | 'at_capacity';

function backend(
  opts: {
    pending?: ReturnType<typeof pendingSession>[];
    acceptStatus?: number;
    acceptAtCapacity?: boolean;
    next?: NextAnswer;
    roles?: string[];
    /** false: a server without GET /agent/sessions/mine (404). */
    serverMine?: boolean;
    /** What the server knows of my sessions beyond what they say (unread counts, previews). */
    mineExtras?: Record<string, Partial<AssignedSession>>;
    sessions?: Record<string, SessionDetails>;
  } = {},
) {
  let pending = opts.pending ?? [
    pendingSession({ session_id: 'sess-1', user_id: 'u_1', priority: 'highest' }),
    pendingSession({ session_id: 'sess-2', user_id: 'u_2', priority: 'high', member_level: 'gold' }),
  ];
  const calls: string[] = [];
  const sessions: Record<string, SessionDetails> = {
    'sess-1': details({ session_id: 'sess-1', user_id: 'u_1' }),
    'sess-2': details({ session_id: 'sess-2', user_id: 'u_2' }),
    ...opts.sessions,
  };
  server.use(
    http.get(`${O}/config.json`, () => HttpResponse.json({ auth: 'local' })),
    http.get(`${O}/dev/agents`, () =>
      HttpResponse.json({ agents: [{ agent_id: 'agent-001', name: 'Alice Agent', roles: ['agent'] }, { agent_id: 'reviewer-001', name: 'Rita', roles: ['agent', 'reviewer'] }] }),
    ),
    http.post(`${O}/dev/token`, async ({ request }) => {
      const body = (await request.json()) as { sub: string };
      calls.push(`token:${body.sub}`);
      return HttpResponse.json({ access_token: `tok-${body.sub}`, token_type: 'Bearer', expires_in: 3600 });
    }),
    http.get(`${O}/api/v1/agent/me`, ({ request }) =>
      request.headers.get('authorization') === 'Bearer tok-agent-001'
        ? HttpResponse.json({ agent_id: 'agent-001', name: 'Alice Agent', roles: opts.roles ?? ['agent'] })
        : HttpResponse.json({ error: 'unauthorized', message: 'bad token' }, { status: 401 }),
    ),
    http.get(`${O}/api/v1/agent/sessions/mine`, () => {
      calls.push('mine');
      if (opts.serverMine === false) return HttpResponse.json({ error: 'route_not_found', message: 'no route' }, { status: 404 });
      const rows = Object.values(sessions)
        .filter((d) => d.agent_status === 'assigned' && d.assigned_agent_id === 'agent-001')
        .map((d) => assignedSession({ session_id: d.session_id, user_id: d.user_id, member_level: d.member_level, ...opts.mineExtras?.[d.session_id] }));
      return HttpResponse.json({ sessions: rows, next_cursor: null });
    }),
    http.get(`${O}/api/v1/agent/sessions/pending`, () => {
      calls.push('pending');
      return HttpResponse.json(pending);
    }),
    http.get(`${O}/api/v1/agent/sessions/:id`, ({ params }) => {
      calls.push(`details:${params.id}`);
      return HttpResponse.json(sessions[params.id as string]);
    }),
    http.post(`${O}/api/v1/agent/sessions/:id/accept`, ({ params }) => {
      calls.push(`accept:${params.id}`);
      if (opts.acceptAtCapacity) {
        return HttpResponse.json(
          { error: 'at_capacity', message: 'agent-001 is at capacity', agent_id: 'agent-001', active_sessions: 3, max_sessions: 3 },
          { status: 409 },
        );
      }
      if (opts.acceptStatus === 409) {
        pending = pending.filter((p) => p.session_id !== params.id);
        return HttpResponse.json({ error: 'invalid_state', message: 'session is assigned', agent_status: 'assigned' }, { status: 409 });
      }
      const d = { ...sessions[params.id as string]!, agent_status: 'assigned' as const, assigned_agent_id: 'agent-001' };
      sessions[params.id as string] = d;
      pending = pending.filter((p) => p.session_id !== params.id);
      return HttpResponse.json(d);
    }),
    http.post(`${O}/api/v1/agent/sessions/:id/knowledge-recommend`, () => HttpResponse.json({ chunks: [], total: 0 })),
    http.get(`${O}/api/v1/agents/:id`, ({ params }) => {
      const active = Object.values(sessions).filter((d) => d.agent_status === 'assigned' && d.assigned_agent_id === params.id).length;
      return HttpResponse.json(agentView({ agent_id: params.id as string, active_sessions: active }));
    }),
    http.post(`${O}/api/v1/agent/sessions/next`, () => {
      calls.push('next');
      if (opts.next === 'empty') return new HttpResponse(null, { status: 204 });
      if (opts.next === 'at_capacity') {
        return HttpResponse.json(
          { error: 'at_capacity', message: 'agent-001 holds 2 sessions, the most allowed (2)', agent_id: 'agent-001', active_sessions: 2, max_sessions: 2 },
          { status: 409 },
        );
      }
      const first = pending[0]!;
      const d = { ...sessions[first.session_id]!, agent_status: 'assigned' as const, assigned_agent_id: 'agent-001' };
      sessions[first.session_id] = d;
      pending = pending.filter((p) => p.session_id !== first.session_id);
      const { session_id, agent_status, assigned_agent_id, turn_count, escalation_card, history } = d;
      return HttpResponse.json({ session_id, agent_status, assigned_agent_id, turn_count, escalation_card: { ...escalation_card!, notes: [] }, history });
    }),
    http.post(`${O}/api/v1/agent/sessions/:id/release`, async ({ params, request }) => {
      const body = (await request.json()) as { reason?: string };
      calls.push(`release:${params.id}:${body.reason ?? ''}`);
      const d = sessions[params.id as string]!;
      sessions[params.id as string] = { ...d, agent_status: 'pending', assigned_agent_id: null };
      pending = [...pending, pendingSession({ session_id: d.session_id, user_id: d.user_id })];
      return HttpResponse.json(handOver({ session_id: d.session_id }));
    }),
    http.post(`${O}/api/v1/agent/sessions/:id/messages`, async ({ params, request }) => {
      const body = (await request.json()) as { content: string };
      calls.push(`message:${params.id}:${body.content}`);
      return HttpResponse.json({ message_id: 'msg-1', timestamp: new Date().toISOString(), role: 'assistant' });
    }),
    http.get(`${O}/api/v1/agent/sessions/:id/events`, ({ params }) => HttpResponse.json({ session_id: params.id, events: [] })),
    http.get(`${O}/api/v1/metrics/summary`, () => HttpResponse.json(metricsSummary())),
  );
  return { calls, sessions, setPending: (p: typeof pending) => (pending = p) };
}

async function signIn() {
  const user = userEvent.setup();
  render(<App queryClient={testQueryClient()} />);
  await user.click(await screen.findByTestId('sign-in-agent-001'));
  await screen.findByTestId('me');
  return user;
}

describe('the workbench app', () => {
  beforeEach(() => {
    FakeWebSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeWebSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('signs in with a demo agent, keeps the token in sessionStorage, and shows the queue', async () => {
    const { calls } = backend();
    await signIn();
    expect(calls).toContain('token:agent-001');
    expect(JSON.parse(sessionStorage.getItem('workbench.tokens')!).accessToken).toBe('tok-agent-001');
    const rows = await screen.findAllByTestId('queue-item');
    expect(rows.map((r) => r.getAttribute('data-session-id'))).toEqual(['sess-1', 'sess-2']);
    expect(within(rows[1]!).getByText('Gold')).toBeInTheDocument();
    await waitFor(() => expect(FakeWebSocket.instances[0]?.url).toBe('ws://localhost:3000/ws?token=tok-agent-001'));
  });

  it('signing out clears the token and returns to the sign-in page', async () => {
    backend();
    const user = await signIn();
    await user.click(screen.getByTestId('sign-out'));
    expect(await screen.findByTestId('sign-in-agent-001')).toBeInTheDocument();
    expect(sessionStorage.getItem('workbench.tokens')).toBeNull();
  });

  it('a 401 sends the agent back to sign-in', async () => {
    backend();
    sessionStorage.setItem('workbench.tokens', JSON.stringify({ accessToken: 'stale', expiresAt: Date.now() + 1000 }));
    const { reloadTokens } = await import('@/lib/auth/token-store');
    reloadTokens();
    render(<App queryClient={testQueryClient()} />);
    expect(await screen.findByText(/sign-in has expired/)).toBeInTheDocument();
    expect(await screen.findByTestId('sign-in-agent-001')).toBeInTheDocument();
    expect(window.location.pathname).toBe('/sign-in');
  });

  it('accepting opens the conversation and lists it under Mine', async () => {
    const { calls } = backend();
    const user = await signIn();
    const row = (await screen.findAllByTestId('queue-item'))[0]!;
    await user.click(within(row).getByTestId('accept'));
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-1'));
    expect(calls).toContain('accept:sess-1');
    expect(await screen.findByTestId('mine-item')).toHaveAttribute('data-session-id', 'sess-1');
    expect(JSON.parse(localStorage.getItem('workbench.mine.agent-001')!)).toEqual(['sess-1']);
    await waitFor(() => expect(screen.getByTestId('composer')).toBeEnabled());
  });

  it('a lost accept race shows the message and refreshes the queue', async () => {
    const { calls } = backend({ acceptStatus: 409 });
    const user = await signIn();
    const row = (await screen.findAllByTestId('queue-item'))[0]!;
    const before = calls.filter((c) => c === 'pending').length;
    await user.click(within(row).getByTestId('accept'));
    expect(await screen.findByTestId('accept-error')).toHaveTextContent(/^This session has been accepted by another agent$/);
    await waitFor(() => expect(calls.filter((c) => c === 'pending').length).toBeGreaterThan(before));
    await waitFor(() => expect(screen.getAllByTestId('queue-item')).toHaveLength(1));
    expect(localStorage.getItem('workbench.mine.agent-001')).toBeNull();
  });

  it('j/k move through the queue and a accepts the selected row; ? shows the help', async () => {
    const { calls } = backend();
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await user.keyboard('j');
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-1'));
    await user.keyboard('j');
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-2'));
    await user.keyboard('k');
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-1'));
    await screen.findByTestId('conversation-accept');
    await user.keyboard('a');
    await waitFor(() => expect(calls).toContain('accept:sess-1'));
    // Accepting puts the focus on the conversation, not in the composer: the next key is a shortcut.
    await waitFor(() => expect(screen.getByTestId('conversation-title')).toHaveFocus());
    await user.keyboard('?');
    expect(await screen.findByTestId('help-overlay')).toHaveTextContent('Accept the selected session');
    await user.keyboard('{Escape}');
    await waitFor(() => expect(screen.queryByTestId('help-overlay')).toBeNull());
  });

  // Every documented shortcut, each followed by Esc (which closes what it opened or leaves the
  // field it focused), after a mouse Accept and after Next: none becomes text for the customer.
  const EVERY_SHORTCUT = ['c', '{Enter}', 'r', '/', 'b', '?', 'a'];
  async function typeEveryShortcut(user: ReturnType<typeof userEvent.setup>) {
    for (const key of EVERY_SHORTCUT) {
      await user.keyboard(key);
      await user.keyboard('{Escape}');
    }
  }

  it('after a mouse Accept, the shortcuts stay shortcuts and nothing reaches the customer', async () => {
    const { calls } = backend();
    const user = await signIn();
    const row = (await screen.findAllByTestId('queue-item'))[0]!;
    await user.click(within(row).getByTestId('accept'));
    await waitFor(() => expect(screen.getByTestId('composer')).toBeEnabled());
    await waitFor(() => expect(screen.getByTestId('conversation-title')).toHaveFocus());
    await user.keyboard('b');
    expect(screen.getByTestId('business-query')).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(document.activeElement).toBe(document.body);
    await typeEveryShortcut(user);
    expect(screen.getByTestId('composer')).toHaveValue('');
    expect(calls.filter((c) => c.startsWith('message:'))).toEqual([]);
    // c goes to the composer and what follows is the reply, exactly.
    await user.keyboard('c');
    expect(screen.getByTestId('composer')).toHaveFocus();
    await user.keyboard('Hello, I am Ada{Enter}');
    await waitFor(() => expect(calls).toContain('message:sess-1:Hello, I am Ada'));
  });

  it('after Next, the shortcuts stay shortcuts and nothing reaches the customer', async () => {
    const { calls } = backend({ next: 'claim' });
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await user.keyboard('n');
    await waitFor(() => expect(screen.getByTestId('composer')).toBeEnabled());
    await waitFor(() => expect(screen.getByTestId('conversation-title')).toHaveFocus());
    await typeEveryShortcut(user);
    expect(screen.getByTestId('composer')).toHaveValue('');
    expect(calls.filter((c) => c.startsWith('message:'))).toEqual([]);
  });

  it('a live event refetches the queue without a reload', async () => {
    const { setPending } = backend();
    await signIn();
    await screen.findAllByTestId('queue-item');
    await waitFor(() => expect(FakeWebSocket.instances[0]?.readyState).toBe(1));
    setPending([pendingSession({ session_id: 'sess-9', user_id: 'u_9' })]);
    act(() => {
      FakeWebSocket.instances[0]!.emit({ type: 'session.changed', session_id: 'sess-9', agent_status: 'pending', assigned_agent_id: null, priority: 'high', at: new Date().toISOString() });
    });
    await waitFor(() => expect(screen.getAllByTestId('queue-item').map((r) => r.getAttribute('data-session-id'))).toEqual(['sess-9']));
  });

  it('shows the offline state when the browser goes offline', async () => {
    backend();
    await signIn();
    act(() => {
      window.dispatchEvent(new Event('offline'));
    });
    expect(await screen.findByTestId('connection-status')).toHaveTextContent('Offline');
    act(() => {
      window.dispatchEvent(new Event('online'));
    });
    await waitFor(() => expect(screen.getByTestId('connection-status')).not.toHaveTextContent('Offline'));
  });
});

describe('running a team', () => {
  beforeEach(() => {
    FakeWebSocket.instances = [];
    vi.stubGlobal('WebSocket', FakeWebSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it('"Next in queue" claims the session the server picks and opens it', async () => {
    const { calls } = backend({ next: 'claim' });
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await user.click(screen.getByTestId('next-in-queue'));
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-1'));
    expect(calls).toContain('next');
    expect(await screen.findByTestId('mine-item')).toHaveAttribute('data-session-id', 'sess-1');
    await waitFor(() => expect(screen.getByTestId('composer')).toBeEnabled());
    await waitFor(() => expect(screen.getByTestId('my-capacity')).toHaveTextContent('1 active · no limit'));
  });

  it('an empty queue (204) says so, and n is the shortcut', async () => {
    const { calls } = backend({ next: 'empty' });
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await user.keyboard('n');
    expect(await screen.findByTestId('next-notice')).toHaveTextContent('The queue is empty');
    expect(calls).toContain('next');
    expect(window.location.pathname).toBe('/');
  });

  it('at capacity (409 at_capacity) says how full the agent is', async () => {
    backend({ next: 'at_capacity' });
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await user.click(screen.getByTestId('next-in-queue'));
    const notice = await screen.findByTestId('next-notice');
    expect(notice).toHaveTextContent('You are at capacity (2 of 2 sessions)');
    expect(notice).toHaveAttribute('role', 'alert');
  });

  it('releasing with a reason takes the session out of Mine and back into the queue', async () => {
    const { calls } = backend();
    const user = await signIn();
    const row = (await screen.findAllByTestId('queue-item'))[0]!;
    await user.click(within(row).getByTestId('accept'));
    expect(await screen.findByTestId('mine-item')).toBeInTheDocument();
    await user.click(await screen.findByTestId('release'));
    await user.type(screen.getByTestId('release-reason'), 'Needs billing');
    await user.click(screen.getByTestId('release-submit'));
    expect(await screen.findByTestId('handover-notice')).toHaveTextContent('back in the queue');
    expect(calls).toContain('release:sess-1:Needs billing');
    await waitFor(() => expect(screen.queryByTestId('mine-item')).toBeNull());
    await waitFor(() => expect(screen.getByTestId('conversation')).toHaveAttribute('data-status', 'pending'));
    await waitFor(() => expect(screen.getAllByTestId('queue-item').map((r) => r.getAttribute('data-session-id'))).toContain('sess-1'));
    expect(screen.queryByTestId('release')).toBeNull();
  });

  it('supervisors get the Team view with the figures; agents do not', async () => {
    backend({ roles: ['agent', 'supervisor'] });
    const user = await signIn();
    await user.click(await screen.findByTestId('nav-team'));
    await waitFor(() => expect(window.location.pathname).toBe('/team'));
    expect(await screen.findByTestId('metric-pending')).toHaveTextContent('2');
    expect(screen.getByTestId('metric-longest-wait')).toHaveTextContent('12:00');
    // The roster (/dev/agents) lists the agents whose capacity can be set.
    expect(await screen.findAllByTestId('capacity-row')).toHaveLength(2);
  });

  it('an accept over capacity says so, not that someone else took the session', async () => {
    backend({ acceptAtCapacity: true });
    const user = await signIn();
    const row = (await screen.findAllByTestId('queue-item'))[0]!;
    await user.click(within(row).getByTestId('accept'));
    expect(await screen.findByTestId('accept-error')).toHaveTextContent('You are at capacity (3 of 3 sessions)');
    expect(screen.getAllByTestId('queue-item')).toHaveLength(2);
  });

  it('a session transferred to me joins Mine as the live event arrives', async () => {
    const { sessions } = backend();
    await signIn();
    await screen.findAllByTestId('queue-item');
    await waitFor(() => expect(FakeWebSocket.instances[0]?.readyState).toBe(1));
    sessions['sess-2'] = { ...sessions['sess-2']!, agent_status: 'assigned', assigned_agent_id: 'agent-001' };
    act(() => {
      FakeWebSocket.instances[0]!.emit({ type: 'session.changed', session_id: 'sess-2', agent_status: 'assigned', assigned_agent_id: 'agent-001', priority: 'high', at: new Date().toISOString() });
    });
    expect(await screen.findByTestId('mine-item')).toHaveAttribute('data-session-id', 'sess-2');
    await waitFor(() => expect(screen.getByTestId('mine-item')).toHaveTextContent('assigned'));
  });

  it('after a fresh sign-in, Mine is the server list: latest words, unread count and the wait', async () => {
    const assigned = details({ session_id: 'sess-7', user_id: 'u_7', member_level: 'platinum', agent_status: 'assigned', assigned_agent_id: 'agent-001' });
    const { calls } = backend({
      sessions: { 'sess-7': assigned },
      mineExtras: { 'sess-7': { unread_count: 2, last_message_preview: 'Any news on my parcel?', last_message_author: 'customer', waiting_since: new Date(Date.now() - 4 * 60_000).toISOString() } },
    });
    await signIn();
    const row = await screen.findByTestId('mine-item');
    expect(localStorage.getItem('workbench.mine.agent-001')).toBeNull();
    expect(calls).toContain('mine');
    expect(row).toHaveAttribute('data-session-id', 'sess-7');
    expect(within(row).getByTestId('mine-unread')).toHaveTextContent('2');
    expect(within(row).getByTestId('mine-preview')).toHaveTextContent('Customer: Any news on my parcel?');
    expect(within(row).getByText('Platinum')).toBeInTheDocument();
    expect(within(row).getByTestId('waiting-clock')).toHaveTextContent(/^4:0\d$/);
    expect(screen.getByRole('heading', { name: /Mine/ })).toHaveTextContent('Mine 1');
  });

  it('a server without the list keeps the browser\'s own', async () => {
    const { sessions } = backend({ serverMine: false });
    // Held by me (a remembered id whose details say otherwise is dropped as taken over).
    sessions['sess-2'] = { ...sessions['sess-2']!, agent_status: 'assigned', assigned_agent_id: 'agent-001' };
    localStorage.setItem('workbench.mine.agent-001', JSON.stringify(['sess-2']));
    await signIn();
    const row = await screen.findByTestId('mine-item');
    expect(row).toHaveAttribute('data-session-id', 'sess-2');
  });

  it('a session transferred in while signed in says so in a toast, and Open goes to it', async () => {
    const { sessions } = backend();
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await waitFor(() => expect(FakeWebSocket.instances[0]?.readyState).toBe(1));
    sessions['sess-2'] = { ...sessions['sess-2']!, agent_status: 'assigned', assigned_agent_id: 'agent-001' };
    act(() => {
      FakeWebSocket.instances[0]!.emit({ type: 'session.changed', session_id: 'sess-2', agent_status: 'assigned', assigned_agent_id: 'agent-001', priority: 'high', at: new Date().toISOString() });
    });
    const toast = await screen.findByTestId('toast');
    expect(toast).toHaveTextContent('A session was transferred to you: sess-2');
    await user.click(within(toast).getByTestId('toast-action'));
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-2'));
    expect(await screen.findByTestId('mine-item')).toHaveAttribute('data-session-id', 'sess-2');
  });

  it('my own accept is not announced as a transfer', async () => {
    backend();
    const user = await signIn();
    const row = (await screen.findAllByTestId('queue-item'))[0]!;
    await user.click(within(row).getByTestId('accept'));
    await waitFor(() => expect(screen.getByTestId('composer')).toBeEnabled());
    act(() => {
      FakeWebSocket.instances[0]!.emit({ type: 'session.changed', session_id: 'sess-1', agent_status: 'assigned', assigned_agent_id: 'agent-001', priority: 'highest', at: new Date().toISOString() });
    });
    await new Promise((r) => setTimeout(r, 1800));
    expect(screen.queryByTestId('toast')).toBeNull();
  });

  it('the tab title counts the queue, and a new escalation alerts as set (both alerts off by default)', async () => {
    const notified: { title: string; options?: NotificationOptions }[] = [];
    class FakeNotification {
      static permission: NotificationPermission = 'default';
      static requestPermission = vi.fn(async () => {
        FakeNotification.permission = 'granted';
        return 'granted' as NotificationPermission;
      });
      onclick: (() => void) | null = null;
      constructor(title: string, options?: NotificationOptions) {
        notified.push({ title, options });
      }
      close() {}
    }
    const tones: number[] = [];
    class FakeAudioContext {
      currentTime = 0;
      destination = {};
      createGain() {
        return { gain: { value: 0 }, connect: () => {} };
      }
      createOscillator() {
        const osc = { frequency: { value: 0 }, connect: () => {}, start: () => tones.push(osc.frequency.value), stop: () => {} };
        return osc;
      }
      close() {
        return Promise.resolve();
      }
    }
    vi.stubGlobal('Notification', FakeNotification);
    vi.stubGlobal('AudioContext', FakeAudioContext);
    const { setPending } = backend();
    const user = await signIn();
    await screen.findAllByTestId('queue-item');
    await waitFor(() => expect(document.title).toBe('(2) Agent workbench'));
    await waitFor(() => expect(FakeWebSocket.instances[0]?.readyState).toBe(1));
    const arrive = (id: string) => {
      setPending([pendingSession({ session_id: id, user_id: `u_${id}`, priority: 'highest', member_level: 'platinum', escalate_reason: 'Angry customer' })]);
      act(() => {
        FakeWebSocket.instances[0]!.emit({ type: 'session.changed', session_id: id, agent_status: 'pending', assigned_agent_id: null, priority: 'highest', at: new Date().toISOString() });
      });
    };
    // Off by default: a new escalation changes the title only.
    arrive('sess-8');
    await waitFor(() => expect(document.title).toBe('(1) Agent workbench'));
    expect(notified).toEqual([]);
    expect(tones).toEqual([]);
    // Turned on: the browser is asked once, and the next arrival notifies and chimes.
    await user.click(screen.getByTestId('alert-settings'));
    await user.click(screen.getByTestId('alert-notifications'));
    await waitFor(() => expect(screen.getByTestId('alert-notifications')).toBeChecked());
    expect(FakeNotification.requestPermission).toHaveBeenCalledTimes(1);
    await user.click(screen.getByTestId('alert-sound'));
    await user.keyboard('{Escape}');
    expect(JSON.parse(localStorage.getItem('workbench.alerts')!)).toEqual({ notifications: true, sound: true });
    arrive('sess-9');
    await waitFor(() => expect(notified).toHaveLength(1));
    expect(notified[0]!.title).toBe('New escalation: highest · platinum · u_sess-9');
    expect(notified[0]!.options?.body).toBe('Angry customer');
    expect(tones).toEqual([880, 1175]);
  });

  it('an agent without the supervisor role has no Team link', async () => {
    backend();
    await signIn();
    await screen.findAllByTestId('queue-item');
    expect(screen.queryByTestId('nav-team')).toBeNull();
  });
});

describe('deep links', () => {
  beforeEach(() => vi.stubGlobal('WebSocket', FakeWebSocket));
  afterEach(() => vi.unstubAllGlobals());

  it('after sign-in returns to the session the link named', async () => {
    backend();
    window.history.replaceState(null, '', '/sessions/sess-2');
    const user = userEvent.setup();
    render(<App queryClient={testQueryClient()} />);
    await user.click(await screen.findByTestId('sign-in-agent-001'));
    await waitFor(() => expect(window.location.pathname).toBe('/sessions/sess-2'));
    expect(await screen.findByTestId('conversation')).toHaveAttribute('data-session-id', 'sess-2');
  });
});
