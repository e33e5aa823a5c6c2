// Where the api is and which client the frontend is; read on the server only, never sent to the browser.
import { readFileSync } from 'node:fs';

export interface ApiConfig {
  baseUrl: string;
  // A client of the api's token endpoint (POST /api/v1/auth/token). Its secret is a file
  // (API_CLIENT_SECRET_FILE: the operator mounts the `frontend` key of the Platform's <name>-api-clients
  // Secret there, and rotates it in place) read at every token exchange, or, for a frontend run by hand,
  // a fixed value (API_CLIENT_SECRET). The file wins when both are set.
  clientId: string;
  clientSecret: string;
  clientSecretFile?: string;
  timeoutMs: number;
}

export type SecretResult = { ok: true; secret: string } | { ok: false; problem: string };

export type ConfigResult = { ok: true; config: ApiConfig } | { ok: false; problem: string };

// The api refuses shorter client secrets at start-up (app/server/clients.hpp kMinClientSecretBytes).
const kMinClientSecretBytes = 16;

export function readApiConfig(env: Record<string, string | undefined>): ConfigResult {
  const baseUrl = (env.API_BASE_URL ?? env.API_URL ?? '').replace(/\/+$/, '');
  if (!baseUrl) return { ok: false, problem: 'API_BASE_URL is not set' };
  if (!/^https?:\/\//.test(baseUrl)) return { ok: false, problem: 'API_BASE_URL must start with http:// or https://' };
  const clientSecretFile = env.API_CLIENT_SECRET_FILE || undefined;
  const clientSecret = clientSecretFile ? '' : (env.API_CLIENT_SECRET ?? '');
  if (!clientSecretFile) {
    if (!clientSecret) return { ok: false, problem: 'API_CLIENT_SECRET_FILE or API_CLIENT_SECRET is not set' };
    const short = checkSecret(clientSecret, 'API_CLIENT_SECRET');
    if (short) return { ok: false, problem: short };
  }
  const timeout = Number(env.API_TIMEOUT_MS ?? '15000');
  return {
    ok: true,
    config: {
      baseUrl,
      clientId: env.API_CLIENT_ID || 'frontend',
      clientSecret,
      ...(clientSecretFile ? { clientSecretFile } : {}),
      timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : 15000,
    },
  };
}

function checkSecret(secret: string, source: string): string | undefined {
  if (secret.length < kMinClientSecretBytes) return `${source} must be at least ${kMinClientSecretBytes} bytes long`;
  return undefined;
}

// The secret as it is now: the file is read anew each time (a trailing newline is not part of it), so a
// rotated Secret takes effect at the next token exchange. Never logged.
export function readClientSecret(config: ApiConfig): SecretResult {
  if (!config.clientSecretFile) return { ok: true, secret: config.clientSecret };
  let secret: string;
  try {
    secret = readFileSync(config.clientSecretFile, 'utf8').replace(/[\r\n]+$/, '');
  } catch (e) {
    return { ok: false, problem: `API_CLIENT_SECRET_FILE ${config.clientSecretFile} cannot be read: ${(e as NodeJS.ErrnoException).code ?? 'error'}` };
  }
  const short = checkSecret(secret, `the secret in API_CLIENT_SECRET_FILE ${config.clientSecretFile}`);
  return short ? { ok: false, problem: short } : { ok: true, secret };
}
