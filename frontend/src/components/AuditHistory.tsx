import Link from 'next/link';
import type { AuditPage } from '@/lib/types';
import { formatBytes, formatDate } from '@/lib/findings';

export default function AuditHistory({ page, firstPage }: { page: AuditPage; firstPage: boolean }) {
  return (
    <>
      {page.items.length === 0 ? (
        <p className="notice">
          {firstPage ? 'No audits yet.' : 'No older audits.'} <Link href="/">Run an audit</Link>
        </p>
      ) : (
        <table>
          <caption>{firstPage ? 'Most recent audits' : 'Older audits'}</caption>
          <thead>
            <tr>
              <th scope="col">Audit</th>
              <th scope="col">Score</th>
              <th scope="col">Findings</th>
              <th scope="col">Page size</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((a) => (
              <tr key={a.id}>
                <td>
                  <Link href={`/audits/${a.id}`}>Audit of {formatDate(a.createdAt)}</Link>
                </td>
                <td>{a.score.toFixed(1)}</td>
                <td>{a.findingCount}</td>
                <td>{formatBytes(a.htmlBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!firstPage || page.nextCursor ? (
        <nav className="pager" aria-label="Pages of audits">
          <ul>
            {!firstPage ? (
              <li>
                <Link href="/audits">Newest audits</Link>
              </li>
            ) : null}
            {page.nextCursor ? (
              <li>
                <Link href={`/audits?cursor=${encodeURIComponent(page.nextCursor)}`}>Older audits</Link>
              </li>
            ) : null}
          </ul>
        </nav>
      ) : null}
    </>
  );
}
