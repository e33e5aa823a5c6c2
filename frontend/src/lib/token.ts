// The frontend's bearer token: its client credential exchanged at the api's token endpoint
// (POST /api/v1/auth/token, grant_type=client_credentials, RFC 6749 §4.4) for a short-lived JWT, kept in
// this server process until shortly before it expires. Neither the secret nor the token leaves the server.
import { readClientSecret, type ApiConfig } from './config';
import { failureFromBody, type ApiFailure } from './errors';

export const kTokenPath = '/api/v1/auth/token';

export type TokenResult = { ok: true; token: string } | { ok: false; failure: ApiFailure };

type Fetch = (url: string, init: RequestInit) => Promise<Response>;

// RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and Base64-encoded.
export function basicCredentials(id: string, secret: string): string {
  const form = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`;
}

// How long before its expiry a token is replaced: a minute, or a fifth of a short lifetime, so that a
// request never leaves with a token that expires on the way (the api allows 30 s of clock leeway).
export function refreshMarginSeconds(expiresIn: number): number {
  return Math.min(60, Math.floor(expiresIn / 5));
}

export class TokenSource {
  private cached?: { key: string; token: string; refreshAt: number };
  private pending?: { key: string; promise: Promise<TokenResult> };

  constructor(
    private readonly fetchImpl: Fetch = (url, init) => fetch(url, init),
    private readonly nowMs: () => number = Date.now,
  ) {}

  // A cached token while it is fresh; otherwise one exchange, shared by the requests that wait for it.
  async token(config: ApiConfig): Promise<TokenResult> {
    // A token belongs to the api and the client id it was issued for. It is signed with the api's own key,
    // not with the client secret, so a rotation of the secret file keeps it; a different fixed secret (the
    // environment of a frontend run by hand) is a different credential and does not.
    const key = `${config.baseUrl}\u0000${config.clientId}\u0000${config.clientSecretFile ?? ''}\u0000${config.clientSecret}`;
    if (this.cached && this.cached.key === key && this.nowMs() < this.cached.refreshAt) return { ok: true, token: this.cached.token };
    if (this.pending?.key === key) return this.pending.promise;
    const promise = this.exchange(config, key).finally(() => {
      if (this.pending?.promise === promise) this.pending = undefined;
    });
    this.pending = { key, promise };
    return promise;
  }

  // After the api refused a token (its signing key rotated, a clock jump): the next call exchanges anew.
  invalidate(token: string): void {
    if (this.cached?.token === token) this.cached = undefined;
  }

  private async exchange(config: ApiConfig, key: string): Promise<TokenResult> {
    const started = this.nowMs();
    const secret = readClientSecret(config);
    if (!secret.ok) {
      console.error(`frontend: the api is not configured: ${secret.problem}`);
      return { ok: false, failure: { status: 0, code: 'not_configured' } };
    }
    let sent = await this.post(config, secret.secret);
    // Refused: the file may have been rotated since it was read (the kubelet updates it in place). Read
    // it once more and, if it changed, try once with the new secret; an unchanged secret would be refused
    // again and only spend the token endpoint's rate limit.
    if ('response' in sent && sent.response.status === 401 && config.clientSecretFile) {
      const again = readClientSecret(config);
      if (again.ok && again.secret !== secret.secret) {
        await sent.response.body?.cancel();
        sent = await this.post(config, again.secret);
      }
    }
    if (!('response' in sent)) return sent.failed;
    const res = sent.response;
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    if (!res.ok) {
      const failure = failureFromBody(res.status, body);
      console.error(`frontend: POST ${kTokenPath} -> ${res.status} ${failure.code}`);
      return { ok: false, failure };
    }
    const b = body as { access_token?: unknown; token_type?: unknown; expires_in?: unknown } | undefined;
    const token = b?.access_token;
    const expiresIn = b?.expires_in;
    if (typeof token !== 'string' || token === '' || typeof b?.token_type !== 'string' || b.token_type.toLowerCase() !== 'bearer' ||
        typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      console.error(`frontend: POST ${kTokenPath} answered 200 without a usable bearer token`);
      return { ok: false, failure: { status: 502, code: 'invalid_token_response' } };
    }
    // Counted from when the exchange began: the api's clock started the lifetime no later than that.
    this.cached = { key, token, refreshAt: started + (expiresIn - refreshMarginSeconds(expiresIn)) * 1000 };
    return { ok: true, token };
  }

  private async post(config: ApiConfig, secret: string): Promise<{ response: Response } | { failed: TokenResult }> {
    try {
      return { response: await this.fetchImpl(`${config.baseUrl}${kTokenPath}`, {
        method: 'POST',
        headers: {
          Accept: 'application/json',
          Authorization: basicCredentials(config.clientId, secret),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
        cache: 'no-store',
        signal: AbortSignal.timeout(config.timeoutMs),
      }) };
    } catch (e) {
      console.error(`frontend: POST ${kTokenPath} failed: ${(e as Error).message}`);
      return { failed: { ok: false, failure: { status: 0, code: 'unreachable' } } };
    }
  }
}
