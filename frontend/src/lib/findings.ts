import type { Finding, Impact, Rule } from './types';

export const impactOrder: Impact[] = ['critical', 'serious', 'moderate', 'minor'];

export interface RuleGroup {
  ruleId: string;
  impact: Impact; // the most severe impact among the group's findings
  wcag: { criterion: string; level: string };
  help: string;
  findings: Finding[];
}

function rank(i: Impact): number {
  const r = impactOrder.indexOf(i);
  return r < 0 ? impactOrder.length : r;
}

// Findings grouped by rule, the most severe rules first, then the rules with more findings, then by id.
export function groupFindings(findings: Finding[], rules: Rule[]): RuleGroup[] {
  const help = new Map(rules.map((r) => [r.id, r.description]));
  const groups = new Map<string, RuleGroup>();
  for (const f of findings) {
    let g = groups.get(f.ruleId);
    if (!g) {
      g = { ruleId: f.ruleId, impact: f.impact, wcag: f.wcag, help: help.get(f.ruleId) ?? '', findings: [] };
      groups.set(f.ruleId, g);
    }
    if (rank(f.impact) < rank(g.impact)) g.impact = f.impact;
    g.findings.push(f);
  }
  return [...groups.values()].sort(
    (a, b) => rank(a.impact) - rank(b.impact) || b.findings.length - a.findings.length || a.ruleId.localeCompare(b.ruleId),
  );
}

export function countByImpact(findings: Finding[]): Record<Impact, number> {
  const out: Record<Impact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 };
  for (const f of findings) if (f.impact in out) out[f.impact] += 1;
  return out;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  // UTC and a fixed format: the server renders it, so it must not depend on the server's locale.
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
