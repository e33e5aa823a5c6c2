// frame-title (WCAG 4.1.2), as axe-core means it: every iframe and frame that assistive technology sees and
// that is in the focus order needs an accessible name (title, aria-label or aria-labelledby), unless it is
// role="none"/"presentation". A frame with a negative tabindex is out of the focus order, so axe does not
// apply the rule to it (frame-focusable-content is the rule for those).
#include <charconv>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool negative_tabindex(const GumboNode* n) {
  const std::string_view v = trim(attr(n, "tabindex").value);
  int value = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  return ec == std::errc() && value < 0;
}

class FrameTitle final : public Rule {
 public:
  FrameTitle()
      : Rule({"frame-title", "4.1.2", "A", "Frames must have an accessible name", Impact::Serious,
              "cat.text-alternatives,wcag2a,wcag412,section508,section508.22.i"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_IFRAME && e.tag != GUMBO_TAG_FRAME) continue;
      if (e.hidden || negative_tabindex(e.node) || e.has_role("none") || e.has_role("presentation")) continue;
      if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
      out.report(e.node, "Frame has no title: add title=\"...\" describing its content");
    }
  }
};

}  // namespace

const Rule& frame_title_rule() {
  static const FrameTitle rule;
  return rule;
}

}  // namespace a11y::audit
