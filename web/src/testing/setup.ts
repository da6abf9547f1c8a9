import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { configureApiClient } from '@/lib/api-client';
import { setTokens } from '@/lib/auth/token-store';
import { resetMineCache } from '@/features/queue/api/mine';
import { resetAlertSettings } from '@/app/alerts';
import { server, takeUnhandled } from './server';

// Waiting is for something to happen, not a measure of how fast it happens (that is the
// benchmarks' job): on two busy cores a render with its fetches can take seconds, and a 1 s
// wait then fails a right screen. A screen that never comes still fails, after 10 s.
configure({ asyncUtilTimeout: 10_000 });

beforeAll(() => server.listen({ onUnhandledRequest: server.recordUnhandled }));
afterEach(() => {
  cleanup();
  server.resetHandlers();
  setTokens(null);
  sessionStorage.clear();
  localStorage.clear();
  resetMineCache();
  resetAlertSettings();
  configureApiClient({ baseUrl: '', beforeRequest: async () => {}, refresh: async () => false, onUnauthorized: () => {} });
  window.history.replaceState(null, '', '/');
  const unhandled = takeUnhandled();
  if (unhandled.length > 0) throw new Error(`Requests without an MSW handler: ${unhandled.join(', ')}`);
});
afterAll(() => server.close());
