import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { api, ApiError, capacityOf, configureApiClient, describeError } from './api-client';
import { setTokens, tokenStore } from './auth/token-store';
import { connectivity } from './connectivity';

describe('api client', () => {
  it('sends the bearer token and JSON, and returns the parsed body', async () => {
    setTokens({ accessToken: 'tok-1', expiresAt: Date.now() + 3_600_000 });
    let seen: { auth: string | null; type: string | null; body: unknown } | null = null;
    server.use(
      http.post('http://localhost:3000/api/v1/agent/sessions/s1/messages', async ({ request }) => {
        seen = { auth: request.headers.get('authorization'), type: request.headers.get('content-type'), body: await request.json() };
        return HttpResponse.json({ message_id: 'm1', timestamp: 't', role: 'assistant' });
      }),
    );
    const reply = await api.post('/api/v1/agent/sessions/s1/messages', { content: 'hi' });
    expect(reply).toEqual({ message_id: 'm1', timestamp: 't', role: 'assistant' });
    expect(seen).toEqual({ auth: 'Bearer tok-1', type: 'application/json', body: { content: 'hi' } });
  });

  it('uses the configured API base', async () => {
    configureApiClient({ baseUrl: 'https://api.example/' });
    server.use(http.get('https://api.example/api/v1/agent/me', () => HttpResponse.json({ agent_id: 'a' })));
    expect(await api.get('/api/v1/agent/me')).toEqual({ agent_id: 'a' });
  });

  it('turns a JSON error into an ApiError with status, code, message and body', async () => {
    server.use(
      http.post('http://localhost:3000/api/v1/agent/sessions/s1/accept', () =>
        HttpResponse.json({ error: 'invalid_state', message: 'session is assigned', agent_status: 'assigned' }, { status: 409 }),
      ),
    );
    const err = await api.post('/api/v1/agent/sessions/s1/accept', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 409, code: 'invalid_state', message: 'session is assigned' });
    expect((err as ApiError).body?.agent_status).toBe('assigned');
  });

  it('names the assignee of a 403 not_assignee', async () => {
    server.use(
      http.post('http://localhost:3000/api/v1/agent/sessions/s1/resolve', () =>
        HttpResponse.json({ error: 'not_assignee', message: 'not yours', assigned_agent_id: 'agent-002' }, { status: 403 }),
      ),
    );
    const err = await api.post('/api/v1/agent/sessions/s1/resolve', { note: '' }).catch((e: unknown) => e);
    expect(describeError(err)).toBe('This session is assigned to agent-002; only they can act on it.');
  });

  it('gives a non-JSON failure a code from its status', async () => {
    server.use(http.get('http://localhost:3000/api/v1/agent/me', () => new HttpResponse('Bad gateway', { status: 502 })));
    await expect(api.get('/api/v1/agent/me')).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'Bad gateway' });
  });

  it('on a 401 forgets the token and sends the agent to sign-in', async () => {
    setTokens({ accessToken: 'expired', expiresAt: Date.now() });
    const onUnauthorized = vi.fn();
    configureApiClient({ onUnauthorized });
    server.use(http.get('http://localhost:3000/api/v1/agent/sessions/pending', () => HttpResponse.json({ error: 'unauthorized', message: 'no' }, { status: 401 })));
    await expect(api.get('/api/v1/agent/sessions/pending')).rejects.toMatchObject({ status: 401 });
    expect(tokenStore.get()).toBeNull();
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('retries once after a successful refresh', async () => {
    setTokens({ accessToken: 'old', expiresAt: Date.now() });
    configureApiClient({
      refresh: async () => {
        setTokens({ accessToken: 'new', expiresAt: Date.now() + 3_600_000 });
        return true;
      },
    });
    server.use(
      http.get('http://localhost:3000/api/v1/agent/me', ({ request }) =>
        request.headers.get('authorization') === 'Bearer new'
          ? HttpResponse.json({ agent_id: 'agent-001' })
          : HttpResponse.json({ error: 'unauthorized' }, { status: 401 }),
      ),
    );
    expect(await api.get('/api/v1/agent/me')).toEqual({ agent_id: 'agent-001' });
  });

  it('marks the server unreachable on a network failure, and reachable again after a success', async () => {
    server.use(http.get('http://localhost:3000/api/v1/agent/me', () => HttpResponse.error()));
    await expect(api.get('/api/v1/agent/me')).rejects.toMatchObject({ status: 0, code: 'network_error' });
    expect(connectivity.get().apiReachable).toBe(false);
    server.use(http.get('http://localhost:3000/api/v1/agent/me', () => HttpResponse.json({})));
    await api.get('/api/v1/agent/me');
    expect(connectivity.get().apiReachable).toBe(true);
  });

  it('reads a 409 at_capacity: who is full, their load and their limit', () => {
    const err = new ApiError(409, 'at_capacity', 'full', { error: 'at_capacity', message: 'full', agent_id: 'agent-002', active_sessions: 3, max_sessions: 3 });
    expect(capacityOf(err)).toEqual({ agentId: 'agent-002', active: 3, max: 3 });
    expect(describeError(err)).toBe('agent-002 is at capacity (3 of 3 sessions): a session has to be resolved or released first, or a supervisor can raise the limit.');
    expect(capacityOf(new ApiError(409, 'invalid_state', 'taken'))).toBeNull();
  });

  it('sends PUT with a JSON body', async () => {
    let seen: unknown = null;
    server.use(
      http.put('http://localhost:3000/api/v1/agents/a1/capacity', async ({ request }) => {
        seen = await request.json();
        return HttpResponse.json({ agent_id: 'a1', max_sessions: 2, max_sessions_source: 'agent', active_sessions: 0 });
      }),
    );
    expect(await api.put('/api/v1/agents/a1/capacity', { max_sessions: 2 })).toMatchObject({ max_sessions: 2 });
    expect(seen).toEqual({ max_sessions: 2 });
  });
});
