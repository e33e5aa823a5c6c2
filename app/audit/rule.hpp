// What every audit rule is: static metadata plus a check over a parsed Document. Rules keep no state, so
// one instance serves every thread; per-run state lives in the Reporter.
#pragma once
#include <chrono>
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
  std::string_view id, wcag_criterion, wcag_level, description;   // criterion and level empty: best practice
  Impact impact;   // axe's impact for the rule id (the engine's own rules: ours)
  std::string_view tags;   // axe's tags for the rule id, comma-separated ("cat.text-alternatives,wcag2a,wcag111")
  RuleSource source = RuleSource::Axe;
  bool review_on_fail = false;   // every finding needs review (axe reports it as incomplete, not a violation)
};

// The CPU time one audit may spend, read from the calling thread's CPU clock. Reading that clock is a
// system call, so exhausted() looks at it only every kCheckEvery calls; rules call it once per element.
class CpuBudget {
 public:
  explicit CpuBudget(std::chrono::nanoseconds limit);   // zero: never exhausted
  bool exhausted();        // cheap; latches once true
  bool exhausted_now();    // reads the clock
  bool spent() const { return exhausted_; }   // exhausted() or exhausted_now() has returned true
  static std::chrono::nanoseconds thread_cpu_time();

  static constexpr unsigned kCheckEvery = 256;

 private:
  std::chrono::nanoseconds deadline_{0};   // thread CPU time at which the budget is gone; 0 = none
  unsigned calls_ = 0;
  bool exhausted_ = false;
};

// Collects findings for one run: builds selector and snippet only while under max_findings and
// max_output_bytes, but keeps counting the impact of every finding so the score does not depend on the caps.
class Reporter {
 public:
  Reporter(std::size_t max_findings, std::size_t max_output_bytes, CpuBudget& budget)
      : max_findings_(max_findings), max_output_bytes_(max_output_bytes), budget_(budget) {}
  void begin_rule(const RuleSpec& spec);
  void report(const GumboNode* element, std::string message) { report(element, spec_->impact, std::move(message)); }
  void report(const GumboNode* element, Impact impact, std::string message, bool needs_review = false);
  // A finding the engine cannot decide (axe's "incomplete"): a person has to look.
  void review(const GumboNode* element, std::string message) { report(element, spec_->impact, std::move(message), true); }
  // Rules call this once per element they look at and return when it is true (the CPU budget is spent).
  bool out_of_time() { return budget_.exhausted(); }

  std::vector<Finding>& findings() { return findings_; }
  bool truncated() const { return !truncated_by_.empty(); }
  const std::string& truncated_by() const { return truncated_by_; }
  std::size_t output_bytes() const { return output_bytes_; }
  // Per-impact counts of every reported finding, index = Impact.
  const std::size_t* impact_counts() const { return counts_; }

 private:
  const RuleSpec* spec_ = nullptr;
  std::vector<std::string> tags_;   // spec_->tags split, copied into each finding
  std::size_t tags_bytes_ = 0;
  std::size_t max_findings_, max_output_bytes_;
  CpuBudget& budget_;
  SelectorPaths selectors_;
  std::vector<Finding> findings_;
  std::string truncated_by_;
  std::size_t output_bytes_ = 0;
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
const Rule& select_name_rule();
const Rule& input_button_name_rule();
// The rule families added with the ARIA tables: each file defines several rules.
const std::vector<const Rule*>& landmark_rules();        // rule_landmarks.cpp
const std::vector<const Rule*>& aria_validity_rules();   // rule_aria_validity.cpp
const std::vector<const Rule*>& aria_structure_rules();  // rule_aria_structure.cpp
const std::vector<const Rule*>& name_rules();            // rule_names.cpp
const std::vector<const Rule*>& form_rules();            // rule_forms.cpp
const std::vector<const Rule*>& page_rules();            // rule_page.cpp
const std::vector<const Rule*>& table_rules();           // rule_tables.cpp
// The text-quality model's rules (not axe's): names that exist but do not describe.
const Rule& link_text_quality_rule();
const Rule& image_alt_quality_rule();
// tags as a list.
std::vector<std::string> split_tags(std::string_view tags);

// 0..100 from the impact counts (score.cpp).
double score_from_counts(const std::size_t* impact_counts);

// Quotes text for a message, shortened to 80 bytes on a UTF-8 boundary.
std::string quoted(std::string_view text);
// The longest prefix of text of at most max bytes that does not end inside a UTF-8 character.
std::string_view utf8_prefix(std::string_view text, std::size_t max);

}  // namespace a11y::audit
