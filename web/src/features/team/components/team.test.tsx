import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { agentView, assignedSession, handOver, metricsSummary } from '@/testing/fixtures';
import { renderWithClient } from '@/testing/render';
import { getAgent, parseLimit, setAgentCapacity } from '../api/agents';
import { getMetricsSummary } from '../api/get-metrics';
import { getRoster } from '../api/roster';
import { CapacityPanel } from './CapacityPanel';
import { MetricsPanel, percent, seconds } from './MetricsPanel';
import { TeamPage } from './TeamPage';

const O = 'http://localhost:3000';

describe('team API calls', () => {
  it('reads the metrics summary, an agent, and sets or clears a capacity with PUT', async () => {
    const puts: unknown[] = [];
    server.use(
      http.get(`${O}/api/v1/metrics/summary`, () => HttpResponse.json(metricsSummary())),
      http.get(`${O}/api/v1/agents/agent-007`, () => HttpResponse.json(agentView({ agent_id: 'agent-007' }))),
      http.put(`${O}/api/v1/agents/agent-007/capacity`, async ({ request }) => {
        const body = (await request.json()) as { max_sessions: number | null };
        puts.push(body);
        return HttpResponse.json(
          body.max_sessions === null
            ? agentView({ agent_id: 'agent-007' })
            : agentView({ agent_id: 'agent-007', max_sessions: body.max_sessions, max_sessions_source: 'agent' }),
        );
      }),
    );
    expect((await getMetricsSummary()).pending_by_priority).toEqual({ highest: 1, high: 0, medium: 0, low: 1, info: 0 });
    expect(await getAgent('agent-007')).toEqual({ agent_id: 'agent-007', max_sessions: null, max_sessions_source: 'none', active_sessions: 0 });
    expect(await setAgentCapacity('agent-007', 3)).toEqual({ agent_id: 'agent-007', max_sessions: 3, max_sessions_source: 'agent', active_sessions: 0 });
    await setAgentCapacity('agent-007', null);
    expect(puts).toEqual([{ max_sessions: 3 }, { max_sessions: null }]);
  });

  it('the roster is the demo agents locally and empty where there is none', async () => {
    server.use(http.get(`${O}/dev/agents`, () => HttpResponse.json({ agents: [{ agent_id: 'agent-001', name: 'Ada', roles: ['agent'] }] })));
    expect(await getRoster()).toEqual([{ agent_id: 'agent-001', name: 'Ada', roles: ['agent'] }]);
    server.use(http.get(`${O}/dev/agents`, () => HttpResponse.json({ error: 'route_not_found', message: 'no' }, { status: 404 })));
    expect(await getRoster()).toEqual([]);
    server.use(http.get(`${O}/dev/agents`, () => new HttpResponse('<!doctype html>', { headers: { 'Content-Type': 'text/html' } })));
    expect(await getRoster()).toEqual([]);
  });

  it('reads a limit as typed: blank clears, whole numbers 0..1000 only', () => {
    expect(parseLimit('')).toBeNull();
    expect(parseLimit(' 5 ')).toBe(5);
    expect(parseLimit('0')).toBe(0);
    expect(parseLimit('1001')).toBeUndefined();
    expect(parseLimit('2.5')).toBeUndefined();
    expect(parseLimit('-1')).toBeUndefined();
  });
});

