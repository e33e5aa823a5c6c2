// The shapes platform-api answers with (app/server/app.cpp): only the fields the UI reads.

export type Impact = 'critical' | 'serious' | 'moderate' | 'minor';

export interface Finding {
  ruleId: string;
  wcag: { criterion: string; level: string };
  impact: Impact;
  selector: string;
  message: string;
  snippet: string;
}

export interface Audit {
  id: string;
  createdAt: string;
  contentHash: string;
  htmlBytes: number;
  cached?: boolean;
  score: number;
  nodes: number;
  truncated: boolean;
  rulesRun: number;
  findings: Finding[];
}

export interface AuditSummary {
  id: string;
  createdAt: string;
  contentHash: string;
  score: number;
  findingCount: number;
  htmlBytes: number;
}

export interface AuditPage {
  items: AuditSummary[];
  nextCursor: string | null;
}

export interface Rule {
  id: string;
  wcag: { criterion: string; level: string };
  description: string;
}

export interface ModelInfo {
  name: string;
  version: string;
  file: string;
  threshold: number;
  evaluation: { accuracy: number; f1: number; precision: number; recall: number; testExamples: number };
}

export interface Suggestion {
  ruleId: string;
  selector: string;
  suggestion: string;
}

export interface SuggestionsResult {
  auditId: string;
  provider: string;
  model: string;
  suggestions: Suggestion[];
}
