import { expect, test, type Page } from '@playwright/test';
import { escalate, queueRow, signIn } from './helpers';

// The keyboard trap (issue 27): after Accept or Next the documented one-key shortcuts must stay
// shortcuts. Every key of the help is typed (each followed by Esc, which closes what it opened or
// leaves the field it focused), and nothing may reach the customer or linger in the composer.

const EVERY_SHORTCUT = ['j', 'k', 'a', 'n', 'c', 'Enter', 'r', '/', 'b', '?', 'Escape'];

function conversationOf(page: Page, sessionId: string) {
  return page.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`);
}

/** Counts the agent messages the page posts, whatever session they are for. */
function countSends(page: Page): { sent: string[] } {
  const record = { sent: [] as string[] };
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/api\/v1\/agent\/sessions\/[^/]+\/messages$/.test(new URL(r.url()).pathname)) record.sent.push(r.postData() ?? '');
  });
  return record;
}

/**
 * j/k open other people's pending sessions and n would claim one from the shared queue, which the
 * other specs use too: while the keys are typed, Next answers "queue empty" and Accept is left
 * alone (it acts only on a pending session, and j/k stay within the queue pane's list).
 */
async function typeEveryShortcut(page: Page, sessionId: string): Promise<void> {
  await page.route('**/api/v1/agent/sessions/next', (route) => route.fulfill({ status: 204 }));
  await page.route('**/api/v1/agent/sessions/*/accept', (route) =>
    route.fulfill({ status: 409, contentType: 'application/json', body: JSON.stringify({ error: 'invalid_state', message: 'not in this test', agent_status: 'assigned' }) }),
  );
  for (const key of EVERY_SHORTCUT) {
    await page.keyboard.press(key);
    await page.keyboard.press('Escape');
  }
  await page.unroute('**/api/v1/agent/sessions/next');
  await page.unroute('**/api/v1/agent/sessions/*/accept');
  // Back to the session (j/k may have opened another), through Mine.
  await page.locator(`[data-testid="mine-item"][data-session-id="${sessionId}"]`).getByRole('button').first().click();
  await expect(conversationOf(page, sessionId)).toHaveAttribute('data-status', 'assigned');
}

test('after a mouse Accept, every shortcut stays a shortcut: nothing is sent, the composer stays empty', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const agent = await signIn(browser, 'agent-002');
  const sends = countSends(agent);
  await queueRow(agent, sessionId).getByTestId('accept').click();
  const conversation = conversationOf(agent, sessionId);
  await expect(conversation).toHaveAttribute('data-status', 'assigned');
  await expect(agent.getByTestId('conversation-title')).toBeFocused();

  // The report's case: a mouse Accept, then b asks business assist and types nothing anywhere.
  await agent.keyboard.press('b');
  await expect(agent.getByTestId('business-query')).toBeFocused();
  await expect(agent.getByTestId('business-query')).toHaveValue('');
  await agent.keyboard.press('Escape');
  await expect(agent.getByTestId('composer')).toHaveValue('');

  await typeEveryShortcut(agent, sessionId);
  await expect(agent.getByTestId('composer')).toHaveValue('');
  await expect(conversation.locator('[data-testid="message"][data-author="agent"]')).toHaveCount(0);
  expect(sends.sent).toEqual([]);

  // c goes to the composer; what is typed then is the reply, exactly ("Hello…", not "cHello…").
  await agent.keyboard.press('c');
  await expect(agent.getByTestId('composer')).toBeFocused();
  await agent.keyboard.type("Hello, I'm Ada");
  await agent.keyboard.press('Enter');
  const sent = conversation.locator('[data-testid="message"][data-author="agent"]');
  await expect(sent).toHaveCount(1);
  await expect(sent).toContainText("Hello, I'm Ada");
  await expect(sent).not.toContainText("cHello");
  expect(sends.sent).toHaveLength(1);
  expect(JSON.parse(sends.sent[0]!).content).toBe("Hello, I'm Ada");
  // Esc leaves the composer (the focus stays there after a send): the next key is a shortcut again.
  await expect(agent.getByTestId('composer')).toHaveValue('');
  await agent.keyboard.press('Escape');
  await expect(agent.getByTestId('composer')).not.toBeFocused();
  await agent.keyboard.press('c');
  await expect(agent.getByTestId('composer')).toBeFocused();
  await agent.keyboard.press('Escape');
  await expect(agent.getByTestId('composer')).not.toBeFocused();
  await agent.keyboard.press('?');
  await expect(agent.getByTestId('help-overlay')).toBeVisible();
  await agent.keyboard.press('Escape');
  await expect(agent.getByTestId('composer')).toHaveValue('');
});

test('after Next, every shortcut stays a shortcut: nothing is sent, the composer stays empty', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const agent = await signIn(browser, 'agent-002');
  const sends = countSends(agent);
  // "Next" claims whatever the shared queue holds first; here it claims this test's own session
  // (the same answer through the accept route), so the other specs keep theirs.
  await agent.route('**/api/v1/agent/sessions/next', async (route) => {
    const url = route.request().url().replace(/\/next$/, `/${encodeURIComponent(sessionId)}/accept`);
    const response = await route.fetch({ url });
    await route.fulfill({ response });
  });
  await expect(agent.getByTestId('pending-count')).not.toHaveText('0');
  await agent.keyboard.press('n');
  const conversation = conversationOf(agent, sessionId);
  await expect(conversation).toHaveAttribute('data-status', 'assigned');
  await expect(agent.getByTestId('conversation-title')).toBeFocused();
  await agent.unroute('**/api/v1/agent/sessions/next');

  await typeEveryShortcut(agent, sessionId);
  await expect(agent.getByTestId('composer')).toHaveValue('');
  await expect(conversation.locator('[data-testid="message"][data-author="agent"]')).toHaveCount(0);
  expect(sends.sent).toEqual([]);
});
