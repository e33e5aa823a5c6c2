/** @jest-environment node */
import { describe, expect, it } from '@jest/globals';
import { describeProbe } from '@/lib/health';

describe('describeProbe', () => {
  it('reads the overall answer', () => {
    const r = describeProbe('Overall', '/health', 200, {
      status: 'degraded',
      version: '0.3.0',
      checks: { database: { status: 'up' }, redis: { status: 'down' } },
    });
    expect(r).toMatchObject({ status: 'degraded', state: 'other' });
    expect(r.details).toBe('version 0.3.0; database up; redis down');
  });
  it('a 503 with a body is down and says why', () => {
    const r = describeProbe('Database', '/health/database', 503, {
      status: 'down',
      migrated: false,
      pool: { size: 8, open: 0, inUse: 0, waiting: 0 },
      error: 'connection refused',
    });
    expect(r.state).toBe('down');
    expect(r.details).toContain('connection refused');
    expect(r.details).toContain('schema not migrated');
  });
  it('an api that does not answer is unreachable', () => {
    expect(describeProbe('Liveness', '/health/live', 0, undefined)).toMatchObject({ status: 'unreachable', state: 'down' });
  });
  it('a disabled AI provider is neither up nor down', () => {
    expect(describeProbe('AI agents', '/health/ai-agents', 200, { status: 'disabled', reason: 'no key' })).toMatchObject({
      state: 'other',
      details: 'no key',
    });
  });
});
