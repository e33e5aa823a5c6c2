import { describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, render, screen } from '@testing-library/react';
import SuggestionsPanel from '@/components/SuggestionsPanel';

const id = '0b0f8a34-6f1e-4f6a-9d55-0d2b0c7d1e11';

describe('SuggestionsPanel', () => {
  it('says plainly that no provider is configured', async () => {
    const request = jest.fn(async (_id: string) => ({
      kind: 'unavailable' as const,
      message: 'AI suggestions are not available: no AI provider is configured on this platform.',
    }));
    render(<SuggestionsPanel auditId={id} request={request} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Get AI suggestions' }));
    });
    expect(request).toHaveBeenCalledWith(id);
    expect(screen.getByText(/no AI provider is configured/)).toBeInTheDocument();
  });

  it('lists the suggestions it got', async () => {
    const request = async () => ({
      kind: 'ok' as const,
      result: { auditId: id, provider: 'openai', model: 'gpt-x', suggestions: [{ ruleId: 'image-alt', selector: 'img', suggestion: 'Add alt text' }] },
    });
    render(<SuggestionsPanel auditId={id} request={request} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Get AI suggestions' }));
    });
    expect(screen.getByRole('listitem')).toHaveTextContent('image-alt at img: Add alt text');
  });

  it('turns a failed request into an alert', async () => {
    render(<SuggestionsPanel auditId={id} request={async () => Promise.reject(new Error('network'))} />);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Get AI suggestions' }));
    });
    expect(screen.getByRole('alert')).toHaveTextContent('failed');
  });
});
