// The tests' own HS256 token for calling the api directly (the same format the frontend's lib/token.ts makes).
import { createHmac } from 'node:crypto';

export function signToken(secret, subject, ttlSeconds = 600) {
  const now = Math.floor(Date.now() / 1000);
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${enc({ alg: 'HS256', typ: 'JWT' })}.${enc({ sub: subject, iat: now, exp: now + ttlSeconds })}`;
  return `${head}.${createHmac('sha256', secret).update(head).digest('base64url')}`;
}
