import { expect, test, type WebSocketRoute } from '@playwright/test';
import { chat, escalate, queueRow } from './helpers';

// The browser's side of the live-update contract, against a socket played by the test (the HTTP
// API is the real one): the token in the address, an event refetching the open conversation, a
// dropped socket reconnecting and refetching what it missed.
test('live-update client: events refetch, a dropped socket reconnects and catches up', async ({ browser, request }) => {
  const { sessionId, userId } = await escalate(request);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const sockets: WebSocketRoute[] = [];
  await context.routeWebSocket(/\/ws\?token=/, (ws) => {
    sockets.push(ws);
    ws.onMessage(() => {}); // pings, if any, are not forwarded anywhere
  });
  const page = await context.newPage();
  await page.goto('/');
  await page.getByTestId('sign-in-agent-002').click();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'open');
  expect(new URL(sockets[0]!.url()).searchParams.get('token')).toBeTruthy();

  await queueRow(page, sessionId).getByTestId('accept').click();
  const conversation = page.locator(`[data-testid="conversation"][data-session-id="${sessionId}"]`);
  await expect(conversation).toHaveAttribute('data-status', 'assigned');

  // An event: the conversation is refetched at once (no polling while the socket is open).
  const first = `first message ${Date.now()}`;
  await chat(request, { session_id: sessionId, user_id: userId, message: first });
  sockets[0]!.send(JSON.stringify({ type: 'message.created', session_id: sessionId, message_id: 'm', author: 'customer', at: new Date().toISOString() }));
  await expect(conversation.getByTestId('message').filter({ hasText: first })).toBeVisible({ timeout: 3_000 });

  // The socket drops; a message arrives meanwhile; the reconnect refetches it without an event.
  await sockets[0]!.close();
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'closed');
  const missed = `missed while offline ${Date.now()}`;
  await chat(request, { session_id: sessionId, user_id: userId, message: missed });
  await expect.poll(() => sockets.length, { timeout: 5_000 }).toBe(2);
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'open');
  await expect(conversation.getByTestId('message').filter({ hasText: missed })).toBeVisible({ timeout: 3_000 });
  await context.close();
});
