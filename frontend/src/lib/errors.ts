// What a person reads when the api says no. The api's bodies are {"error":{"code","message",...}}; the
// status and the stable code decide the sentence, so a message never leaks internals or credentials.

export interface ApiFailure {
  // 0 when the api could not be reached at all (connection refused, DNS, timeout).
  status: number;
  code: string;
  // The api's own message, kept for the cases where it helps the person (a bad request, unreadable HTML).
  detail?: string;
}

export function plainMessage(f: ApiFailure): string {
  switch (f.status) {
    case 0:
      return f.code === 'not_configured'
        ? 'The frontend is not configured to reach the audit service (API_BASE_URL and a credential are needed).'
        : 'The audit service cannot be reached right now. Try again in a moment.';
    case 400:
    case 422:
      return `The audit service could not use that input${f.detail ? `: ${f.detail}` : '.'}`;
    case 401:
    case 403:
      return 'The audit service refused the frontend\u2019s credential. An administrator needs to check the frontend\u2019s client credential.';
    case 404:
      return f.code === 'audit_not_found' ? 'There is no audit with that id.' : 'The audit service has no such page.';
    case 413:
      return 'That page is too large to audit. Try a smaller file or a part of the page.';
    case 429:
      return 'Too many requests right now. Wait a minute and try again.';
    case 502:
      // The api's own 502 is the AI provider's; any other (a gateway's) is the service's.
      if (f.code === 'ai_upstream_error') return 'The AI provider failed to answer. Try again later.';
      if (f.code === 'ai_bad_output') return 'The AI provider answered with something unusable. Try again.';
      return 'The audit service cannot be reached right now. Try again in a moment.';
    case 503:
      switch (f.code) {
        case 'ai_disabled':
          return 'AI suggestions are not available: no AI provider is configured on this platform.';
        case 'ai_unavailable':
          return 'The AI provider is failing, so suggestions are paused. Try again in a minute.';
        case 'database_unavailable':
          return 'The audit database is unavailable. Try again shortly.';
        case 'overloaded':
          return 'The audit service is busy. Try again in a few seconds.';
        default:
          return 'The audit service is temporarily unavailable. Try again shortly.';
      }
    default:
      return `Something went wrong in the audit service (HTTP ${f.status}). Try again later.`;
  }
}

// Reads {"error":{"code","message"}} out of an error body; anything else keeps only the status.
export function failureFromBody(status: number, body: unknown): ApiFailure {
  if (body && typeof body === 'object' && 'error' in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === 'object') {
      const code = typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'unknown';
      const message = (e as { message?: unknown }).message;
      return { status, code, detail: typeof message === 'string' ? message : undefined };
    }
  }
  return { status, code: 'unknown' };
}
