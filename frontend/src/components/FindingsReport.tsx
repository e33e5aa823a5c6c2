import type { Audit, Rule } from '@/lib/types';
import { countByImpact, formatBytes, formatDate, groupFindings, impactOrder } from '@/lib/findings';
import ImpactBadge from './ImpactBadge';

interface Props {
  audit: Audit;
  rules: Rule[];
}

export default function FindingsReport({ audit, rules }: Props) {
  const groups = groupFindings(audit.findings, rules);
  const counts = countByImpact(audit.findings);
  return (
    <>
      <section aria-labelledby="summary-heading">
        <h2 id="summary-heading">Summary</h2>
        <dl className="summary">
          <div>
            <dt>Score</dt>
            <dd>{audit.score.toFixed(1)} / 100</dd>
          </div>
          <div>
            <dt>Findings</dt>
            <dd>{audit.findings.length}</dd>
          </div>
          {impactOrder.map((i) => (
            <div key={i}>
              <dt>{i[0].toUpperCase() + i.slice(1)}</dt>
              <dd>{counts[i]}</dd>
            </div>
          ))}
          <div>
            <dt>Audited</dt>
            <dd>{formatDate(audit.createdAt)}</dd>
          </div>
          <div>
            <dt>Page size</dt>
            <dd>{formatBytes(audit.htmlBytes)}</dd>
          </div>
        </dl>
        {audit.truncated ? (
          <p className="notice">The page had more findings than the audit keeps; only the first ones are listed.</p>
        ) : null}
      </section>
      <section aria-labelledby="findings-heading">
        <h2 id="findings-heading">Findings by rule</h2>
        {groups.length === 0 ? (
          <p className="notice">No problems found by the {audit.rulesRun} rules that ran.</p>
        ) : (
          groups.map((g) => (
            <section key={g.ruleId} className="rule" aria-labelledby={`rule-${g.ruleId}`} data-rule={g.ruleId}>
              <h3 id={`rule-${g.ruleId}`}>
                {g.ruleId} <span className="visually-hidden">,</span>
                <span className="hint">
                  ({g.findings.length} {g.findings.length === 1 ? 'finding' : 'findings'})
                </span>
              </h3>
              <p className="rule-meta">
                <span>
                  Impact: <ImpactBadge impact={g.impact} />
                </span>
                <span>
                  {g.wcag.criterion ? `WCAG ${g.wcag.criterion} (level ${g.wcag.level})` : 'Best practice (no WCAG criterion)'}
                </span>
              </p>
              {g.help ? <p>{g.help}</p> : null}
              <ul className="findings">
                {g.findings.map((f, i) => (
                  <li key={i}>
                    <p>
                      {f.message}
                      {f.impact !== g.impact ? (
                        <>
                          {' '}
                          <ImpactBadge impact={f.impact} />
                        </>
                      ) : null}
                    </p>
                    <p>
                      Element: <code>{f.selector}</code>
                    </p>
                    {f.snippet ? (
                      <figure className="snippet" aria-label={`HTML of ${f.selector}`}>
                        <pre>
                          <code>{f.snippet}</code>
                        </pre>
                      </figure>
                    ) : null}
                  </li>
                ))}
              </ul>
            </section>
          ))
        )}
      </section>
    </>
  );
}
