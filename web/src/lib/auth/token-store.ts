// The signed-in agent's tokens, kept in sessionStorage: a tab keeps its own sign-in, closing the
// tab forgets it, and sign-out clears it.
import { createStore } from '../store';

export type Tokens = {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  refreshToken?: string;
  idToken?: string;
};

const KEY = 'workbench.tokens';

function load(): Tokens | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Tokens;
    return typeof parsed.accessToken === 'string' ? parsed : null;
  } catch {
    return null;
  }
}

export const tokenStore = createStore<Tokens | null>(load());

tokenStore.subscribe(() => {
  const tokens = tokenStore.get();
  if (tokens) sessionStorage.setItem(KEY, JSON.stringify(tokens));
  else sessionStorage.removeItem(KEY);
});

export function setTokens(tokens: Tokens | null): void {
  tokenStore.set(tokens);
}

export function accessToken(): string | null {
  return tokenStore.get()?.accessToken ?? null;
}

/** Re-read sessionStorage (tests, and another module writing it directly). */
export function reloadTokens(): void {
  tokenStore.set(load());
}

export function tokensFromResponse(
  body: { access_token: string; expires_in: number; refresh_token?: string; id_token?: string },
  now = Date.now(),
  previousRefresh?: string,
): Tokens {
  return {
    accessToken: body.access_token,
    expiresAt: now + body.expires_in * 1000,
    refreshToken: body.refresh_token ?? previousRefresh,
    idToken: body.id_token,
  };
}
