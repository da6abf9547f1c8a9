import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { escalate, queueRow, signIn } from './helpers';

// WCAG 2.2 AA on every screen an agent, a supervisor and a reviewer work in, checked by axe-core
// in the browser: a serious or critical violation fails the test; lesser ones are printed.

const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function expectAccessible(page: Page, screen: string): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze();
  const describe = (v: (typeof violations)[number]) =>
    `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join('; ')})`;
  const minor = violations.filter((v) => v.impact !== 'serious' && v.impact !== 'critical');
  if (minor.length) console.log(`${screen}: ${minor.map(describe).join('\n')}`);
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map(describe), `${screen}: serious or critical WCAG 2.2 AA violations`).toEqual([]);
}

test('sign-in, queue, a conversation, the resolve dialog and the solution form pass WCAG 2.2 AA', async ({ browser, request }) => {
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await visitor.newPage();
  await page.goto('/');
  await expect(page.getByTestId('sign-in-agent-001')).toBeVisible();
  await expectAccessible(page, 'sign-in');
  await visitor.close();

  const { sessionId } = await escalate(request);
  const agent = await signIn(browser, 'agent-001');
  const row = queueRow(agent, sessionId);
  await expect(row).toBeVisible();
  await expectAccessible(agent, 'queue');
  await row.getByTestId('accept').click();
  const conversation = agent.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`);
  await expect(conversation).toHaveAttribute('data-status', 'assigned');
  await expectAccessible(agent, 'conversation');
  await agent.getByTestId('resolve').click();
  await expect(agent.getByTestId('resolve-note')).toBeVisible();
  await expectAccessible(agent, 'resolve dialog');
  await agent.getByTestId('resolve-note').fill('e2e: accessibility check');
  await agent.getByTestId('resolve-submit').click();
  await expect(conversation).toHaveAttribute('data-status', 'resolved');
  await expect(agent.getByTestId('solution-question')).toBeFocused();
  await expectAccessible(agent, 'solution form');
});

test('the team page and the review page pass WCAG 2.2 AA', async ({ browser }) => {
  const lead = await signIn(browser, 'lead-001');
  await lead.getByTestId('nav-team').click();
  await expect(lead.getByTestId('team-page')).toBeVisible();
  await expect(lead.getByTestId('metric-pending')).toBeVisible();
  await expectAccessible(lead, 'team');

  const reviewer = await signIn(browser, 'reviewer-001');
  await reviewer.getByTestId('nav-review').click();
  await expect(reviewer.getByRole('main')).toBeVisible();
  await expectAccessible(reviewer, 'review');
});
