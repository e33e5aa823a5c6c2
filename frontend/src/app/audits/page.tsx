import type { Metadata } from 'next';
import Link from 'next/link';
import { apiRequest } from '@/lib/api';
import { plainMessage } from '@/lib/errors';
import type { AuditPage } from '@/lib/types';
import AuditHistory from '@/components/AuditHistory';
import ErrorMessage from '@/components/ErrorMessage';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'History' };

const kPageSize = 20;

export default async function HistoryPage({ searchParams }: { searchParams: Promise<{ cursor?: string | string[] }> }) {
  const sp = await searchParams;
  const cursor = typeof sp.cursor === 'string' ? sp.cursor : '';
  const query = new URLSearchParams({ limit: String(kPageSize) });
  if (cursor) query.set('cursor', cursor);
  const page = await apiRequest<AuditPage>(`/api/v1/audits?${query}`);
  return (
    <>
      <h1>Audit history</h1>
      <p>Earlier audits, newest first.</p>
      {page.ok ? (
        <AuditHistory page={page.data} firstPage={!cursor} />
      ) : (
        <>
          <ErrorMessage message={plainMessage(page.failure)} />
          {cursor ? (
            <p>
              <Link href="/audits">Go to the newest audits</Link>
            </p>
          ) : null}
        </>
      )}
    </>
  );
}
