// HS256 JSON Web Tokens as platform-api verifies them (app/server/auth.cpp): header {alg HS256, typ JWT},
// claims sub, iat, exp; the api allows 30 s of clock leeway.
import { createHmac } from 'node:crypto';

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

export function signToken(secret: string, subject: string, nowSeconds: number, ttlSeconds: number): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ sub: subject, iat: nowSeconds, exp: nowSeconds + ttlSeconds }));
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
