import { describe, expect, it, jest } from '@jest/globals';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import AuditForm from '@/components/AuditForm';
import type { SubmitState } from '@/lib/states';

describe('AuditForm', () => {
  it('labels its fields and describes them', () => {
    render(<AuditForm action={async () => ({})} />);
    const html = screen.getByLabelText('HTML to audit');
    expect(html.tagName).toBe('TEXTAREA');
    expect(html).toHaveAccessibleDescription(/Paste a whole page/);
    expect(screen.getByLabelText('Or upload an HTML file')).toHaveAttribute('type', 'file');
    expect(screen.getByRole('button', { name: 'Run audit' })).toBeEnabled();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('sends the pasted HTML to the action and shows its error as an alert', async () => {
    const seen: string[] = [];
    const action = jest.fn(async (_prev: SubmitState, form: FormData): Promise<SubmitState> => {
      seen.push(String(form.get('html')));
      return { error: 'That page is too large to audit. Try a smaller file or a part of the page.' };
    });
    render(<AuditForm action={action} />);
    fireEvent.change(screen.getByLabelText('HTML to audit'), { target: { value: '<img src="a.png">' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Run audit' }));
    });
    await waitFor(() => expect(screen.getByRole('alert')).toHaveTextContent('too large to audit'));
    expect(seen).toEqual(['<img src="a.png">']);
  });
});
