/** @jest-environment node */
import { describe, expect, it } from '@jest/globals';
import { createHmac } from 'node:crypto';
import { signToken } from '@/lib/token';
import { readApiConfig } from '@/lib/config';

describe('signToken', () => {
  it('makes an HS256 JWT with sub, iat and exp that verifies with the secret', () => {
    const secret = 'a-secret-of-at-least-16-bytes';
    const t = signToken(secret, 'frontend', 1_700_000_000, 300);
    const [h, p, s] = t.split('.');
    expect(JSON.parse(Buffer.from(h, 'base64url').toString())).toEqual({ alg: 'HS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(p, 'base64url').toString())).toEqual({
      sub: 'frontend',
      iat: 1_700_000_000,
      exp: 1_700_000_300,
    });
    expect(s).toBe(createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url'));
    // Only the compact-JWS alphabet: the api refuses anything else before decoding.
    expect(t).toMatch(/^[A-Za-z0-9_.-]+$/);
  });
});

describe('readApiConfig', () => {
  it('needs a base URL and a credential', () => {
    expect(readApiConfig({})).toEqual({ ok: false, problem: 'API_BASE_URL is not set' });
    expect(readApiConfig({ API_BASE_URL: 'http://api:8000' })).toMatchObject({ ok: false });
    expect(readApiConfig({ API_BASE_URL: 'http://api:8000', API_SECRET_KEY: 'short' })).toMatchObject({ ok: false });
  });
  it('trims the trailing slash and defaults the subject', () => {
    const r = readApiConfig({ API_BASE_URL: 'http://api:8000/', API_SECRET_KEY: '0123456789abcdef' });
    expect(r).toEqual({
      ok: true,
      config: { baseUrl: 'http://api:8000', secretKey: '0123456789abcdef', token: undefined, subject: 'frontend', timeoutMs: 15000 },
    });
  });
  it('accepts a ready-made token instead of the secret', () => {
    const r = readApiConfig({ API_BASE_URL: 'https://gw.example', API_TOKEN: 'a.b.c', API_SUBJECT: 'ui' });
    expect(r).toMatchObject({ ok: true, config: { token: 'a.b.c', subject: 'ui' } });
  });
});
