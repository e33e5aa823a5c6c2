'use client';
import { useState, useTransition } from 'react';
import type { SuggestionsState } from '@/lib/states';

interface Props {
  auditId: string;
  request: (auditId: string) => Promise<SuggestionsState>;
}

export default function SuggestionsPanel({ auditId, request }: Props) {
  const [state, setState] = useState<SuggestionsState>({ kind: 'idle' });
  const [pending, startTransition] = useTransition();
  const ask = () =>
    startTransition(async () => {
      try {
        setState(await request(auditId));
      } catch {
        setState({ kind: 'error', message: 'The request for suggestions failed. Try again later.' });
      }
    });
  return (
    <section aria-labelledby="suggestions-heading">
      <h2 id="suggestions-heading">AI suggestions</h2>
      <p>Ask the platform&apos;s AI provider how to fix the findings (the first 20 are sent).</p>
      <button type="button" onClick={ask} disabled={pending}>
        {pending ? 'Asking\u2026' : 'Get AI suggestions'}
      </button>
      <div aria-live="polite">
        {state.kind === 'unavailable' ? <p className="notice">{state.message}</p> : null}
        {state.kind === 'error' ? (
          <p className="alert" role="alert">
            {state.message}
          </p>
        ) : null}
        {state.kind === 'ok' ? (
          state.result.suggestions.length === 0 ? (
            <p className="notice">There are no findings to suggest fixes for.</p>
          ) : (
            <>
              <p>
                From {state.result.provider} ({state.result.model}):
              </p>
              <ol>
                {state.result.suggestions.map((s, i) => (
                  <li key={i}>
                    <strong>{s.ruleId}</strong> at <code>{s.selector}</code>: {s.suggestion}
                  </li>
                ))}
              </ol>
            </>
          )
        ) : null}
      </div>
    </section>
  );
}
