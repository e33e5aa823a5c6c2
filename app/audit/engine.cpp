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

  const Document doc(html, options.max_depth);
  const TextJudge judge(model_.get());
  Reporter reporter(options.max_findings);
  Result result;
  result.rules_run.reserve(rules.size());
  for (const Rule* rule : rules) {
    if (!selected(rule)) continue;
    reporter.begin_rule(rule->spec());
    rule->check(doc, judge, reporter);
    result.rules_run.emplace_back(rule->spec().id);
  }
  result.findings = std::move(reporter.findings());
  result.truncated = reporter.truncated();
  result.score = score_from_counts(reporter.impact_counts());
  result.nodes = doc.elements().size();
  return result;
}

}  // namespace a11y::audit
