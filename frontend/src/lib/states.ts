import type { SuggestionsResult } from './types';

export interface SubmitState {
  error?: string;
}

export type SuggestionsState =
  | { kind: 'idle' }
  | { kind: 'ok'; result: SuggestionsResult }
  | { kind: 'unavailable'; message: string }
  | { kind: 'error'; message: string };

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function isAuditId(id: string): boolean {
  return uuid.test(id);
}
