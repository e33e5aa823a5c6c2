#include <algorithm>
#include <stdexcept>

#include "audit/audit.hpp"
#include "audit/document.hpp"
#include "audit/rule.hpp"
#include "ml/text_quality.hpp"

namespace a11y::audit {

std::string_view to_string(Impact impact) {
  switch (impact) {
    case Impact::Minor: return "minor";
    case Impact::Moderate: return "moderate";
    case Impact::Serious: return "serious";
    case Impact::Critical: return "critical";
  }
  return "moderate";
}

std::string_view to_string(RuleSource source) {
  return source == RuleSource::TextQuality ? "text-quality" : "axe-core";
}

Engine::Engine(std::shared_ptr<const ml::TextQualityModel> model) : model_(std::move(model)) {}

Result Engine::run(std::string_view html, const Options& options) const {
  const auto& rules = all_rules();
  for (const auto& id : options.rules) {
    const bool known = std::any_of(rules.begin(), rules.end(), [&](const Rule* r) { return r->spec().id == id; });
    if (!known) throw std::invalid_argument("unknown rule id \"" + id + "\"");
  }
  const auto selected = [&](const Rule* r) {
    return options.rules.empty() ||
           std::find(options.rules.begin(), options.rules.end(), r->spec().id) != options.rules.end();
  };

  CpuBudget budget(options.cpu_budget);
  const Document doc(html, options.max_depth);
  const TextJudge judge(model_.get());
  Reporter reporter(options.max_findings, options.max_output_bytes, budget);
  Result result;
  result.rules_run.reserve(rules.size());
  for (const Rule* rule : rules) {
    if (!selected(rule)) continue;
    if (budget.exhausted_now()) break;
    reporter.begin_rule(rule->spec());
    rule->check(doc, judge, reporter);
    if (budget.spent()) break;   // the rule saw the budget gone and stopped early
    result.rules_run.emplace_back(rule->spec().id);
  }
  if (budget.spent()) {
    result.partial = true;
    result.partial_reason = "cpu budget";
  }
  result.findings = std::move(reporter.findings());
  result.truncated = reporter.truncated();
  result.truncated_by = reporter.truncated_by();
  result.output_bytes = reporter.output_bytes();
  result.score = score_from_counts(reporter.impact_counts());
  result.nodes = doc.elements().size();
  return result;
}

}  // namespace a11y::audit
