import { expect, type APIRequestContext, type Browser, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const API_KEY = process.env.API_KEY ?? 'local-dev-key';
const here = dirname(fileURLToPath(import.meta.url));
export const SCREENSHOTS = resolve(here, '../../docs/screenshots');

export function uid(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 7)}`;
}

export type ChatReply = {
  session_id: string;
  reply: string | null;
  escalate_to_human: boolean;
  agent_status: string;
  sources: string[];
};

/** A customer turn through the chat API, as the bot's front end sends it. */
export async function chat(request: APIRequestContext, body: { user_id: string; message: string; session_id?: string }): Promise<ChatReply> {
  const response = await request.post('/api/v1/chat', { headers: { 'X-API-Key': API_KEY }, data: body });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as ChatReply;
}

/** A fresh escalation of its own, so tests do not depend on each other. */
export async function escalate(request: APIRequestContext, userId = `u_e2e_${uid()}`, message = 'I want a human'): Promise<{ sessionId: string; userId: string }> {
  const reply = await chat(request, { user_id: userId, message });
  expect(reply.agent_status).toBe('pending');
  return { sessionId: reply.session_id, userId };
}

export async function signIn(browser: Browser, agentId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId(`sign-in-${agentId}`).click();
  await expect(page.getByTestId('me')).toContainText(agentId);
  return page;
}

export function queueRow(page: Page, sessionId: string) {
  return page.locator(`[data-testid="queue-item"][data-session-id="${sessionId}"]`);
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: resolve(SCREENSHOTS, `${name}.png`) });
}
