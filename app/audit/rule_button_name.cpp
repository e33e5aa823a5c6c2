// button-name (WCAG 4.1.2), as axe-core means it: every <button> that assistive technology sees needs an
// accessible name (its content, descendants' names, aria-label, aria-labelledby or title), whatever role it
// is given (a tab, menuitem or link button is still unnamed; none/presentation do not apply to a focusable
// element); an icon-only button says nothing to a screen reader. role="button" on other elements is axe's
// aria-command-name, <input type=button> its input-button-name: neither is this rule.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class ButtonName final : public Rule {
 public:
  ButtonName()
      : Rule({"button-name", "4.1.2", "A", "Buttons must have discernible text", Impact::Critical,
              "cat.name-role-value,wcag2a,wcag412,section508,section508.22.a"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_BUTTON || e.hidden) continue;
      if (!accessible_name(doc, e.node, /*from_content=*/true).empty()) continue;
      out.report(e.node, "Button has no accessible name: give it text content, an aria-label, or a title");
    }
  }
};

// input-button-name (WCAG 4.1.2), axe's rule for <input type=button|submit|reset>: a value that is present
// must not be empty, and a plain button input needs a value, aria-label, aria-labelledby or title (submit
// and reset without value have the browser's default name, "Submit" / "Reset").
class InputButtonName final : public Rule {
 public:
  InputButtonName()
      : Rule({"input-button-name", "4.1.2", "A", "Input buttons must have discernible text", Impact::Critical,
              "cat.name-role-value,wcag2a,wcag412,section508,section508.22.a"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_INPUT || e.hidden) continue;
      // axe selects input[type="button"], [type="submit"], [type="reset"]; its selector engine compares the
      // value exactly, so type="BUTTON" is not in the rule's scope.
      const std::string_view type = attr(e.node, "type").value;
      const bool plain = type == "button";
      if (!plain && type != "submit" && type != "reset") continue;
      const AttrValue value = attr(e.node, "value");
      if (!value.present && !plain) continue;   // the default "Submit" / "Reset"
      // The value is the name (after aria-labelledby and aria-label); one of only spaces or no-break
      // spaces is no name.
      if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
      out.report(e.node, "Input button has no accessible name: give it a value, an aria-label, or a title");
    }
  }
};

}  // namespace

const Rule& input_button_name_rule() {
  static const InputButtonName rule;
  return rule;
}

const Rule& button_name_rule() {
  static const ButtonName rule;
  return rule;
}

}  // namespace a11y::audit
