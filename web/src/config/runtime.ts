// GET /config.json at start says how to sign in: the local dev sign-in, or Cognito in AWS.
import type { RuntimeConfig } from '@/lib/api-types';

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  const response = await fetch(new URL('/config.json', window.location.href), { headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(`/config.json answered ${response.status}`);
  const config = (await response.json()) as RuntimeConfig;
  if (config.auth !== 'local' && config.auth !== 'cognito') {
    throw new Error(`/config.json names an unknown sign-in mode: ${String((config as { auth: unknown }).auth)}`);
  }
  return config;
}
