/** @jest-environment node */
import { describe, expect, it } from '@jest/globals';
import { countByImpact, formatBytes, formatDate, groupFindings } from '@/lib/findings';
import type { Finding } from '@/lib/types';

const f = (ruleId: string, impact: Finding['impact'], selector = 'img'): Finding => ({
  ruleId,
  impact,
  selector,
  wcag: { criterion: '1.1.1', level: 'A' },
  message: `${ruleId} at ${selector}`,
  snippet: `<${selector}>`,
});

describe('groupFindings', () => {
  it('groups by rule, most severe first, then by size, with the rule help', () => {
    const groups = groupFindings(
      [f('link-name', 'serious', 'a'), f('image-alt', 'critical'), f('link-name', 'serious', 'a:nth-of-type(2)'), f('list', 'moderate'), f('label', 'serious')],
      [{ id: 'image-alt', wcag: { criterion: '1.1.1', level: 'A' }, description: 'Images need text alternatives' }],
    );
    expect(groups.map((g) => g.ruleId)).toEqual(['image-alt', 'link-name', 'label', 'list']);
    expect(groups[0].help).toBe('Images need text alternatives');
    expect(groups[1].findings).toHaveLength(2);
    expect(groups[3].help).toBe('');
  });
  it('takes the worst impact of a group', () => {
    expect(groupFindings([f('x', 'minor'), f('x', 'serious')], [])[0].impact).toBe('serious');
  });
});

describe('formatting', () => {
  it('counts impacts', () => {
    expect(countByImpact([f('a', 'minor'), f('b', 'minor'), f('c', 'critical')])).toEqual({
      critical: 1,
      serious: 0,
      moderate: 0,
      minor: 2,
    });
  });
  it('formats sizes and dates independently of locale', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
    expect(formatDate('2026-12-01T23:10:05.123Z')).toBe('2026-12-01 23:10 UTC');
    expect(formatDate('not a date')).toBe('not a date');
  });
});
