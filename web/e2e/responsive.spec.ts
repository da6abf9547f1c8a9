import { expect, test, type Browser, type Page } from '@playwright/test';
import { API_KEY, escalate, queueRow, screenshot } from './helpers';

// Phone, laptop and desktop (issue 27): one pane at a time below 900 px, two below 1300, three
// above; nothing ever scrolls sideways, and the agent can reach Accept, the reply and assist.

async function signInAt(browser: Browser, agentId: string, width: number, height: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId(`sign-in-${agentId}`).click();
  await expect(page.getByTestId('me')).toBeAttached();
  return page;
}

async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  expect(scroll, `page is ${scroll} px wide in a ${width} px window`).toBeLessThanOrEqual(width);
}

/** Out of the queue and out of Mine, so runs do not pile up (the queue renders only the rows in view). */
const tidy = async (page: Page, sessionId: string, accept = false) => {
  const headers = { 'X-API-Key': API_KEY };
  const base = `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`;
  if (accept) await page.request.post(`${base}/accept`, { headers, data: { agent_id: 'agent-e2e-cleanup' } });
  await page.request.post(`${base}/resolve`, { headers, data: { note: 'e2e: tidied away' } });
};

test('390×844: one pane at a time, Accept within reach, no sideways scroll (the team page too)', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const phone = await signInAt(browser, 'lead-001', 390, 844);
  const row = queueRow(phone, sessionId);
  await expect(row).toBeVisible();
  await expectNoSidewaysScroll(phone);
  await row.scrollIntoViewIfNeeded();
  await expect(row.getByTestId('accept')).toBeInViewport();
  await screenshot(phone, 'phone-queue');
  await row.getByTestId('accept').click();
  const conversation = phone.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`);
  await expect(conversation).toHaveAttribute('data-status', 'assigned');
  await expect(phone.getByTestId('workspace')).toHaveAttribute('data-pane', 'conversation');
  await expect(phone.getByTestId('composer')).toBeInViewport();
  await expect(phone.getByTestId('resolve')).toBeInViewport();
  await expectNoSidewaysScroll(phone);
  await screenshot(phone, 'phone-conversation');
  // b brings the assist pane forward with the cursor in business assist.
  await phone.keyboard.press('b');
  await expect(phone.getByTestId('business-query')).toBeFocused();
  await expect(phone.getByTestId('business-query')).toBeInViewport();
  await phone.keyboard.press('Escape');
  await phone.getByTestId('pane-queue').click();
  await expect(phone.locator(`[data-testid="mine-item"][data-session-id="${sessionId}"]`)).toBeVisible();
  await expectNoSidewaysScroll(phone);
  await phone.getByTestId('nav-team').click();
  await expect(phone.getByTestId('team-page')).toBeVisible();
  await expect(phone.getByTestId('metric-pending')).toBeVisible();
  await expectNoSidewaysScroll(phone);
  await tidy(phone, sessionId);
});

test('1024×768: the queue beside the conversation, assist one tab away', async ({ browser, request }) => {
  const { sessionId } = await escalate(request);
  const tablet = await signInAt(browser, 'agent-001', 1024, 768);
  const row = queueRow(tablet, sessionId);
  await row.getByTestId('open-session').click();
  await expect(tablet.getByTestId('conversation-accept')).toBeInViewport();
  await expect(row.getByTestId('accept')).toBeVisible();
  await expect(tablet.getByTestId('knowledge-search')).toBeHidden();
  await expectNoSidewaysScroll(tablet);
  await tablet.getByTestId('pane-assist').click();
  await expect(tablet.getByTestId('knowledge-search')).toBeInViewport();
  await expect(tablet.getByTestId('business-query')).toBeInViewport();
  await expect(row).toBeVisible();
  await tablet.getByTestId('pane-conversation').click();
  await expect(tablet.getByTestId('composer')).toBeInViewport();
  await screenshot(tablet, 'tablet-conversation');
  await expectNoSidewaysScroll(tablet);
  await tidy(tablet, sessionId, true);
});

for (const [width, height] of [
  [1280, 800],
  [1920, 1080],
] as const) {
  test(`${width}×${height}: all three panes side by side, no tabs`, async ({ browser, request }) => {
    const { sessionId } = await escalate(request);
    const page = await signInAt(browser, 'agent-001', width, height);
    const row = queueRow(page, sessionId);
    await row.getByTestId('open-session').click();
    await expect(page.getByTestId('conversation-accept')).toBeInViewport();
    await expect(page.getByTestId('knowledge-search')).toBeInViewport();
    await expect(page.getByTestId('pane-assist')).toBeHidden();
    // Business assist is in view with the knowledge folded away.
    await page.getByTestId('knowledge-toggle').click();
    await expect(page.getByTestId('business-query')).toBeInViewport();
    await expectNoSidewaysScroll(page);
    await tidy(page, sessionId, true);
  });
}
