import { describe, expect, it } from '@jest/globals';
import { render, screen } from '@testing-library/react';
import AuditHistory from '@/components/AuditHistory';
import HealthTable from '@/components/HealthTable';
import ModelsTable from '@/components/ModelsTable';

const item = (id: string, createdAt: string) => ({ id, createdAt, contentHash: 'h', score: 80, findingCount: 3, htmlBytes: 100 });

describe('AuditHistory', () => {
  it('links each audit by id and offers the older page', () => {
    render(
      <AuditHistory
        page={{ items: [item('11111111-1111-1111-1111-111111111111', '2026-12-01T10:00:00Z')], nextCursor: 'c/1' }}
        firstPage
      />,
    );
    expect(screen.getByRole('link', { name: 'Audit of 2026-12-01 10:00 UTC' })).toHaveAttribute(
      'href',
      '/audits/11111111-1111-1111-1111-111111111111',
    );
    expect(screen.getByRole('link', { name: 'Older audits' })).toHaveAttribute('href', '/audits?cursor=c%2F1');
    expect(screen.queryByRole('link', { name: 'Newest audits' })).toBeNull();
    expect(screen.getAllByRole('columnheader').map((c) => c.textContent)).toEqual(['Audit', 'Score', 'Findings', 'Page size']);
  });
  it('has an empty state', () => {
    render(<AuditHistory page={{ items: [], nextCursor: null }} firstPage />);
    expect(screen.getByText(/No audits yet/)).toBeInTheDocument();
    expect(screen.queryByRole('navigation')).toBeNull();
  });
});

describe('HealthTable and ModelsTable', () => {
  it('shows status words, not only colours', () => {
    render(<HealthTable rows={[{ name: 'Database', path: '/health/database', status: 'down', state: 'down', details: 'refused' }]} />);
    expect(screen.getByRole('rowheader')).toHaveTextContent('Database /health/database');
    expect(screen.getByRole('cell', { name: 'down' })).toHaveClass('status-down');
  });
  it('shows the model figures', () => {
    render(
      <ModelsTable
        models={[
          {
            name: 'text-quality',
            version: '3',
            file: 'text-quality-v3.json',
            threshold: 0.5,
            evaluation: { accuracy: 0.9512, f1: 0.9, precision: 0.93, recall: 0.871, testExamples: 400 },
          },
        ]}
      />,
    );
    expect(screen.getByRole('cell', { name: '95.1%' })).toBeInTheDocument();
    expect(screen.getByRole('cell', { name: '400' })).toBeInTheDocument();
  });
});
