import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import NavLinks from '@/components/NavLinks';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Accessibility Platform', template: '%s \u00b7 Accessibility Platform' },
  description: 'Audit HTML pages for accessibility problems.',
};

export const viewport: Viewport = { width: 'device-width', initialScale: 1 };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="inner">
            <Link className="brand" href="/">
              Accessibility Platform
            </Link>
            <nav className="site-nav" aria-label="Main">
              <NavLinks />
            </nav>
          </div>
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <div className="inner">
            <p>Audits run on the platform&apos;s own engine; findings name the WCAG 2 success criterion they concern.</p>
          </div>
        </footer>
      </body>
    </html>
  );
}
