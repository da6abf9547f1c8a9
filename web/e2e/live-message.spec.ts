import { expect, test } from '@playwright/test';
import { chat, escalate, queueRow, signIn } from './helpers';

test('a customer message appears in the open conversation without a reload', async ({ browser, request }) => {
  const { sessionId, userId } = await escalate(request);
  const page = await signIn(browser, 'agent-002');
  await queueRow(page, sessionId).getByTestId('accept').click();
  const conversation = page.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`);
  await expect(conversation).toHaveAttribute('data-status', 'assigned');
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'open');
  // A marker that a reload would wipe.
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));

  const text = `My parcel tracking says "held at depot" ${Date.now()}`;
  const reply = await chat(request, { session_id: sessionId, user_id: userId, message: text });
  expect(reply.reply).toBeNull(); // the bot stays silent while an agent has the session

  const last = conversation.getByTestId('message').filter({ hasText: text });
  await expect(last).toHaveAttribute('data-author', 'customer', { timeout: 5_000 });
  expect(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload)).toBe(true);
});