describe('the metrics panel', () => {
  it('shows the figures, with a dash for what cannot be measured yet', async () => {
    server.use(
      http.get(`${O}/api/v1/metrics/summary`, () =>
        HttpResponse.json(metricsSummary({ median_handle_seconds_24h: null, deflection_rate_24h: 0.625, assigned: 3, agents_active: 2 })),
      ),
    );
    renderWithClient(<MetricsPanel />);
    expect(await screen.findByTestId('metric-pending')).toHaveTextContent('Waiting now2');
    expect(within(screen.getByTestId('pending-by-priority')).getByText(/highest 1/i)).toBeInTheDocument();
    expect(screen.getByTestId('metric-longest-wait')).toHaveTextContent('12:00');
    expect(screen.getByTestId('metric-assigned')).toHaveTextContent('3');
    expect(screen.getByTestId('metric-agents-active')).toHaveTextContent('2');
    expect(screen.getByTestId('metric-resolved')).toHaveTextContent('1');
    expect(screen.getByTestId('metric-median-wait')).toHaveTextContent('3:30');
    expect(screen.getByTestId('metric-median-handle')).toHaveTextContent('—');
    expect(screen.getByTestId('metric-deflection')).toHaveTextContent('62.5%');
    expect(screen.getByTestId('metric-faq-hit-rate')).toHaveTextContent('—');
  });

  it('shows a refused or failed load, and refreshes on request', async () => {
    let calls = 0;
    server.use(
      http.get(`${O}/api/v1/metrics/summary`, () => {
        calls += 1;
        return calls === 1
          ? HttpResponse.json({ error: 'store_unavailable', message: 'The store is unavailable' }, { status: 503 })
          : HttpResponse.json(metricsSummary({ pending: 9 }));
      }),
    );
    const user = userEvent.setup();
    renderWithClient(<MetricsPanel />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the figures');
    await user.click(screen.getByTestId('metrics-refresh'));
    expect(await screen.findByTestId('metric-pending')).toHaveTextContent('9');
  });

  it('charts the day: queue, longest wait, bot answers against escalations, handle time, each with a summary and a table', async () => {
    server.use(http.get(`${O}/api/v1/metrics/summary`, () => HttpResponse.json(metricsSummary())));
    renderWithClient(<MetricsPanel />);
    const charts = await screen.findByTestId('day-charts');
    const queue = within(charts).getByTestId('chart-queue');
    expect(within(queue).getByRole('img')).toHaveAccessibleName(/Now 2; the most was 2 at \d\d:00\./);
    // 24 hours in the table, oldest first: the current hour last.
    const queueRows = within(queue).getAllByRole('row').slice(1);
    expect(queueRows).toHaveLength(24);
    expect(queueRows[23]).toHaveTextContent(/\d\d:002$/);
    expect(queue.querySelectorAll('rect')).toHaveLength(24);
    const wait = within(charts).getByTestId('chart-wait');
    expect(within(wait).getByRole('img')).toHaveAccessibleName(/up to 5m, at \d\d:00/);
    const bot = within(charts).getByTestId('chart-bot');
    expect(within(bot).getByRole('img')).toHaveAccessibleName('In the last 24 hours the bot answered 5 turns and handed 3 conversations to people.');
    expect(bot.querySelectorAll('rect')).toHaveLength(48);
    const handle = within(charts).getByTestId('chart-handle');
    expect(within(handle).getByRole('img')).toHaveAccessibleName('1 session resolved; most took 10m – 20m from accept to resolve.');
    expect(within(handle).getAllByRole('row')).toHaveLength(15);
    expect(within(handle).getAllByRole('row')[1]).toHaveTextContent('under 10s0');
    expect(within(handle).getAllByRole('row')[14]).toHaveTextContent('over 1d0');
  });

  it('a server without the hourly figures shows no charts', async () => {
    server.use(http.get(`${O}/api/v1/metrics/summary`, () => HttpResponse.json(metricsSummary({ hours: undefined, handle_time_bins: undefined }))));
    renderWithClient(<MetricsPanel />);
    await screen.findByTestId('metric-pending');
    expect(screen.queryByTestId('day-charts')).toBeNull();
  });

  it('formats durations and rates', () => {
    expect(seconds(null)).toBe('—');
    expect(seconds(3725)).toBe('1:02:05');
    expect(percent(0)).toBe('0%');
    expect(percent(0.3333)).toBe('33.3%');
  });
});

describe('capacity', () => {
  it('lists the agents with load and limit, saves an own limit, and clears it', async () => {
    const views: Record<string, ReturnType<typeof agentView>> = {
      'agent-001': agentView({ agent_id: 'agent-001', active_sessions: 2 }),
      'agent-002': agentView({ agent_id: 'agent-002', max_sessions: 5, max_sessions_source: 'team' }),
    };
    const puts: unknown[] = [];
    server.use(
      http.get(`${O}/api/v1/agents/:id`, ({ params }) => HttpResponse.json(views[params.id as string])),
      http.put(`${O}/api/v1/agents/:id/capacity`, async ({ params, request }) => {
        const body = (await request.json()) as { max_sessions: number | null };
        puts.push({ id: params.id, ...body });
        const id = params.id as string;
        views[id] = body.max_sessions === null ? { ...views[id]!, max_sessions: null, max_sessions_source: 'none' } : { ...views[id]!, max_sessions: body.max_sessions, max_sessions_source: 'agent' };
        return HttpResponse.json(views[id]);
      }),
    );
    const user = userEvent.setup();
    renderWithClient(
      <CapacityPanel
        roster={[
          { agent_id: 'agent-001', name: 'Ada Chen', roles: ['agent'] },
          { agent_id: 'agent-002', name: 'Ben Okafor', roles: ['agent'] },
        ]}
        rosterLoading={false}
        rosterError={null}
      />,
    );
    const rows = await screen.findAllByTestId('capacity-row');
    await waitFor(() => expect(within(rows[0]!).getByTestId('capacity-active')).toHaveTextContent('2'));
    expect(within(rows[0]!).getByTestId('capacity-limit')).toHaveTextContent(/^no limit$/);
    await waitFor(() => expect(within(rows[1]!).getByTestId('capacity-limit')).toHaveTextContent('5 (team default)'));

    const input = within(rows[0]!).getByTestId('capacity-input');
    await user.type(input, 'x');
    expect(within(rows[0]!).getByTestId('capacity-save')).toBeDisabled();
    expect(rows[0]).toHaveTextContent('A whole number from 0 to 1000');
    await user.clear(input);
    await user.type(input, '4{Enter}');
    await waitFor(() => expect(within(rows[0]!).getByTestId('capacity-limit')).toHaveTextContent('4 (own limit)'));
    expect(input).toHaveValue('4');
    await user.clear(input);
    await user.click(within(rows[0]!).getByTestId('capacity-save'));
    await waitFor(() => expect(within(rows[0]!).getByTestId('capacity-limit')).toHaveTextContent(/^no limit$/));
    expect(puts).toEqual([
      { id: 'agent-001', max_sessions: 4 },
      { id: 'agent-001', max_sessions: null },
    ]);
  });

  it('looks up an agent by id where there is no roster, and shows a refusal', async () => {
    server.use(
      http.get(`${O}/api/v1/agents/agent-042`, () => HttpResponse.json(agentView({ agent_id: 'agent-042', active_sessions: 1 }))),
      http.put(`${O}/api/v1/agents/agent-042/capacity`, () => HttpResponse.json({ error: 'forbidden', message: 'Only a supervisor may set a capacity' }, { status: 403 })),
    );
    const user = userEvent.setup();
    renderWithClient(<CapacityPanel roster={[]} rosterLoading={false} rosterError={null} />);
    expect(screen.getByText(/Look an agent up by id/)).toBeInTheDocument();
    await user.type(screen.getByTestId('capacity-lookup'), 'agent-042');
    await user.click(screen.getByTestId('capacity-lookup-submit'));
    const row = await screen.findByTestId('capacity-row');
    expect(row).toHaveAttribute('data-agent-id', 'agent-042');
    await waitFor(() => expect(within(row).getByTestId('capacity-active')).toHaveTextContent('1'));
    await user.type(within(row).getByTestId('capacity-input'), '2');
    await user.click(within(row).getByTestId('capacity-save'));
    expect(await within(row).findByRole('alert')).toHaveTextContent('Only a supervisor may set a capacity');
  });

  it('the team page is for supervisors only', () => {
    renderWithClient(<TeamPage isSupervisor={false} rosterEnabled />);
    expect(screen.getByTestId('team-forbidden')).toBeInTheDocument();
  });
});

describe('sessions by agent', () => {
  it('lists each agent\'s sessions and lets the supervisor release or transfer one', async () => {
    const posts: { path: string; body: unknown }[] = [];
    let held: Record<string, string[]> = { 'agent-001': ['sess-1'], 'agent-002': [] };
    server.use(
      http.get(`${O}/dev/agents`, () =>
        HttpResponse.json({ agents: [{ agent_id: 'agent-001', name: 'Ada', roles: ['agent'] }, { agent_id: 'agent-002', name: 'Ben', roles: ['agent'] }, { agent_id: 'lead-001', name: 'Lena', roles: ['agent', 'supervisor'] }] }),
      ),
      http.get(`${O}/api/v1/metrics/summary`, () => HttpResponse.json(metricsSummary())),
      http.get(`${O}/api/v1/agents/:id`, ({ params }) => HttpResponse.json(agentView({ agent_id: params.id as string }))),
      http.get(`${O}/api/v1/agent/sessions/mine`, ({ request }) => {
        const agent = new URL(request.url).searchParams.get('agent_id')!;
        const sessions = (held[agent] ?? []).map((id) => assignedSession({ session_id: id, user_id: `u_${id}`, assigned_agent_id: agent, unread_count: 1, last_message_preview: 'Any news?' }));
        return HttpResponse.json({ sessions, next_cursor: null });
      }),
      http.post(`${O}/api/v1/agent/sessions/:id/transfer`, async ({ params, request }) => {
        const body = (await request.json()) as { to_agent_id: string };
        posts.push({ path: `transfer:${params.id}`, body });
        held = { ...held, 'agent-001': [], [body.to_agent_id]: [params.id as string] };
        return HttpResponse.json(handOver({ session_id: params.id as string, agent_status: 'assigned', assigned_agent_id: body.to_agent_id }));
      }),
      http.post(`${O}/api/v1/agent/sessions/:id/release`, async ({ params, request }) => {
        posts.push({ path: `release:${params.id}`, body: await request.json() });
        held = { ...held, 'agent-002': [] };
        return HttpResponse.json(handOver({ session_id: params.id as string }));
      }),
    );
    const user = userEvent.setup();
    renderWithClient(<TeamPage isSupervisor rosterEnabled />);
    await screen.findAllByTestId('agent-sessions');
    const ada = document.querySelector('[data-testid="agent-sessions"][data-agent-id="agent-001"]') as HTMLElement;
    const row = await within(ada).findByTestId('agent-session');
    expect(row).toHaveTextContent('u_sess-1');
    expect(row).toHaveTextContent('Any news?');
    await user.selectOptions(within(row).getByTestId('team-transfer-target'), 'agent-002');
    await user.click(within(row).getByTestId('team-transfer'));
    const ben = document.querySelector('[data-testid="agent-sessions"][data-agent-id="agent-002"]') as HTMLElement;
    expect(await within(ben).findByTestId('agent-session')).toHaveAttribute('data-session-id', 'sess-1');
    await waitFor(() => expect(within(ada).queryByTestId('agent-session')).toBeNull());
    await user.click(within(ben).getByTestId('team-release'));
    await waitFor(() => expect(within(ben).queryByTestId('agent-session')).toBeNull());
    expect(posts).toEqual([
      { path: 'transfer:sess-1', body: { to_agent_id: 'agent-002', note: 'Moved from the team page' } },
      { path: 'release:sess-1', body: { reason: 'Released from the team page' } },
    ]);
  });
});
