// Cognito hosted UI: authorization code + PKCE, refresh-token renewal, sign-out.
import type { CognitoConfig, TokenResponse } from '../api-types';
import { codeChallengeS256, generateCodeVerifier, randomState } from './pkce';
import { setTokens, tokenStore, tokensFromResponse } from './token-store';

const PENDING_KEY = 'workbench.pkce';
/** Renew this long before the access token expires. */
const REFRESH_MARGIN_MS = 60_000;

type PendingLogin = { verifier: string; state: string; returnTo: string };

function domain(config: CognitoConfig): string {
  return config.cognito_domain.replace(/\/$/, '');
}

export function authorizeUrl(config: CognitoConfig, challenge: string, state: string): string {
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: config.redirect_uri,
    scope: config.scope ?? 'openid email profile',
    state,
    code_challenge_method: 'S256',
    code_challenge: challenge,
  });
  return `${domain(config)}/oauth2/authorize?${params.toString()}`;
}

export function logoutUrl(config: CognitoConfig): string {
  const params = new URLSearchParams({ client_id: config.client_id, logout_uri: config.redirect_uri });
  return `${domain(config)}/logout?${params.toString()}`;
}

/** Starts a sign-in: remembers the verifier and state, returns the hosted UI address to go to. */
export async function beginLogin(config: CognitoConfig, returnTo = '/'): Promise<string> {
  const verifier = generateCodeVerifier();
  const state = randomState();
  const pending: PendingLogin = { verifier, state, returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  return authorizeUrl(config, await codeChallengeS256(verifier), state);
}

async function tokenRequest(config: CognitoConfig, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(`${domain(config)}/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  if (!response.ok) throw new Error(`Cognito token endpoint answered ${response.status}`);
  return (await response.json()) as TokenResponse;
}

/**
 * Finishes a sign-in on the redirect back: checks the state, trades the code and verifier for
 * tokens. Returns where to go next, or null when the URL carries no authorization response.
 */
export async function completeLogin(config: CognitoConfig, url: URL): Promise<string | null> {
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (!code && !error) return null;
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (error) throw new Error(`Sign-in failed: ${url.searchParams.get('error_description') ?? error}`);
  const pending = raw ? (JSON.parse(raw) as PendingLogin) : null;
  if (!pending || pending.state !== url.searchParams.get('state')) {
    throw new Error('Sign-in response does not match the request that started it; please sign in again.');
  }
  const body = await tokenRequest(config, {
    grant_type: 'authorization_code',
    client_id: config.client_id,
    code: code!,
    redirect_uri: config.redirect_uri,
    code_verifier: pending.verifier,
  });
  setTokens(tokensFromResponse(body));
  return pending.returnTo;
}

let inflight: Promise<boolean> | null = null;

/** Renews the access token with the refresh token; false when there is none or it was refused. */
export function refreshTokens(config: CognitoConfig): Promise<boolean> {
  const current = tokenStore.get();
  if (!current?.refreshToken) return Promise.resolve(false);
  inflight ??= tokenRequest(config, {
    grant_type: 'refresh_token',
    client_id: config.client_id,
    refresh_token: current.refreshToken,
  })
    .then((body) => {
      setTokens(tokensFromResponse(body, Date.now(), current.refreshToken));
      return true;
    })
    .catch(() => false)
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

/** Silent renewal ahead of expiry, called before each API request. */
export async function refreshIfExpiring(config: CognitoConfig, now = Date.now()): Promise<void> {
  const current = tokenStore.get();
  if (current?.refreshToken && current.expiresAt - now < REFRESH_MARGIN_MS) await refreshTokens(config);
}
