// The server side's client of platform-api. Only server components, server actions and route handlers
// import this: the credential it reads from the environment never reaches the browser.
import { readApiConfig, type ApiConfig } from './config';
import { failureFromBody, type ApiFailure } from './errors';
import { signToken } from './token';

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; failure: ApiFailure };

const kTokenTtlSeconds = 300;
let cached: { key: string; token: string; expires: number } | undefined;

function bearer(config: ApiConfig): string {
  if (!config.secretKey) return config.token ?? '';
  const now = Math.floor(Date.now() / 1000);
  const key = `${config.subject}\u0000${config.secretKey}`;
  // Reused until a minute before it expires; a changed secret (a rotated Secret) signs a new one at once.
  if (!cached || cached.key !== key || cached.expires - 60 <= now) {
    cached = { key, token: signToken(config.secretKey, config.subject, now, kTokenTtlSeconds), expires: now + kTokenTtlSeconds };
  }
  return cached.token;
}

export async function apiRequest<T>(
  path: string,
  init: { method?: 'GET' | 'POST'; body?: unknown; auth?: boolean } = {},
): Promise<ApiResult<T>> {
  const read = readApiConfig(process.env);
  if (!read.ok) {
    console.error(`frontend: the api is not configured: ${read.problem}`);
    return { ok: false, failure: { status: 0, code: 'not_configured' } };
  }
  const config = read.config;
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (init.auth !== false) headers.Authorization = `Bearer ${bearer(config)}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${config.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: 'no-store',
      signal: AbortSignal.timeout(config.timeoutMs),
    });
  } catch (e) {
    console.error(`frontend: ${init.method ?? 'GET'} ${path} failed: ${(e as Error).message}`);
    return { ok: false, failure: { status: 0, code: 'unreachable' } };
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const failure = failureFromBody(res.status, body);
    if (res.status >= 500 || res.status === 401) {
      console.error(`frontend: ${init.method ?? 'GET'} ${path} -> ${res.status} ${failure.code}`);
    }
    return { ok: false, failure };
  }
  return { ok: true, status: res.status, data: body as T };
}

// Health endpoints answer 503 with a JSON body that is the point of asking: keep both.
export async function apiProbe(path: string): Promise<{ status: number; body: unknown }> {
  const read = readApiConfig(process.env);
  if (!read.ok) return { status: 0, body: undefined };
  try {
    const res = await fetch(`${read.config.baseUrl}${path}`, {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: AbortSignal.timeout(Math.min(read.config.timeoutMs, 5000)),
    });
    const text = await res.text();
    let body: unknown = undefined;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    return { status: res.status, body };
  } catch {
    return { status: 0, body: undefined };
  }
}
