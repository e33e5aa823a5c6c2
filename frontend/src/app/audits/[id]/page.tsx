import type { Metadata } from 'next';
import { notFound } from 'next/navigation';
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

export async function generateMetadata({ params }: { params: Params }): Promise<Metadata> {
  const { id } = await params;
  return { title: `Audit ${id.slice(0, 8)}` };
}

export default async function AuditPage({ params }: { params: Params }) {
  const { id } = await params;
  if (!isAuditId(id)) notFound();
  const [audit, rules] = await Promise.all([
    apiRequest<Audit>(`/api/v1/audits/${id}`),
    apiRequest<{ rules: Rule[] }>('/api/v1/rules'),
  ]);
  if (!audit.ok) {
    if (audit.failure.status === 404) notFound();
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
