// label (WCAG 1.3.1, 4.1.2): form controls need a label: <label for>, a wrapping <label>, aria-label,
// aria-labelledby or title. A placeholder is not a label: it disappears as soon as someone types.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool needs_label(const Element& e) {
  if (e.tag == GUMBO_TAG_SELECT || e.tag == GUMBO_TAG_TEXTAREA) return true;
  if (e.tag != GUMBO_TAG_INPUT) return false;
  const std::string_view type = trim(attr(e.node, "type").value);
  for (std::string_view exempt : {"hidden", "submit", "reset", "button", "image"})
    if (iequals(type, exempt)) return false;
  return true;
}

bool label_has_text(const GumboNode* label) {
  std::string text;
  append_text_content(label, text, 64);
  return !trim(text).empty();
}

bool is_labelled(const Document& doc, const GumboNode* control) {
  if (!accessible_name(doc, control, /*from_content=*/false).empty()) return true;   // aria-*, title
  if (const auto id = attr(control, "id"); id.present && !id.value.empty())
    for (const auto& [for_id, label] : doc.labels_for(id.value))
      if (label_has_text(label)) return true;
  for (const GumboNode* n = control->parent; n != nullptr && is_element(n); n = n->parent)
    if (n->v.element.tag == GUMBO_TAG_LABEL) return label_has_text(n);
  return false;
}

class Label final : public Rule {
 public:
  Label() : Rule({"label", "4.1.2", "A", "Form elements must have labels", Impact::Critical}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (!needs_label(e) || e.hidden || is_labelled(doc, e.node)) continue;
      out.report(e.node, "Form control has no label: add <label for=\"...\">, wrap it in a <label>, or use aria-label or aria-labelledby");
    }
  }
};

}  // namespace

const Rule& label_rule() {
  static const Label rule;
  return rule;
}

}  // namespace a11y::audit
