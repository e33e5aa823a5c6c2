// The server side's client of platform-api. Only server components, server actions and route handlers
// import this: the credential it reads from the environment never reaches the browser.
import { readApiConfig } from './config';
import { failureFromBody, type ApiFailure } from './errors';
import { TokenSource } from './token';

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; failure: ApiFailure };

// One per server process: every request of every user shares the frontend's token.
const tokens = new TokenSource();

type Init = { method?: 'GET' | 'POST'; body?: unknown; auth?: boolean };

export async function apiRequest<T>(path: string, init: Init = {}): Promise<ApiResult<T>> {
  const read = readApiConfig(process.env);
  if (!read.ok) {
    console.error(`frontend: the api is not configured: ${read.problem}`);
    return { ok: false, failure: { status: 0, code: 'not_configured' } };
  }
  const config = read.config;
  // A token the api refuses is exchanged once more (the api's signing key may have rotated under it);
  // a second refusal is the answer.
  for (let attempt = 1; ; ++attempt) {
    let token: string | undefined;
    if (init.auth !== false) {
      const t = await tokens.token(config);
      if (!t.ok) return t;
      token = t.token;
    }
    const res = await send<T>(config.baseUrl, config.timeoutMs, path, init, token);
    if (!res.ok && res.failure.status === 401 && token !== undefined && attempt === 1) {
      tokens.invalidate(token);
      continue;
    }
    return res;
  }
}

async function send<T>(baseUrl: string, timeoutMs: number, path: string, init: Init, token?: string): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${baseUrl}${path}`, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
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
