// Where the api is and which client the frontend is; read on the server only, never sent to the browser.

export interface ApiConfig {
  baseUrl: string;
  // A client of the api's token endpoint (POST /api/v1/auth/token): the operator renders these from the
  // `frontend` key of the Platform's <name>-api-clients Secret.
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

export type ConfigResult = { ok: true; config: ApiConfig } | { ok: false; problem: string };

// The api refuses shorter client secrets at start-up (app/server/clients.hpp kMinClientSecretBytes).
const kMinClientSecretBytes = 16;

export function readApiConfig(env: Record<string, string | undefined>): ConfigResult {
  const baseUrl = (env.API_BASE_URL ?? env.API_URL ?? '').replace(/\/+$/, '');
  if (!baseUrl) return { ok: false, problem: 'API_BASE_URL is not set' };
  if (!/^https?:\/\//.test(baseUrl)) return { ok: false, problem: 'API_BASE_URL must start with http:// or https://' };
  const clientSecret = env.API_CLIENT_SECRET ?? '';
  if (!clientSecret) return { ok: false, problem: 'API_CLIENT_SECRET is not set' };
  if (clientSecret.length < kMinClientSecretBytes)
    return { ok: false, problem: `API_CLIENT_SECRET must be at least ${kMinClientSecretBytes} bytes long` };
  const timeout = Number(env.API_TIMEOUT_MS ?? '15000');
  return {
    ok: true,
    config: {
      baseUrl,
      clientId: env.API_CLIENT_ID || 'frontend',
      clientSecret,
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 15000,
    },
  };
}
