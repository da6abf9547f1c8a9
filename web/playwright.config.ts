// End-to-end tests in a real browser: Debian's chromium (e2e/ensure-chromium.sh), never a
// downloaded one, against the running stack at WORKBENCH_URL.
import { defineConfig } from '@playwright/test';
import { execSync } from 'node:child_process';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function chromiumPath(): string {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execSync('command -v chromium', { shell: '/bin/bash' }).toString().trim();
  } catch {
    throw new Error('chromium not found: run web/e2e/ensure-chromium.sh');
  }
}

export default defineConfig({
  testDir: './e2e',
  testMatch: '*.spec.ts',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: [['list']],
  outputDir: 'e2e/.artifacts',
  use: {
    baseURL: process.env.WORKBENCH_URL ?? 'http://localhost:8000',
    viewport: { width: 1280, height: 800 },
    trace: 'on-first-retry',
    screenshot: 'only-on-failure',
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
});
