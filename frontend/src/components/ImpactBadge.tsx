import type { Impact } from '@/lib/types';

export default function ImpactBadge({ impact }: { impact: Impact }) {
  return <span className={`badge impact-${impact}`}>{impact}</span>;
}
