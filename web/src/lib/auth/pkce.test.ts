import { base64UrlEncode, codeChallengeS256, generateCodeVerifier, randomState } from './pkce';

describe('PKCE', () => {
  it('derives the S256 challenge of RFC 7636 appendix B', async () => {
    // The verifier and challenge printed in RFC 7636, Appendix B.
    expect(await codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('encodes base64url without padding or + and /', () => {
    expect(base64UrlEncode(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe('-_-_');
    expect(base64UrlEncode(new Uint8Array([0x61]))).toBe('YQ');
    expect(base64UrlEncode(new Uint8Array([]))).toBe('');
  });

  it('makes verifiers of unreserved characters, of the asked length, different each time', () => {
    const a = generateCodeVerifier();
    const b = generateCodeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{64}$/);
    expect(a).not.toBe(b);
    expect(generateCodeVerifier(43)).toHaveLength(43);
    expect(generateCodeVerifier(128)).toHaveLength(128);
  });

  it('refuses verifier lengths outside 43..128', () => {
    expect(() => generateCodeVerifier(42)).toThrow(RangeError);
    expect(() => generateCodeVerifier(129)).toThrow(RangeError);
  });

  it('uses every character of the alphabet over many draws', () => {
    const seen = new Set(Array.from({ length: 40 }, () => generateCodeVerifier(128)).join(''));
    expect(seen.size).toBe(66);
  });

  it('gives a 43-character challenge and a url-safe state', async () => {
    expect(await codeChallengeS256(generateCodeVerifier())).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomState()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});
