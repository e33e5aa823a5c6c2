import Link from 'next/link';

export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p>There is nothing at this address. An audit&apos;s address stays valid only while the audit is stored.</p>
      <p>
        <Link href="/audits">See the audit history</Link> or <Link href="/">run a new audit</Link>.
      </p>
    </>
  );
}
