// Turns the api's health answers into table rows a person can read.

export const healthEndpoints = [
  { path: '/health', name: 'Overall' },
  { path: '/health/live', name: 'Liveness' },
  { path: '/health/ready', name: 'Readiness' },
  { path: '/health/database', name: 'Database' },
  { path: '/health/redis', name: 'Redis cache' },
  { path: '/health/ml-models', name: 'ML models' },
  { path: '/health/ai-agents', name: 'AI agents' },
] as const;

export type HealthState = 'up' | 'down' | 'other';

export interface HealthRow {
  name: string;
  path: string;
  status: string; // the api's own word (up, healthy, degraded, disabled, ...) or "unreachable"
  state: HealthState;
  details: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

function stateOf(status: string, http: number): HealthState {
  if (['up', 'healthy', 'ready', 'alive'].includes(status) && http === 200) return 'up';
  if (['down', 'not ready', 'unreachable'].includes(status) || http >= 500 || http === 0) return 'down';
  return 'other';
}

export function describeProbe(name: string, path: string, http: number, body: unknown): HealthRow {
  if (http === 0) return { name, path, status: 'unreachable', state: 'down', details: 'the api did not answer' };
  const b = isObj(body) ? body : {};
  const status = str(b.status) || `HTTP ${http}`;
  const details: string[] = [];
  if (path === '/health') {
    if (b.version) details.push(`version ${str(b.version)}`);
    if (isObj(b.checks)) {
      for (const [k, v] of Object.entries(b.checks)) if (isObj(v)) details.push(`${k} ${str(v.status)}`);
    }
  }
  if (isObj(b.pool)) {
    const p = b.pool;
    details.push(`pool: ${str(p.open)} open of ${str(p.size)}, ${str(p.inUse)} in use, ${str(p.waiting)} waiting`);
  }
  if ('migrated' in b) details.push(b.migrated ? 'schema migrated' : 'schema not migrated');
  if ('bypassedOperations' in b) details.push(`${str(b.bypassedOperations)} operations bypassed the cache`);
  if (Array.isArray(b.models)) details.push(b.models.map((m) => (isObj(m) ? `${str(m.name)} ${str(m.version)}` : '')).join(', '));
  if (b.provider) details.push(`provider ${str(b.provider)}${b.model ? ` (${str(b.model)})` : ''}`);
  if (b.circuit) details.push(`circuit ${str(b.circuit)}`);
  if (b.reason) details.push(str(b.reason));
  if (Array.isArray(b.reasons)) details.push(b.reasons.map(str).join('; '));
  if (b.error) details.push(str(b.error));
  return { name, path, status, state: stateOf(status, http), details: details.filter(Boolean).join('; ') };
}
