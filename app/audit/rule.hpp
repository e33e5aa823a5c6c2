// What every audit rule is: static metadata plus a check over a parsed Document. Rules keep no state, so
// one instance serves every thread; per-run state lives in the Reporter.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"
#include "audit/document.hpp"
#include "ml/text_quality.hpp"

namespace a11y::audit {

// Decides whether a link text or alt text is non-descriptive: the model when loaded, else the heuristics.
class TextJudge {
 public:
  explicit TextJudge(const ml::TextQualityModel* model) : model_(model) {}
  bool non_descriptive(std::string_view text, ml::TextKind kind) const;

 private:
  const ml::TextQualityModel* model_;
};

struct RuleSpec {
  std::string_view id, wcag_criterion, wcag_level, description;
  Impact impact;   // of the rule's main finding; a check may report a lesser one
};

// Collects findings for one run: builds selector and snippet only while under max_findings, but keeps
// counting the impact of every finding so the score does not depend on the cap.
class Reporter {
 public:
  explicit Reporter(std::size_t max_findings) : max_findings_(max_findings) {}
  void begin_rule(const RuleSpec& spec) { spec_ = &spec; }
  void report(const GumboNode* element, std::string message) { report(element, spec_->impact, std::move(message)); }
  void report(const GumboNode* element, Impact impact, std::string message);

  std::vector<Finding>& findings() { return findings_; }
  bool truncated() const { return truncated_; }
  // Per-impact counts of every reported finding, index = Impact.
  const std::size_t* impact_counts() const { return counts_; }

 private:
  const RuleSpec* spec_ = nullptr;
  std::size_t max_findings_;
  std::vector<Finding> findings_;
  bool truncated_ = false;
  std::size_t counts_[4] = {0, 0, 0, 0};
};

class Rule {
 public:
  explicit Rule(RuleSpec spec) : spec_(spec) {}
  virtual ~Rule() = default;
  const RuleSpec& spec() const { return spec_; }
  virtual void check(const Document& doc, const TextJudge& judge, Reporter& out) const = 0;

 private:
  RuleSpec spec_;
};

// Every rule, in report order (registry.cpp). Each rule_*.cpp defines one of these.
const std::vector<const Rule*>& all_rules();
const Rule& image_alt_rule();
const Rule& link_name_rule();
const Rule& button_name_rule();
const Rule& document_title_rule();
const Rule& html_has_lang_rule();
const Rule& html_lang_valid_rule();
const Rule& label_rule();
const Rule& heading_order_rule();
const Rule& color_contrast_rule();
const Rule& duplicate_id_aria_rule();
const Rule& frame_title_rule();
const Rule& list_rule();
const Rule& listitem_rule();
const Rule& meta_viewport_rule();

// 0..100 from the impact counts (score.cpp).
double score_from_counts(const std::size_t* impact_counts);

// Quotes text for a message, shortened to 80 bytes on a UTF-8 boundary.
std::string quoted(std::string_view text);

}  // namespace a11y::audit
