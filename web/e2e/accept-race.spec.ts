import { expect, test } from '@playwright/test';
import { escalate, queueRow, screenshot, signIn } from './helpers';

test('two agents race to accept: one wins, the other is told and the row leaves the queue', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const [a, b] = await Promise.all([signIn(browser, 'agent-001'), signIn(browser, 'agent-002')]);
  for (const page of [a, b]) await expect(queueRow(page, sessionId)).toBeVisible();

  await Promise.all([a, b].map((page) => queueRow(page, sessionId).getByTestId('accept').click()));

  const outcome = async (page: typeof a) => {
    const lost = page.getByTestId('accept-error');
    const won = page.locator(`[data-testid="conversation"][data-session-id="${sessionId}"][data-status="assigned"]`);
    await expect(lost.or(won)).toBeVisible();
    return (await lost.isVisible()) ? 'lost' : 'won';
  };
  const results = await Promise.all([outcome(a), outcome(b)]);
  expect([...results].sort()).toEqual(['lost', 'won']);

  const winner = results[0] === 'won' ? a : b;
  const loser = results[0] === 'won' ? b : a;
  await expect(loser.getByTestId('accept-error')).toHaveText('This session has been accepted by another agent');
  await expect(queueRow(loser, sessionId)).toHaveCount(0);
  await screenshot(loser, 'accept-conflict');
  await expect(winner.getByTestId('composer')).toBeEnabled();
  await expect(winner.locator(`[data-testid="mine-item"][data-session-id="${sessionId}"]`)).toBeVisible();
});
