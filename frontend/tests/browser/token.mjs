// The tests' own bearer token for calling the api: a client credential exchanged at the token endpoint
// (POST /api/v1/auth/token), as the frontend's server does it.
export async function clientToken(apiUrl, { id, secret }) {
  const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
  const res = await fetch(`${apiUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST ${apiUrl}/api/v1/auth/token -> ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text).access_token;
}
