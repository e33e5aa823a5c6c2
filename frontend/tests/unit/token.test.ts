/** @jest-environment node */
// The token exchange against a real HTTP server on loopback that answers as platform-api's token
// endpoint does (app/server/clients.cpp): Basic credentials, a form body, {access_token, token_type, expires_in}.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { basicCredentials, refreshMarginSeconds, TokenSource } from '@/lib/token';
import { readApiConfig, type ApiConfig } from '@/lib/config';

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

let server: Server;
let baseUrl: string;
let seen: Seen[];
// What the next exchanges answer: status and body.
let answer: { status: number; body: unknown; delayMs?: number; bare?: boolean };
// When set, only this client secret gets a token (others: 401 invalid_client), and onRequest runs first.
let acceptSecret: string | undefined;
let onRequest: ((secret: string) => void) | undefined;

function secretOf(authorization: string | undefined): string {
  const decoded = Buffer.from((authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
  return decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1).replace(/\+/g, ' '));
}
let issued = 0;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.on('data', (c) => (s += c));
    req.on('end', () => resolve(s));
  });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    const secret = secretOf(req.headers.authorization);
    onRequest?.(secret);
    if (acceptSecret !== undefined && secret !== acceptSecret) {
      res.writeHead(401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'invalid_client', message: 'unknown client or wrong client secret' } }));
      return;
    }
    const b = answer.status === 200 && !answer.bare ? { ...(answer.body as object), access_token: `token-${++issued}` } : answer.body;
    res.writeHead(answer.status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(b));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  jest.spyOn(console, 'error').mockImplementation(() => {}); // the failures it logs are the point here
  seen = [];
  answer = { status: 200, body: { token_type: 'Bearer', expires_in: 900 } };
  acceptSecret = undefined;
  onRequest = undefined;
});

function config(over: Partial<ApiConfig> = {}): ApiConfig {
  return { baseUrl, clientId: 'frontend', clientSecret: 's3cret with spaces&symbols:', timeoutMs: 5000, ...over };
}

describe('TokenSource', () => {
  it('exchanges the client credential with Basic auth and a client_credentials grant', async () => {
    const r = await new TokenSource().token(config());
    expect(r).toEqual({ ok: true, token: expect.stringMatching(/^token-\d+$/) });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/api/v1/auth/token',
      contentType: 'application/x-www-form-urlencoded',
      body: 'grant_type=client_credentials',
    });
    // Form-encoded before Base64, as RFC 6749 §2.3.1 and the api's parser want.
    const decoded = Buffer.from(seen[0].authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(decoded).toBe('frontend:s3cret+with+spaces%26symbols%3A');
  });

  it('reuses the token until shortly before it expires, then exchanges again', async () => {
    let now = 1_000_000;
    const source = new TokenSource(undefined, () => now);
    const first = await source.token(config());
    now += (900 - 61) * 1000;
    expect(await source.token(config())).toEqual(first);
    expect(seen).toHaveLength(1);
    now += 2000; // inside the last minute
    const second = await source.token(config());
    expect(second).not.toEqual(first);
    expect(seen).toHaveLength(2);
  });

  it('shares one exchange among concurrent requests', async () => {
    answer.delayMs = 100;
    const source = new TokenSource();
    const all = await Promise.all([1, 2, 3, 4, 5].map(() => source.token(config())));
    expect(new Set(all.map((r) => (r.ok ? r.token : 'failed'))).size).toBe(1);
    expect(seen).toHaveLength(1);
  });

  it('a changed secret (a rotated Secret) gets a token of its own', async () => {
    const source = new TokenSource();
    const a = await source.token(config());
    const b = await source.token(config({ clientSecret: 'another-secret-of-16+' }));
    expect(a).not.toEqual(b);
    expect(seen).toHaveLength(2);
  });

  it('an invalidated token is exchanged anew; invalidating an older one changes nothing', async () => {
    const source = new TokenSource();
    const a = await source.token(config());
    source.invalidate('token-that-was-never-issued');
    expect(await source.token(config())).toEqual(a);
    if (a.ok) source.invalidate(a.token);
    expect(await source.token(config())).not.toEqual(a);
    expect(seen).toHaveLength(2);
  });

  it.each([
    [401, { error: { code: 'invalid_client', message: 'unknown client or wrong client secret' } }, 'invalid_client'],
    [429, { error: { code: 'rate_limited', message: 'too many authentication requests' } }, 'rate_limited'],
    [503, { error: { code: 'overloaded', message: 'busy' } }, 'overloaded'],
  ])('a %i from the token endpoint is a failure with its code, and nothing is cached', async (status, body, code) => {
    answer = { status, body };
    const source = new TokenSource();
    expect(await source.token(config())).toEqual({ ok: false, failure: { status, code, detail: expect.any(String) } });
    answer = { status: 200, body: { token_type: 'Bearer', expires_in: 900 } };
    expect(await source.token(config())).toMatchObject({ ok: true });
    expect(seen).toHaveLength(2);
  });

  it('a 200 without a bearer token is not taken for one', async () => {
    for (const body of [
      {},
      { access_token: '', token_type: 'Bearer', expires_in: 900 },
      { access_token: 'x', token_type: 'mac', expires_in: 900 },
      { access_token: 'x', token_type: 'Bearer', expires_in: 0 },
      { access_token: 'x', token_type: 'Bearer' },
    ]) {
      answer = { status: 200, body, bare: true };
      expect(await new TokenSource().token(config())).toEqual({ ok: false, failure: { status: 502, code: 'invalid_token_response' } });
    }
  });

  it('an api that cannot be reached is status 0', async () => {
    const r = await new TokenSource().token(config({ baseUrl: 'http://127.0.0.1:1' }));
    expect(r).toEqual({ ok: false, failure: { status: 0, code: 'unreachable' } });
  });
});

