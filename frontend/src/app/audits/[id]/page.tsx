import type { Metadata } from 'next';
import Link from 'next/link';
import { apiRequest } from '@/lib/api';
import { plainMessage } from '@/lib/errors';
import { isAuditId } from '@/lib/states';
import type { Audit, Rule } from '@/lib/types';
import FindingsReport from '@/components/FindingsReport';
import SuggestionsPanel from '@/components/SuggestionsPanel';
import ErrorMessage from '@/components/ErrorMessage';
import { requestSuggestions } from '../../actions';

export const dynamic = 'force-dynamic';

type Params = Promise<{ id: string }>;

export const metadata: Metadata = { title: 'Audit results' };

export default async function AuditPage({ params }: { params: Params }) {
  const { id } = await params;
  // Not notFound(): Next serves a notFound() raised while rendering a dynamic page as its bare error
  // shell (<html> without lang, no header or main until JavaScript runs), which the platform's own audit
  // flags. The page says it in the full layout instead, at the cost of a 200 status.
  if (!isAuditId(id)) return <AuditNotFound />;
  const [audit, rules] = await Promise.all([
    apiRequest<Audit>(`/api/v1/audits/${id}`),
    apiRequest<{ rules: Rule[] }>('/api/v1/rules'),
  ]);
  if (!audit.ok) {
    if (audit.failure.status === 404) return <AuditNotFound />;
    return (
      <>
        <h1>The audit could not be loaded</h1>
        <ErrorMessage message={plainMessage(audit.failure)} />
        <p>
          <Link href={`/audits/${id}`}>Try loading this audit again</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <h1>Audit results</h1>
      <p>
        Audit <code>{id}</code>. This page&apos;s address opens the same audit again.
      </p>
      <FindingsReport audit={audit.data} rules={rules.ok ? rules.data.rules : []} />
      <SuggestionsPanel auditId={id} request={requestSuggestions} />
    </>
  );
}

function AuditNotFound() {
  return (
    <>
      <h1>Audit not found</h1>
      <p>There is no audit with this address. An audit&apos;s address stays valid only while the audit is stored.</p>
      <p>
        <Link href="/audits">See the audit history</Link> or <Link href="/">run a new audit</Link>.
      </p>
    </>
  );
}
