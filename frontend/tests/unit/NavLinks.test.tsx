import { describe, expect, it, jest } from '@jest/globals';
import { render, screen } from '@testing-library/react';

let mockPathname = '/';
jest.mock('next/navigation', () => ({ usePathname: () => mockPathname }));

// Required after the mock is registered, whether or not the transform hoists jest.mock.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const NavLinks = (require('@/components/NavLinks') as typeof import('@/components/NavLinks')).default;

describe('NavLinks', () => {
  it('marks the current section', () => {
    mockPathname = '/audits/11111111-1111-1111-1111-111111111111';
    render(<NavLinks />);
    expect(screen.getByRole('link', { name: 'History' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'New audit' })).not.toHaveAttribute('aria-current');
  });
  it('marks the form on the front page only', () => {
    mockPathname = '/';
    render(<NavLinks />);
    expect(screen.getByRole('link', { name: 'New audit' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'History' })).not.toHaveAttribute('aria-current');
  });
});
