#include "audit/rule.hpp"

#include <time.h>

#include "ml/text_heuristics.hpp"

namespace a11y::audit {

CpuBudget::CpuBudget(std::chrono::nanoseconds limit) {
  if (limit.count() > 0) deadline_ = thread_cpu_time() + limit;
}

std::chrono::nanoseconds CpuBudget::thread_cpu_time() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

bool CpuBudget::exhausted() {
  if (exhausted_) return true;
  if (deadline_.count() == 0 || ++calls_ % kCheckEvery != 0) return false;
  return exhausted_now();
}

bool CpuBudget::exhausted_now() {
  if (!exhausted_ && deadline_.count() > 0) exhausted_ = thread_cpu_time() >= deadline_;
  return exhausted_;
}

std::vector<std::string> split_tags(std::string_view tags) {
  std::vector<std::string> out;
  while (!tags.empty()) {
    const auto comma = tags.find(',');
    if (const auto tag = trim(tags.substr(0, comma)); !tag.empty()) out.emplace_back(tag);
    tags = comma == std::string_view::npos ? std::string_view() : tags.substr(comma + 1);
  }
  return out;
}

void Reporter::begin_rule(const RuleSpec& spec) {
  spec_ = &spec;
  tags_ = split_tags(spec.tags);
  tags_bytes_ = 0;
  for (const auto& t : tags_) tags_bytes_ += t.size() + 3;   // quotes and comma
}

void Reporter::report(const GumboNode* element, Impact impact, std::string message, bool needs_review) {
  // Findings that need review are not violations: they do not lower the score.
  if (!(needs_review || spec_->review_on_fail)) ++counts_[static_cast<int>(impact)];
  if (!truncated_by_.empty()) return;
  if (findings_.size() >= max_findings_) {
    truncated_by_ = "maxFindings";
    return;
  }
  if (message.size() > kMaxMessageBytes) message.resize(utf8_prefix(message, kMaxMessageBytes).size());
  Finding f;
  f.rule_id = spec_->id;
  f.wcag_criterion = spec_->wcag_criterion;
  f.wcag_level = spec_->wcag_level;
  f.tags = tags_;
  f.impact = impact;
  f.needs_review = needs_review || spec_->review_on_fail;
  f.selector = selectors_.path(element);
  f.message = std::move(message);
  f.snippet = snippet(element);
  const std::size_t bytes = f.rule_id.size() + f.selector.size() + f.message.size() + f.snippet.size() + tags_bytes_ + kFindingOverheadBytes;
  if (output_bytes_ + bytes > max_output_bytes_) {
    truncated_by_ = "outputBytes";
    return;
  }
  output_bytes_ += bytes;
  findings_.push_back(std::move(f));
}

std::string_view utf8_prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t len = max;
  while (len > 0 && (static_cast<unsigned char>(text[len]) & 0xC0) == 0x80) --len;   // text[len] starts the next character
  return text.substr(0, len);
}

bool TextJudge::non_descriptive(std::string_view text, ml::TextKind kind) const {
  if (model_ != nullptr) return model_->predict(text, kind).non_descriptive;
  return ml::heuristic_non_descriptive(text, kind);
}

std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 80;
  const std::size_t len = utf8_prefix(text, kMax).size();
  // Appended piecewise: GCC 12 at -O3 warns (-Wrestrict, a false positive) on "\"" + std::string(...).
  std::string out;
  out.reserve(len + 5);
  out += '"';
  out += text.substr(0, len);
  out += len < text.size() ? "...\"" : "\"";
  return out;
}

}  // namespace a11y::audit
