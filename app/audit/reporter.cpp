#include "audit/rule.hpp"

#include "ml/text_heuristics.hpp"

namespace a11y::audit {

void Reporter::report(const GumboNode* element, Impact impact, std::string message) {
  ++counts_[static_cast<int>(impact)];
  if (findings_.size() >= max_findings_) {
    truncated_ = true;
    return;
  }
  Finding f;
  f.rule_id = spec_->id;
  f.wcag_criterion = spec_->wcag_criterion;
  f.wcag_level = spec_->wcag_level;
  f.impact = impact;
  f.selector = selector_path(element);
  f.message = std::move(message);
  f.snippet = snippet(element);
  findings_.push_back(std::move(f));
}

bool TextJudge::non_descriptive(std::string_view text, ml::TextKind kind) const {
  if (model_ != nullptr) return model_->predict(text, kind).non_descriptive;
  return ml::heuristic_non_descriptive(text, kind);
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 80;
  std::size_t len = text.size();
  if (len > kMax) {
    len = kMax;
    while (len > 0 && (static_cast<unsigned char>(text[len]) & 0xC0) == 0x80) --len;
  }
  // Appended piecewise: GCC 12 at -O3 warns (-Wrestrict, a false positive) on "\"" + std::string(...).
  std::string out;
  out.reserve(len + 5);
  out += '"';
  out += text.substr(0, len);
  out += len < text.size() ? "...\"" : "\"";
  return out;
}

}  // namespace a11y::audit
