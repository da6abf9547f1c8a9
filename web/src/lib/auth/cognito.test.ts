import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import type { CognitoConfig } from '../api-types';
import { authorizeUrl, beginLogin, completeLogin, logoutUrl, refreshIfExpiring, refreshTokens } from './cognito';
import { codeChallengeS256 } from './pkce';
import { setTokens, tokenStore } from './token-store';

const config: CognitoConfig = {
  auth: 'cognito',
  cognito_domain: 'https://workbench.auth.eu-west-1.amazoncognito.com',
  client_id: 'client-123',
  redirect_uri: 'https://workbench.example/',
  api_base: '',
};
const TOKEN_URL = 'https://workbench.auth.eu-west-1.amazoncognito.com/oauth2/token';

describe('Cognito hosted UI', () => {
  it('builds the authorize address with code flow and S256 PKCE', () => {
    const url = new URL(authorizeUrl(config, 'challenge-abc', 'state-xyz'));
    expect(url.origin + url.pathname).toBe('https://workbench.auth.eu-west-1.amazoncognito.com/oauth2/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'client-123',
      redirect_uri: 'https://workbench.example/',
      scope: 'openid email profile',
      state: 'state-xyz',
      code_challenge_method: 'S256',
      code_challenge: 'challenge-abc',
    });
  });

  it('signs out through the logout endpoint back to the app', () => {
    const url = new URL(logoutUrl(config));
    expect(url.pathname).toBe('/logout');
    expect(url.searchParams.get('client_id')).toBe('client-123');
    expect(url.searchParams.get('logout_uri')).toBe('https://workbench.example/');
  });

  it('trades the code and the remembered verifier for tokens', async () => {
    const start = new URL(await beginLogin(config, '/review'));
    const state = start.searchParams.get('state')!;
    let form: URLSearchParams | null = null;
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        form = new URLSearchParams(await request.text());
        return HttpResponse.json({ access_token: 'at-1', refresh_token: 'rt-1', id_token: 'id-1', expires_in: 3600, token_type: 'Bearer' });
      }),
    );
    const next = await completeLogin(config, new URL(`https://workbench.example/?code=the-code&state=${state}`));
    expect(next).toBe('/review');
    expect(form!.get('grant_type')).toBe('authorization_code');
    expect(form!.get('code')).toBe('the-code');
    expect(form!.get('client_id')).toBe('client-123');
    expect(form!.get('redirect_uri')).toBe('https://workbench.example/');
    // The verifier sent is the one whose challenge went to the authorize endpoint.
    expect(await codeChallengeS256(form!.get('code_verifier')!)).toBe(start.searchParams.get('code_challenge'));
    expect(tokenStore.get()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
  });

  it('rejects a response whose state does not match', async () => {
    await beginLogin(config);
    await expect(completeLogin(config, new URL('https://workbench.example/?code=c&state=forged'))).rejects.toThrow(/does not match/);
    expect(tokenStore.get()).toBeNull();
  });

  it('ignores an address without an authorization response', async () => {
    expect(await completeLogin(config, new URL('https://workbench.example/queue'))).toBeNull();
  });

  it('renews silently with the refresh token, keeping it when Cognito sends none back', async () => {
    setTokens({ accessToken: 'old', expiresAt: Date.now() + 10_000, refreshToken: 'rt-1' });
    let grant: string | null = null;
    server.use(
      http.post(TOKEN_URL, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        grant = `${form.get('grant_type')}:${form.get('refresh_token')}`;
        return HttpResponse.json({ access_token: 'new', expires_in: 3600, token_type: 'Bearer' });
      }),
    );
    await refreshIfExpiring(config);
    expect(grant).toBe('refresh_token:rt-1');
    expect(tokenStore.get()).toMatchObject({ accessToken: 'new', refreshToken: 'rt-1' });
  });

  it('does not renew a token far from expiry', async () => {
    setTokens({ accessToken: 'fresh', expiresAt: Date.now() + 30 * 60_000, refreshToken: 'rt-1' });
    await refreshIfExpiring(config); // no handler: a request would fail the test
    expect(tokenStore.get()?.accessToken).toBe('fresh');
  });

  it('reports a refused refresh', async () => {
    setTokens({ accessToken: 'old', expiresAt: Date.now(), refreshToken: 'revoked' });
    server.use(http.post(TOKEN_URL, () => HttpResponse.json({ error: 'invalid_grant' }, { status: 400 })));
    expect(await refreshTokens(config)).toBe(false);
  });
});
