import { describe, expect, it } from '@jest/globals';
import { render, screen, within } from '@testing-library/react';
import FindingsReport from '@/components/FindingsReport';
import type { Audit } from '@/lib/types';

const audit: Audit = {
  id: '0b0f8a34-6f1e-4f6a-9d55-0d2b0c7d1e11',
  createdAt: '2026-12-01T23:10:05Z',
  contentHash: 'abc',
  htmlBytes: 2048,
  score: 62.5,
  nodes: 12,
  truncated: false,
  rulesRun: 14,
  findings: [
    {
      ruleId: 'link-name',
      wcag: { criterion: '2.4.4', level: 'A' },
      impact: 'serious',
      selector: 'html > body > a',
      message: 'Link text "click here" does not say where the link goes',
      snippet: '<a href="/x">click here</a>',
    },
    {
      ruleId: 'image-alt',
      wcag: { criterion: '1.1.1', level: 'A' },
      impact: 'critical',
      selector: 'html > body > img',
      message: 'Image has no alt attribute',
      snippet: '<img src="a.png">',
    },
  ],
};

describe('FindingsReport', () => {
  it('shows the score, and one section per rule, most severe first, with WCAG, help, selector and snippet', () => {
    render(
      <FindingsReport
        audit={audit}
        rules={[{ id: 'image-alt', wcag: { criterion: '1.1.1', level: 'A' }, description: 'Images must have alternative text' }]}
      />,
    );
    expect(screen.getByText('62.5 / 100')).toBeInTheDocument();
    const headings = screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(headings[0]).toMatch(/^image-alt/);
    expect(headings[1]).toMatch(/^link-name/);
    const imageAlt = screen.getByRole('region', { name: /image-alt/ });
    expect(within(imageAlt).getByText('critical')).toBeInTheDocument();
    expect(within(imageAlt).getByText('WCAG 1.1.1 (level A)')).toBeInTheDocument();
    expect(within(imageAlt).getByText('Images must have alternative text')).toBeInTheDocument();
    expect(within(imageAlt).getByText('html > body > img', { selector: 'code' })).toBeInTheDocument();
    // The snippet is shown as text, never rendered as markup.
    expect(within(imageAlt).getByText('<img src="a.png">')).toBeInTheDocument();
    expect(imageAlt.querySelector('img')).toBeNull();
  });

  it('says so when nothing was found', () => {
    render(<FindingsReport audit={{ ...audit, findings: [], score: 100 }} rules={[]} />);
    expect(screen.getByText(/No problems found by the 14 rules/)).toBeInTheDocument();
  });
});
