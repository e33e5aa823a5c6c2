import type { Metadata } from 'next';
import AuditForm from '@/components/AuditForm';
import { submitAudit } from './actions';

export const metadata: Metadata = { title: 'New audit' };

export default function HomePage() {
  return (
    <>
      <h1>Audit a page for accessibility</h1>
      <p>
        The platform checks the HTML against its rules (images without text alternatives, unlabelled form fields,
        links that do not say where they go, missing language, low contrast and more) and lists each problem with the
        WCAG success criterion it concerns.
      </p>
      <AuditForm action={submitAudit} />
    </>
  );
}
