// A rule whose check is a plain function: the rule families (rule_landmarks.cpp, rule_aria_*.cpp, ...)
// define many small rules each, and this keeps each one to its metadata and its check.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "audit/rule.hpp"
#include "audit/semantics.hpp"

namespace a11y::audit {

using CheckFunction = void (*)(const Document& doc, Reporter& out);

class FunctionRule final : public Rule {
 public:
  FunctionRule(RuleSpec spec, CheckFunction check) : Rule(spec), check_(check) {}
  void check(const Document& doc, const TextJudge&, Reporter& out) const override { check_(doc, out); }

 private:
  CheckFunction check_;
};

// A family's rules as the registry lists them: pointers into its static array, in order.
template <std::size_t N>
std::vector<const Rule*> rule_pointers(const FunctionRule (&rules)[N]) {
  std::vector<const Rule*> v;
  v.reserve(N);
  for (const auto& r : rules) v.push_back(&r);
  return v;
}

// The lower-cased, trimmed value.
inline std::string lower_copy(std::string_view s) {
  std::string out(trim(s));
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

inline bool is_heading_tag(GumboTag t) {
  return t == GUMBO_TAG_H1 || t == GUMBO_TAG_H2 || t == GUMBO_TAG_H3 || t == GUMBO_TAG_H4 || t == GUMBO_TAG_H5 ||
         t == GUMBO_TAG_H6;
}

// Index of the <body> element in doc.elements(), or -1.
inline std::int32_t body_index(const Document& doc) {
  const auto elements = doc.elements();
  for (std::size_t i = 0; i < elements.size() && i < 64; ++i)
    if (elements[i].tag == GUMBO_TAG_BODY) return static_cast<std::int32_t>(i);
  return -1;
}

}  // namespace a11y::audit
