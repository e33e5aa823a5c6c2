// label (WCAG 4.1.2), as axe-core means it: every input (not hidden, image, button, submit or reset) and
// textarea that assistive technology sees needs a name: <label for>, a wrapping <label>, aria-label,
// aria-labelledby, title, or (axe's non-empty-placeholder check) a placeholder. <select> is axe's
// select-name rule, defined here too: the same checks without placeholder, which a select has not.
#include <unordered_map>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool needs_label(const Element& e) {
  if (e.tag == GUMBO_TAG_TEXTAREA) return true;
  if (e.tag != GUMBO_TAG_INPUT) return false;
  const std::string_view type = trim(attr(e.node, "type").value);
  for (std::string_view exempt : {"hidden", "submit", "reset", "button", "image"})
    if (iequals(type, exempt)) return false;
  return true;
}

// A label's text is its accessible name, as axe computes it (accessibleText of the label): its content, or
// else its own aria-labelledby, aria-label or title (an icon-only label with aria-label names its control).
bool label_has_text(const Document& doc, const GumboNode* label) {
  return !trim(doc.text_of(label)).empty() || !accessible_name(doc, label, /*from_content=*/false).empty();
}

// A <label for> that assistive technology does not see (it or an ancestor hidden) names nothing (axe's
// hidden-explicit-label). Walks up: labels_for answers are memoised per id, so once per label.
bool label_hidden(const GumboNode* label) {
  for (const GumboNode* n = label; n != nullptr && is_element(n); n = n->parent)
    if (hides_subtree(n)) return true;
  return false;
}

// Answers per id and per wrapping label are kept for the run: a thousand controls in one <label>, or a
// thousand labels for one id, cost one walk, not one per control.
struct LabelMemo {
  std::unordered_map<std::string_view, bool> by_for_id;
  std::unordered_map<const GumboNode*, const GumboNode*> wrapping;   // element -> nearest label ancestor or null
};

const GumboNode* wrapping_label(const GumboNode* n, LabelMemo& memo) {
  if (n == nullptr || !is_element(n)) return nullptr;
  if (n->v.element.tag == GUMBO_TAG_LABEL) return n;
  auto [it, inserted] = memo.wrapping.try_emplace(n, nullptr);
  if (inserted) it->second = wrapping_label(n->parent, memo);   // depth is bounded by max_depth
  return it->second;
}

bool is_labelled(const Document& doc, const GumboNode* control, LabelMemo& memo) {
  if (!accessible_name(doc, control, /*from_content=*/false).empty()) return true;   // aria-*, title
  if (const auto id = attr(control, "id"); id.present && !id.value.empty()) {
    auto [it, inserted] = memo.by_for_id.try_emplace(id.value, false);
    if (inserted)
      for (const auto& [for_id, label] : doc.labels_for(id.value))
        if (!label_hidden(label) && label_has_text(doc, label)) {
          it->second = true;
          break;
        }
    if (it->second) return true;
  }
  const GumboNode* label = wrapping_label(control->parent, memo);
  return label != nullptr && label_has_text(doc, label);
}

class Label final : public Rule {
 public:
  Label()
      : Rule({"label", "4.1.2", "A", "Form elements must have labels", Impact::Critical,
              "cat.forms,wcag2a,wcag412,section508,section508.22.n"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    LabelMemo memo;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (!needs_label(e) || e.hidden || is_labelled(doc, e.node, memo)) continue;
      if (!trim(attr(e.node, "placeholder").value).empty()) continue;
      out.report(e.node, "Form control has no label: add <label for=\"...\">, wrap it in a <label>, or use aria-label or aria-labelledby");
    }
  }
};

class SelectName final : public Rule {
 public:
  SelectName()
      : Rule({"select-name", "4.1.2", "A", "Select element must have an accessible name", Impact::Critical,
              "cat.forms,wcag2a,wcag412,section508,section508.22.n"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    LabelMemo memo;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_SELECT || e.hidden || is_labelled(doc, e.node, memo)) continue;
      out.report(e.node, "Select has no label: add <label for=\"...\">, wrap it in a <label>, or use aria-label or aria-labelledby");
    }
  }
};

}  // namespace

const Rule& label_rule() {
  static const Label rule;
  return rule;
}

const Rule& select_name_rule() {
  static const SelectName rule;
  return rule;
}

}  // namespace a11y::audit
