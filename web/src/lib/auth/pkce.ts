// PKCE (RFC 7636) for the Cognito hosted UI: a random code verifier and its S256 challenge.

const UNRESERVED = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~';

export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A verifier of `length` (43..128) unreserved characters, drawn without modulo bias. */
export function generateCodeVerifier(length = 64): string {
  if (length < 43 || length > 128) throw new RangeError('a PKCE verifier has 43 to 128 characters');
  const out: string[] = [];
  // 66 characters: take bytes below 198 (3 x 66) so every character is equally likely.
  while (out.length < length) {
    const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
    for (const b of bytes) {
      if (b < 198 && out.length < length) out.push(UNRESERVED[b % 66]!);
    }
  }
  return out.join('');
}

export async function codeChallengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

export function randomState(): string {
  return base64UrlEncode(crypto.getRandomValues(new Uint8Array(16)));
}
