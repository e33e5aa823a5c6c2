// heading-order: heading levels go down one step at a time (h2 after h1, not h4), so the outline a
// screen reader user navigates by has no holes. axe files this as best practice; the criterion it
// serves is WCAG 1.3.1 (info and relationships).
#include <charconv>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

int heading_level(const Element& e) {
  switch (e.tag) {
    case GUMBO_TAG_H1: return 1;
    case GUMBO_TAG_H2: return 2;
    case GUMBO_TAG_H3: return 3;
    case GUMBO_TAG_H4: return 4;
    case GUMBO_TAG_H5: return 5;
    case GUMBO_TAG_H6: return 6;
    default: break;
  }
  if (!e.has_role("heading")) return 0;
  const std::string_view level = trim(attr(e.node, "aria-level").value);
  int value = 2;   // the ARIA default for role=heading
  if (!level.empty()) std::from_chars(level.data(), level.data() + level.size(), value);
  return value >= 1 && value <= 9 ? value : 2;
}

class HeadingOrder final : public Rule {
 public:
  HeadingOrder() : Rule({"heading-order", "1.3.1", "A", "Heading levels should only increase by one", Impact::Moderate}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    int previous = 0;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      const int level = heading_level(e);
      if (level == 0 || e.hidden) continue;
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
