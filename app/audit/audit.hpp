// Contract between the audit engine (app/audit) and the HTTP server (app/server).
// The engine is pure: HTML in, findings out; no I/O, thread-safe (call from many workers at once).
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace a11y::ml { class TextQualityModel; }

namespace a11y::audit {

enum class Impact { Minor, Moderate, Serious, Critical };
std::string_view to_string(Impact);
// Where a rule's meaning comes from: axe-core's rule of the same id, or the engine's text-quality model.
enum class RuleSource { Axe, TextQuality };
std::string_view to_string(RuleSource);

// Bumped whenever the rules' findings change meaning for the same input (cached results carry it).
inline constexpr std::string_view kRulesetVersion = "4";   // 4: color-contrast reads <style> sheets (the CSS cascade)

struct Finding {
  std::string rule_id;          // axe-core name where the rule is the same, e.g. "image-alt"
  std::string wcag_criterion;   // e.g. "1.1.1"; empty for a best-practice rule
  std::string wcag_level;       // "A" | "AA" | "AAA"; empty for a best-practice rule
  std::vector<std::string> tags;   // axe's tags for the rule id, e.g. {"cat.text-alternatives", "wcag2a", "wcag111"}
  Impact impact = Impact::Moderate;
  bool needs_review = false;    // axe would report it as incomplete: the engine cannot decide, a person must
  std::string selector;         // CSS-selector path to the node, e.g. "html > body > main > img:nth-of-type(2)";
                                // at most kMaxSelectorBytes (a deep node's path keeps its nearest ancestors)
  std::string message;          // what is wrong and what to do, for a person; at most kMaxMessageBytes
  std::string snippet;          // the node's opening tag, truncated to kMaxSnippetBytes
};

// Every finding's strings are bounded, so one audit's output is bounded by max_output_bytes whatever the input.
inline constexpr std::size_t kMaxSelectorBytes = 512;
inline constexpr std::size_t kMaxMessageBytes = 512;
inline constexpr std::size_t kMaxSnippetBytes = 200;
// What one finding costs in the output besides its strings (JSON keys, WCAG fields, impact).
inline constexpr std::size_t kFindingOverheadBytes = 128;

struct Options {
  std::vector<std::string> rules;        // run only these rule ids; empty = all
  std::size_t max_findings = 500;        // stop collecting after this many
  std::size_t max_output_bytes = 1 << 20;   // ... or once the findings' strings reach this many bytes
  std::size_t max_depth = 512;           // deeper nesting is reported as an error, not recursed
  // CPU time (of the calling thread) the rules may use; past it the audit stops and the result is partial.
  // Zero: no budget. The parse itself is bounded by the input checks instead (see Document).
  std::chrono::nanoseconds cpu_budget = std::chrono::seconds(2);
};

struct Result {
  std::vector<Finding> findings;
  double score = 100.0;                  // 0..100, 100 = no findings; weighted by impact (of the rules run)
  std::size_t nodes = 0;                 // elements visited
  std::vector<std::string> rules_run;    // rules that ran to the end
  bool truncated = false;                // findings were left out of the list (they still count in the score)
  std::string truncated_by;              // "maxFindings" or "outputBytes" when truncated
  bool partial = false;                  // not every selected rule ran to the end
  std::string partial_reason;            // "cpu budget" when partial
  std::size_t output_bytes = 0;          // the findings' strings plus kFindingOverheadBytes each
};

struct RuleInfo {
  std::string id, wcag_criterion, wcag_level, description;
  Impact impact = Impact::Moderate;
  std::vector<std::string> tags;
  RuleSource source = RuleSource::Axe;
  bool best_practice = false;    // axe tags it best-practice: no WCAG criterion
  bool review_on_fail = false;   // every finding needs review
};

// An axe-core rule the engine does not implement because it needs what a static parse cannot give
// (layout, computed styles, other documents, media playback), and why.
struct OutOfScopeRule {
  std::string id, reason;
};

class Engine {
 public:
  // model may be null: then text-quality checks fall back to the built-in heuristics only.
  explicit Engine(std::shared_ptr<const ml::TextQualityModel> model = nullptr);
  // Throws std::invalid_argument for unknown rule ids in options, nesting deeper than max_depth, or more
  // attributes in a tag than Document accepts.
  Result run(std::string_view html, const Options& options = {}) const;
  static const std::vector<RuleInfo>& rules();
  static const std::vector<OutOfScopeRule>& out_of_scope_rules();
 private:
  std::shared_ptr<const ml::TextQualityModel> model_;
};

}  // namespace a11y::audit
