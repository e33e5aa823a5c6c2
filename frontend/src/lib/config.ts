// Where the api is and how the frontend proves who it is; read on the server only, never sent to the browser.

export interface ApiConfig {
  baseUrl: string;
  // HS256 key shared with the api (its SECRET_KEY): the frontend signs short-lived tokens for `subject`.
  secretKey?: string;
  // Or a token issued elsewhere, sent as it is.
  token?: string;
  subject: string;
  timeoutMs: number;
}

export type ConfigResult = { ok: true; config: ApiConfig } | { ok: false; problem: string };

export function readApiConfig(env: Record<string, string | undefined>): ConfigResult {
  const baseUrl = (env.API_BASE_URL ?? env.API_URL ?? '').replace(/\/+$/, '');
  if (!baseUrl) return { ok: false, problem: 'API_BASE_URL is not set' };
  if (!/^https?:\/\//.test(baseUrl)) return { ok: false, problem: 'API_BASE_URL must start with http:// or https://' };
  const secretKey = env.API_SECRET_KEY || undefined;
  const token = env.API_TOKEN || undefined;
  if (!secretKey && !token) return { ok: false, problem: 'neither API_SECRET_KEY nor API_TOKEN is set' };
  if (secretKey && secretKey.length < 16) return { ok: false, problem: 'API_SECRET_KEY must be at least 16 bytes long' };
  const timeout = Number(env.API_TIMEOUT_MS ?? '15000');
  return {
    ok: true,
    config: {
      baseUrl,
      secretKey,
      token,
      subject: env.API_SUBJECT || 'frontend',
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 15000,
    },
  };
}
