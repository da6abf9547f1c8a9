import { expect, test } from '@playwright/test';
import { API_KEY, chat, escalate, queueRow, screenshot, signIn, uid } from './helpers';

// The whole loop, clicked through: a customer escalates, an agent accepts, reads the card and
// the knowledge, changes the order's address through business assist (a confirmed write),
// answers, resolves, consolidates; a reviewer approves; the bot then answers a paraphrase.
// u_10093 owns ORD-017 (paid) in the demo business data; changing its address keeps its status,
// so the test can run again and again.
test('accept → knowledge → business write → message → resolve → solution → approve → the bot answers', async ({ browser, request }) => {
  test.setTimeout(90_000);
  const nonce = uid();
  const code = `GC${nonce.toUpperCase()}`;
  const { sessionId } = await escalate(request, 'u_10093', 'Can I change the delivery address after ordering? ORD-017 must go to my new flat. I want a human');

  // Sign-in screen.
  const signInContext = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const signInPage = await signInContext.newPage();
  await signInPage.goto('/');
  await expect(signInPage.getByTestId('sign-in-agent-001')).toBeVisible();
  await screenshot(signInPage, 'sign-in');
  await signInContext.close();

  const agent = await signIn(browser, 'agent-001');
  const row = queueRow(agent, sessionId);
  await expect(row).toBeVisible();
  await row.getByTestId('open-session').click();
  const conversation = agent.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`);
  await expect(conversation.getByTestId('escalation-card')).toBeVisible();
  // Knowledge before accepting, for the customer's latest message.
  await expect(agent.getByTestId('knowledge-item').first()).toBeVisible();
  await screenshot(agent, 'queue');

  await row.getByTestId('accept').click();
  await expect(conversation).toHaveAttribute('data-status', 'assigned');
  await expect(agent.getByTestId('composer')).toBeEnabled();
  await expect(agent.getByTestId('knowledge-item').first()).toBeVisible();
  // The conversation header shows the whole session id at 1280.
  const id = conversation.locator('.conv-id');
  await expect(id).toHaveText(sessionId);
  expect(await id.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
  await screenshot(agent, 'conversation');

  // Insert a passage, then replace it with the actual answer below.
  await agent.getByTestId('knowledge-item').first().getByTestId('knowledge-insert').click();
  await expect(agent.getByTestId('composer')).not.toHaveValue('');

  // Business assist: a write that needs confirmation.
  const street = `${Math.floor(Math.random() * 900) + 100} Century Avenue, Pudong, Shanghai`;
  await agent.getByTestId('business-query').fill(`Change the shipping address of ORD-017 to ${street}`);
  await agent.getByTestId('business-ask').click();
  const confirmation = agent.getByTestId('business-confirmation');
  await expect(confirmation).toBeVisible();
  // With the knowledge folded away, the confirmation is in view at 1280×800 without scrolling.
  await agent.getByTestId('knowledge-toggle').click();
  await expect(agent.getByTestId('knowledge-toggle')).toHaveAttribute('aria-expanded', 'false');
  await expect(confirmation.getByTestId('business-confirm')).toBeInViewport();
  // The stored address is masked; the new one is shown as the agent typed it.
  await expect(confirmation.getByTestId('change-from')).toContainText('masked');
  await expect(confirmation.getByTestId('change-to')).toHaveText(`${street} (as you entered it)`);
  await screenshot(agent, 'business-confirm');
  await agent.getByTestId('business-confirm').click();
  await expect(confirmation).toHaveCount(0);
  await expect(agent.getByTestId('business-reply')).toContainText(/ORD-017 is now/);
  await expect(agent.getByTestId('business-customer-reply')).toContainText(`your order ORD-017 to ${street}.`);
  await expect(agent.getByTestId('business-error')).toHaveCount(0);
  // The executed write is recorded in the thread.
  await expect(conversation.locator('[data-testid="message"][data-author="system"]').filter({ hasText: 'change_address' })).toBeVisible();

  // Answer the customer.
  const answer = `Yes. To use gift card ${code}, open My Account > Gift cards, enter ${code} and press Activate; the balance is usable at once.`;
  await agent.getByTestId('composer').fill(`I have updated the address of ORD-017. ${answer}`);
  await agent.getByTestId('composer').press('Enter');
  await expect(conversation.locator('[data-testid="message"][data-author="agent"]').filter({ hasText: code })).toBeVisible();

  // Resolve with a note, then consolidate.
  await agent.getByTestId('resolve').click();
  await agent.getByTestId('resolve-note').fill('Address changed; explained gift card activation');
  await agent.getByTestId('resolve-submit').click();
  await expect(conversation).toHaveAttribute('data-status', 'resolved');
  const question = agent.getByTestId('solution-question');
  await expect(question).toBeFocused(); // the focus follows Resolve to the form
  // Prefilled with the customer's own words (no order number, no call for a human) and the
  // substance of the last agent reply (its order number made general).
  await expect(question).toHaveValue('Can I change the delivery address after ordering? My order must go to my new flat.');
  await expect(agent.getByTestId('solution-answer')).toHaveValue(`I have updated the address of your order. ${answer}`);
  await expect(agent.getByTestId('solution-personal-data')).toHaveCount(0);
  await question.fill(`How do I activate the ${code} gift card I was given?`);
  await agent.getByTestId('solution-answer').fill(answer);
  await agent.getByTestId('solution-intent').fill('account');
  await agent.getByTestId('solution-submit').click();
  await expect(agent.getByText(/sent for review/)).toBeVisible();

  // A reviewer approves it.
  const reviewer = await signIn(browser, 'reviewer-001');
  await reviewer.getByTestId('nav-review').click();
  const item = reviewer.locator(`[data-testid="review-item"][data-session-id="${sessionId}"]`);
  await expect(item).toBeVisible();
  await expect(item.getByTestId('review-personal-data')).toHaveCount(0);
  await expect(item.getByTestId('review-open-session')).toHaveAttribute('href', `/sessions/${sessionId}`);
  await screenshot(reviewer, 'review');
  await item.getByTestId('approve').click();
  await expect(reviewer.getByTestId('review-decision')).toContainText('Approved');

  // The bot now answers a paraphrase from another customer.
  const reply = await chat(request, { user_id: `u_e2e_${uid()}`, message: `how can I activate my ${code} gift card?` });
  expect(reply.escalate_to_human).toBe(false);
  expect(reply.reply).toContain(code);
  expect(reply.sources[0]).toMatch(/^solution:/);
});

// A candidate that still carries a customer's name, email, phone and order number: the reviewer
// is warned before approving, and can open the conversation it came from.
test('a solution with personal data is flagged in review, and the review links to its conversation', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const headers = { 'X-API-Key': API_KEY };
  const base = `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`;
  for (const [path, data] of [
    ['accept', { agent_id: 'agent-002' }],
    ['resolve', { note: 'e2e: personal data in a candidate' }],
    ['solution', { question: 'Where is ORD-001?', solution: 'Dear Li Wei, it ships today; call me on 138-0013-8000 or write to li.wei@example.com.' }],
  ] as const) {
    const response = await request.post(`${base}/${path}`, { headers, data });
    expect(response.status(), await response.text()).toBe(200);
  }
  const reviewer = await signIn(browser, 'reviewer-001');
  await reviewer.getByTestId('nav-review').click();
  const item = reviewer.locator(`[data-testid="review-item"][data-session-id="${sessionId}"]`);
  const warning = item.getByTestId('review-personal-data');
  await expect(warning).toBeVisible();
  await expect(warning).toContainText('Li Wei');
  await expect(warning).toHaveAttribute('data-kinds', /email/);
  await item.scrollIntoViewIfNeeded();
  await screenshot(reviewer, 'review-personal-data');
  // Rejected here, so the next run's reviewer does not find it again.
  await item.getByTestId('reject-reason').fill('Contains the customer name and contact details');
  await item.getByTestId('reject').click();
  await expect(reviewer.getByTestId('review-decision')).toContainText('Rejected');
  await reviewer.goto(`/sessions/${encodeURIComponent(sessionId)}`);
  await expect(reviewer.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`)).toHaveAttribute('data-status', 'resolved');
});
