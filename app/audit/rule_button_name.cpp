// button-name (WCAG 4.1.2): buttons need an accessible name; an icon-only button says nothing to a screen reader.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class ButtonName final : public Rule {
 public:
  ButtonName() : Rule({"button-name", "4.1.2", "A", "Buttons must have discernible text", Impact::Critical}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      const bool role_button = e.has_role("button");
      const bool input_button = e.tag == GUMBO_TAG_INPUT && iequals(trim(attr(e.node, "type").value), "button");
      if (!(e.tag == GUMBO_TAG_BUTTON || role_button || input_button) || e.hidden) continue;
      if (input_button) {
        if (!trim(attr(e.node, "value").value).empty()) continue;
        if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
      } else if (!accessible_name(doc, e.node, /*from_content=*/true).empty()) {
        continue;
      }
      out.report(e.node, "Button has no accessible name: give it text content, an aria-label, or a title");
    }
  }
};

}  // namespace

const Rule& button_name_rule() {
  static const ButtonName rule;
  return rule;
}

}  // namespace a11y::audit
