/** @jest-environment node */
// apiRequest against a real HTTP server on loopback standing in for platform-api's token endpoint and one
// authenticated route: the token is sent as a bearer, reused, and exchanged once more when the api refuses it.
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

let server: Server;
let exchanges = 0;
let bearers: (string | undefined)[] = [];
// Tokens the route accepts; the api's signing key "rotating" empties it.
let valid = new Set<string>();

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('Content-Type', 'application/json');
      if (req.url === '/api/v1/auth/token') {
        const token = `token-${++exchanges}`;
        valid.add(token);
        res.end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 900 }));
        return;
      }
      const auth = req.headers.authorization;
      bearers.push(auth);
      if (!auth || !valid.has(auth.replace(/^Bearer /, ''))) {
        res.writeHead(401).end(JSON.stringify({ error: { code: 'invalid_token', message: 'bad signature' } }));
        return;
      }
      res.end(JSON.stringify({ items: [] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  process.env.API_BASE_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  process.env.API_CLIENT_SECRET = 'a-client-secret-of-32-bytes-long';
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  jest.spyOn(console, 'error').mockImplementation(() => {});
  bearers = [];
});

describe('apiRequest', () => {
  it('sends the exchanged token as a bearer and reuses it', async () => {
    const { apiRequest } = await import('@/lib/api');
    const before = exchanges;
    expect(await apiRequest('/api/v1/audits')).toEqual({ ok: true, status: 200, data: { items: [] } });
    expect(await apiRequest('/api/v1/audits')).toMatchObject({ ok: true });
    expect(exchanges - before).toBeLessThanOrEqual(1);
    expect(bearers).toHaveLength(2);
    expect(bearers[0]).toMatch(/^Bearer token-\d+$/);
    expect(bearers[1]).toBe(bearers[0]);
  });

  it('exchanges again once when the api refuses the token (its key rotated)', async () => {
    const { apiRequest } = await import('@/lib/api');
    await apiRequest('/api/v1/audits');
    valid = new Set();
    bearers = [];
    expect(await apiRequest('/api/v1/audits')).toMatchObject({ ok: true });
    expect(bearers).toHaveLength(2);
    expect(bearers[1]).not.toBe(bearers[0]);
  });

  it('a second refusal is the answer: 401, not a loop', async () => {
    const { apiRequest } = await import('@/lib/api');
    valid = new Set();
    const add = valid.add.bind(valid);
    valid.add = () => valid; // the api refuses every token from now on, the cached one too
    try {
      bearers = [];
      expect(await apiRequest('/api/v1/audits')).toEqual({
        ok: false,
        failure: { status: 401, code: 'invalid_token', detail: 'bad signature' },
      });
      expect(bearers).toHaveLength(2);
    } finally {
      valid.add = add;
    }
  });

  it('is not configured without a client secret', async () => {
    const { apiRequest } = await import('@/lib/api');
    const secret = process.env.API_CLIENT_SECRET;
    delete process.env.API_CLIENT_SECRET;
    try {
      expect(await apiRequest('/api/v1/audits')).toEqual({ ok: false, failure: { status: 0, code: 'not_configured' } });
    } finally {
      process.env.API_CLIENT_SECRET = secret;
    }
  });
});
