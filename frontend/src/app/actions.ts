'use server';
// Server actions: the browser posts the form here; the api is called from the server with its credential.
import { redirect } from 'next/navigation';
import { apiRequest } from '@/lib/api';
import { plainMessage } from '@/lib/errors';
import type { SuggestionsResult } from '@/lib/types';
import type { SubmitState, SuggestionsState } from '@/lib/states';
import { isAuditId } from '@/lib/states';

export async function submitAudit(_prev: SubmitState, form: FormData): Promise<SubmitState> {
  const pasted = form.get('html');
  const file = form.get('file');
  let html = typeof pasted === 'string' ? pasted : '';
  // Not `instanceof File`: Node 18 (Debian bookworm's, which the local image runs) has no global File.
  if (file !== null && typeof file !== 'string' && file.size > 0) {
    if (html.trim() !== '') return { error: 'Paste HTML or choose a file, not both.' };
    html = await file.text();
  }
  if (html.trim() === '') return { error: 'Paste some HTML or choose an HTML file to audit.' };
  const res = await apiRequest<{ id: string }>('/api/v1/audits', { method: 'POST', body: { html } });
  if (!res.ok) return { error: plainMessage(res.failure) };
  // redirect() ends the action by throwing; it must stay outside any try/catch.
  redirect(`/audits/${encodeURIComponent(res.data.id)}`);
}

export async function requestSuggestions(auditId: string): Promise<SuggestionsState> {
  if (!isAuditId(auditId)) return { kind: 'error', message: 'There is no audit with that id.' };
  const res = await apiRequest<SuggestionsResult>(`/api/v1/audits/${auditId}/suggestions`, { method: 'POST', body: {} });
  if (!res.ok) {
    const kind = res.failure.code === 'ai_disabled' ? 'unavailable' : 'error';
    return { kind, message: plainMessage(res.failure) };
  }
  return { kind: 'ok', result: res.data };
}
