import { expect, test } from '@playwright/test';
import { API_KEY, escalate, screenshot, signIn } from './helpers';

// "Mine" from the server (issue 27): it follows the agent to a fresh browser, shows what each
// session needs, and a transfer in says so.

const headers = { 'X-API-Key': API_KEY };
const base = (sessionId: string) => `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`;

test('Mine follows the agent to a fresh sign-in, with the latest words and the unread count', async ({ browser, request }) => {
  const { sessionId, userId } = await escalate(request, undefined, 'My parcel has not arrived. I want a human');
  const accepted = await request.post(`${base(sessionId)}/accept`, { headers, data: { agent_id: 'agent-001' } });
  expect(accepted.status(), await accepted.text()).toBe(200);
  const said = await request.post('/api/v1/chat', { headers, data: { user_id: userId, session_id: sessionId, message: 'Hello? Is anyone there?' } });
  expect(said.status(), await said.text()).toBe(200);

  // A browser that never accepted it (nothing in its storage) still lists it.
  const agent = await signIn(browser, 'agent-001');
  const row = agent.locator(`[data-testid="mine-item"][data-session-id="${sessionId}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('mine-preview')).toContainText('Customer: Hello? Is anyone there?');
  await expect(row.getByTestId('mine-unread')).toHaveText('1');
  await expect(row.getByTestId('waiting-clock')).toBeVisible();
  await screenshot(agent, 'mine');
  // Opening it is reading it.
  await row.getByTestId('open-session').click();
  await expect(agent.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`)).toHaveAttribute('data-status', 'assigned');
  await expect(row.getByTestId('mine-unread')).toHaveCount(0, { timeout: 35_000 });
  await request.post(`${base(sessionId)}/resolve`, { headers, data: { note: 'e2e: tidied away' } });
});

test('a session transferred in while signed in raises a toast that opens it', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const accepted = await request.post(`${base(sessionId)}/accept`, { headers, data: { agent_id: 'agent-001' } });
  expect(accepted.status(), await accepted.text()).toBe(200);
  const agent = await signIn(browser, 'agent-002');
  await expect(agent.getByTestId('connection-status')).toContainText('Live');
  const moved = await request.post(`${base(sessionId)}/transfer`, { headers, data: { to_agent_id: 'agent-002', note: 'e2e: over to you' } });
  expect(moved.status(), await moved.text()).toBe(200);
  const toast = agent.getByTestId('toast').filter({ hasText: sessionId });
  await expect(toast).toBeVisible();
  await screenshot(agent, 'transfer-in');
  await toast.getByTestId('toast-action').click();
  await expect(agent.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`)).toHaveAttribute('data-status', 'assigned');
  await expect(agent.locator(`[data-testid="mine-item"][data-session-id="${sessionId}"]`)).toBeVisible();
  await request.post(`${base(sessionId)}/resolve`, { headers, data: { note: 'e2e: tidied away' } });
});

test('a supervisor sees each agent\'s sessions on the team page and moves one', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const accepted = await request.post(`${base(sessionId)}/accept`, { headers, data: { agent_id: 'agent-001' } });
  expect(accepted.status(), await accepted.text()).toBe(200);
  const lead = await signIn(browser, 'lead-001');
  await lead.getByTestId('nav-team').click();
  const row = lead.locator(`[data-testid="agent-sessions"][data-agent-id="agent-001"] [data-testid="agent-session"][data-session-id="${sessionId}"]`);
  await expect(row).toBeVisible();
  await row.scrollIntoViewIfNeeded();
  await screenshot(lead, 'team-sessions');
  await row.getByTestId('team-transfer-target').selectOption('agent-002');
  await row.getByTestId('team-transfer').click();
  await expect(lead.locator(`[data-testid="agent-sessions"][data-agent-id="agent-002"] [data-testid="agent-session"][data-session-id="${sessionId}"]`)).toBeVisible();
  await expect(row).toHaveCount(0);
  await request.post(`${base(sessionId)}/resolve`, { headers, data: { note: 'e2e: tidied away' } });
});
