/** @jest-environment node */
import { describe, expect, it } from '@jest/globals';
import { failureFromBody, plainMessage } from '@/lib/errors';

describe('plainMessage', () => {
  it.each([
    [401, 'invalid_token', /refused the frontend.s credential/],
    [401, 'invalid_client', /refused the frontend.s credential/],
    [502, 'ai_upstream_error', /AI provider failed/],
    [502, 'ai_bad_output', /AI provider answered with something unusable/],
    [502, 'unknown', /cannot be reached/],
    [413, 'payload_too_large', /too large to audit/],
    [429, 'rate_limited', /Too many requests/],
    [503, 'database_unavailable', /database is unavailable/],
    [503, 'overloaded', /busy/],
    [503, 'ai_disabled', /no AI provider is configured/],
    [503, 'something_new', /temporarily unavailable/],
    [0, 'unreachable', /cannot be reached/],
    [404, 'audit_not_found', /no audit with that id/],
  ])('status %i code %s', (status, code, expected) => {
    expect(plainMessage({ status, code })).toMatch(expected);
  });

  it('keeps the api message for a bad request, and never shows internals for a 500', () => {
    expect(plainMessage({ status: 400, code: 'invalid_field', detail: '"html" must not be empty' })).toContain(
      '"html" must not be empty',
    );
    expect(plainMessage({ status: 500, code: 'internal', detail: 'pqxx broke' })).not.toContain('pqxx');
  });
});

describe('failureFromBody', () => {
  it('reads the api error body', () => {
    expect(failureFromBody(413, { error: { code: 'body_too_large', message: 'too big', requestId: 'x' } })).toEqual({
      status: 413,
      code: 'body_too_large',
      detail: 'too big',
    });
  });
  it('copes with a body that is not the api one (an nginx page)', () => {
    expect(failureFromBody(429, undefined)).toEqual({ status: 429, code: 'unknown' });
    expect(failureFromBody(502, '<html>')).toEqual({ status: 502, code: 'unknown' });
  });
});
