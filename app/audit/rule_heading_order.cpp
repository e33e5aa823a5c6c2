// heading-order (axe: best practice, moderate; no WCAG criterion): heading levels go down one step at a
// time (h2 after h1, not h4), so the outline a screen reader user navigates by has no holes. Levels as axe
// reads them: aria-level (a whole number from 1) wins over the tag's level on h1-h6 and role="heading"; a
// heading without a usable aria-level is its tag's level, or 2 for role="heading". An h1-h6 with another
// explicit role is not a heading.
#include <charconv>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

int tag_level(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_H1: return 1;
    case GUMBO_TAG_H2: return 2;
    case GUMBO_TAG_H3: return 3;
    case GUMBO_TAG_H4: return 4;
    case GUMBO_TAG_H5: return 5;
    case GUMBO_TAG_H6: return 6;
    default: return 0;
  }
}

// 0 when the element is not a heading.
int heading_level(const Element& e) {
  const int by_tag = tag_level(e.tag);
  if (!(e.has_role("heading") || (by_tag != 0 && e.role.empty()))) return 0;
  const std::string_view level = trim(attr(e.node, "aria-level").value);
  int value = 0;
  const auto [end, ec] = std::from_chars(level.data(), level.data() + level.size(), value);
  if (ec == std::errc() && value >= 1) return value;
  return by_tag != 0 ? by_tag : 2;   // 2: the ARIA default for role=heading
}

class HeadingOrder final : public Rule {
 public:
  HeadingOrder()
      : Rule({"heading-order", "", "", "Heading levels should only increase by one", Impact::Moderate,
              "cat.semantics,best-practice"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    int previous = 0;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.hidden) continue;
      const int level = heading_level(e);
      if (level == 0) continue;
      if (previous > 0 && level > previous + 1)
        out.report(e.node, "Heading level " + std::to_string(level) + " follows level " + std::to_string(previous) +
                               ": use level " + std::to_string(previous + 1) + " or restructure the outline");
      previous = level;
    }
  }
};

}  // namespace

const Rule& heading_order_rule() {
  static const HeadingOrder rule;
  return rule;
}

}  // namespace a11y::audit
