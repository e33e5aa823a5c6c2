// Contract between the audit engine (app/audit) and the HTTP server (app/server).
// The engine is pure: HTML in, findings out; no I/O, thread-safe (call from many workers at once).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace a11y::ml { class TextQualityModel; }

namespace a11y::audit {

enum class Impact { Minor, Moderate, Serious, Critical };
std::string_view to_string(Impact);

struct Finding {
  std::string rule_id;          // axe-core name where the rule is the same, e.g. "image-alt"
  std::string wcag_criterion;   // e.g. "1.1.1"
  std::string wcag_level;       // "A" | "AA" | "AAA"
  Impact impact = Impact::Moderate;
  std::string selector;         // CSS-selector path to the node, e.g. "html > body > main > img:nth-of-type(2)"
  std::string message;          // what is wrong and what to do, for a person
  std::string snippet;          // the node's opening tag, truncated to 200 bytes
};

struct Options {
  std::vector<std::string> rules;        // run only these rule ids; empty = all
  std::size_t max_findings = 500;        // stop collecting after this many
  std::size_t max_depth = 512;           // deeper nesting is reported as an error, not recursed
};

struct Result {
  std::vector<Finding> findings;
  double score = 100.0;                  // 0..100, 100 = no findings; weighted by impact
  std::size_t nodes = 0;                 // elements visited
  std::vector<std::string> rules_run;
  bool truncated = false;                // max_findings reached
};

struct RuleInfo {
  std::string id, wcag_criterion, wcag_level, description;
};

class Engine {
 public:
  // model may be null: then text-quality checks fall back to the built-in heuristics only.
  explicit Engine(std::shared_ptr<const ml::TextQualityModel> model = nullptr);
  // Throws std::invalid_argument for unknown rule ids in options or nesting deeper than max_depth.
  Result run(std::string_view html, const Options& options = {}) const;
  static const std::vector<RuleInfo>& rules();
 private:
  std::shared_ptr<const ml::TextQualityModel> model_;
};

}  // namespace a11y::audit
