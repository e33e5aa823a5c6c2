// frame-title (WCAG 4.1.2): iframes and frames need a title (or aria-label) that says what they contain.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class FrameTitle final : public Rule {
 public:
  FrameTitle() : Rule({"frame-title", "4.1.2", "A", "Frames must have an accessible name", Impact::Serious}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_IFRAME && e.tag != GUMBO_TAG_FRAME) continue;
      if (e.has_role("none") || e.has_role("presentation") || e.hidden) continue;
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