describe('refreshMarginSeconds', () => {
  it('is a minute, or a fifth of a short lifetime', () => {
    expect(refreshMarginSeconds(900)).toBe(60);
    expect(refreshMarginSeconds(60)).toBe(12);
  });
});

describe('basicCredentials', () => {
  it('is Basic base64(id:secret)', () => {
    expect(basicCredentials('frontend', 'abc')).toBe(`Basic ${Buffer.from('frontend:abc').toString('base64')}`);
  });
});

describe('readApiConfig', () => {
  it('needs a base URL and a client secret of at least 16 bytes', () => {
    expect(readApiConfig({})).toEqual({ ok: false, problem: 'API_BASE_URL is not set' });
    expect(readApiConfig({ API_BASE_URL: 'ftp://api' })).toMatchObject({ ok: false });
    expect(readApiConfig({ API_BASE_URL: 'http://api:8000' })).toEqual({
      ok: false,
      problem: 'API_CLIENT_SECRET_FILE or API_CLIENT_SECRET is not set',
    });
    expect(readApiConfig({ API_BASE_URL: 'http://api:8000', API_CLIENT_SECRET: 'short' })).toMatchObject({ ok: false });
  });
  it('trims the trailing slash and defaults the client id to frontend', () => {
    const r = readApiConfig({ API_BASE_URL: 'http://api:8000/', API_CLIENT_SECRET: '0123456789abcdef' });
    expect(r).toEqual({
      ok: true,
      config: { baseUrl: 'http://api:8000', clientId: 'frontend', clientSecret: '0123456789abcdef', timeoutMs: 15000 },
    });
  });
  it('prefers the secret file, and leaves reading it to the token exchange', () => {
    const r = readApiConfig({ API_BASE_URL: 'http://api:8000', API_CLIENT_SECRET_FILE: '/etc/c/frontend', API_CLIENT_SECRET: 'short' });
    expect(r).toEqual({
      ok: true,
      config: { baseUrl: 'http://api:8000', clientId: 'frontend', clientSecret: '', clientSecretFile: '/etc/c/frontend', timeoutMs: 15000 },
    });
  });
  it('takes the client id from API_CLIENT_ID', () => {
    const r = readApiConfig({ API_BASE_URL: 'https://gw.example', API_CLIENT_ID: 'ui', API_CLIENT_SECRET: '0123456789abcdef' });
    expect(r).toMatchObject({ ok: true, config: { clientId: 'ui' } });
  });
});

describe('a secret file that the operator rotates', () => {
  let dir: string;
  let file: string;
  const oldSecret = 'old-secret-0123456789abcdef';
  const newSecret = 'new-secret-0123456789abcdef';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'frontend-client-'));
    file = join(dir, 'frontend');
    writeFileSync(file, `${oldSecret}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const fileConfig = () => config({ clientSecret: '', clientSecretFile: file });

  it('is read at every exchange; the cached token outlives a rotation', async () => {
    acceptSecret = oldSecret;
    const source = new TokenSource();
    const first = await source.token(fileConfig());
    expect(first).toMatchObject({ ok: true });
    expect(secretOf(seen[0].authorization)).toBe(oldSecret); // without the file's trailing newline
    writeFileSync(file, newSecret);
    acceptSecret = newSecret;
    expect(await source.token(fileConfig())).toEqual(first); // signed with the api's key, not the secret
    expect(seen).toHaveLength(1);
    if (first.ok) source.invalidate(first.token);
    expect(await source.token(fileConfig())).toMatchObject({ ok: true });
    expect(seen).toHaveLength(2);
    expect(secretOf(seen[1].authorization)).toBe(newSecret);
  });

  it('a 401 after the file changed under the exchange is retried once with the new secret', async () => {
    // The api has already retired the old secret, and the kubelet swaps the file while the request is out.
    acceptSecret = newSecret;
    onRequest = (secret) => {
      if (secret === oldSecret) writeFileSync(file, newSecret);
    };
    expect(await new TokenSource().token(fileConfig())).toMatchObject({ ok: true });
    expect(seen.map((r) => secretOf(r.authorization))).toEqual([oldSecret, newSecret]);
  });

  it('a 401 with an unchanged file is the answer: no second request', async () => {
    acceptSecret = newSecret;
    expect(await new TokenSource().token(fileConfig())).toEqual({
      ok: false,
      failure: { status: 401, code: 'invalid_client', detail: expect.any(String) },
    });
    expect(seen).toHaveLength(1);
  });

  it('a missing or short file is not configured, and nothing is sent', async () => {
    writeFileSync(file, 'short\n');
    expect(await new TokenSource().token(fileConfig())).toEqual({ ok: false, failure: { status: 0, code: 'not_configured' } });
    rmSync(file);
    expect(await new TokenSource().token(fileConfig())).toEqual({ ok: false, failure: { status: 0, code: 'not_configured' } });
    expect(seen).toHaveLength(0);
  });
});
