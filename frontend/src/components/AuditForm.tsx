'use client';
import { useActionState } from 'react';
import type { SubmitState } from '@/lib/states';

interface Props {
  action: (prev: SubmitState, form: FormData) => Promise<SubmitState>;
}

// Works without JavaScript too: the form posts to the server action and the answer is a new page.
export default function AuditForm({ action }: Props) {
  const [state, formAction, pending] = useActionState(action, {});
  return (
    <form action={formAction} aria-describedby={state.error ? 'audit-error' : undefined}>
      {state.error ? (
        <div id="audit-error" className="alert" role="alert">
          {state.error}
        </div>
      ) : null}
      <div className="field">
        <label htmlFor="html">HTML to audit</label>
        <p className="hint" id="html-hint">
          Paste a whole page or a fragment. Nothing in it is run; it is only read.
        </p>
        <textarea id="html" name="html" aria-describedby="html-hint" spellCheck={false} />
      </div>
      <div className="field">
        <label htmlFor="file">Or upload an HTML file</label>
        <p className="hint" id="file-hint">
          An .html file up to 2 MiB.
        </p>
        <input id="file" name="file" type="file" accept=".html,.htm,text/html" aria-describedby="file-hint" />
      </div>
      <button type="submit" disabled={pending}>
        {pending ? 'Auditing\u2026' : 'Run audit'}
      </button>
      <p className="visually-hidden" role="status">
        {pending ? 'Audit running' : ''}
      </p>
    </form>
  );
}
