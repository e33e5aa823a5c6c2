import { describe, expect, it, jest } from '@jest/globals';
import { render, screen } from '@testing-library/react';
import NavLinks from '@/components/NavLinks';

let pathname = '/';
jest.mock('next/navigation', () => ({ usePathname: () => pathname }));

describe('NavLinks', () => {
  it('marks the current section', () => {
    pathname = '/audits/11111111-1111-1111-1111-111111111111';
    render(<NavLinks />);
    expect(screen.getByRole('link', { name: 'History' })).toHaveAttribute('aria-current', 'page');
    expect(screen.getByRole('link', { name: 'New audit' })).not.toHaveAttribute('aria-current');
  });
});
