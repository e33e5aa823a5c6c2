// Form rules, as axe-core means them: label-title-only (a control named only by title or
// aria-describedby), form-field-multiple-labels (needs review: several labels may be read inconsistently)
// and autocomplete-valid (the HTML autofill grammar). Labels are found through Document::labels_for and
// the Semantics pass's nearest <label> ancestor, never by walking up per control.
#include <string>

#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

bool labelable_control(const Element& e) {
  if (e.tag == GUMBO_TAG_TEXTAREA || e.tag == GUMBO_TAG_SELECT) return true;
  if (e.tag != GUMBO_TAG_INPUT) return false;
  const std::string_view type = trim(attr(e.node, "type").value);
  for (std::string_view exempt : {"hidden", "submit", "reset", "button", "image"})
    if (iequals(type, exempt)) return false;
  return true;
}

// Label elements of a control: those whose for names its id, and the wrapping one (once).
std::vector<const GumboNode*> labels_of(const Document& doc, const Element& e, const NodeInfo& info) {
  std::vector<const GumboNode*> labels;
  if (const auto id = attr(e.node, "id"); id.present && !id.value.empty() && doc.by_id(id.value) == e.node)
    for (const auto& [for_id, label] : doc.labels_for(id.value)) labels.push_back(label);
  if (info.label >= 0) {
    const GumboNode* wrapping = doc.elements()[static_cast<std::size_t>(info.label)].node;
    bool seen = false;
    for (const GumboNode* l : labels) seen = seen || l == wrapping;
    if (!seen) labels.push_back(wrapping);
  }
  return labels;
}

void check_label_title_only(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    if (e.hidden || !labelable_control(e)) continue;
    const bool title = !trim(attr(e.node, "title").value).empty();
    const bool described = !trim(attr(e.node, "aria-describedby").value).empty();
    if (!title && !described) continue;
    if (!trim(attr(e.node, "aria-label").value).empty()) continue;
    bool labelled = false;
    for_each_token(attr(e.node, "aria-labelledby").value, [&](std::string_view id) {
      if (const GumboNode* ref = doc.by_id(id)) labelled = labelled || !trim(doc.text_of(ref)).empty();
    });
    for (const GumboNode* label : labels_of(doc, e, sem[i])) labelled = labelled || !trim(doc.text_of(label)).empty();
    if (labelled) continue;
    out.report(e.node, "Form control is labelled only by its title or aria-describedby: add a visible <label>");
  }
}

void check_multiple_labels(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    if (e.hidden || !labelable_control(e)) continue;
    const auto labels = labels_of(doc, e, sem[i]);
    if (labels.size() < 2) continue;
    out.review(e.node, "Form field has " + std::to_string(labels.size()) + " labels: assistive technology may read only one");
  }
}

// The HTML autofill detail tokens: [section-*] [shipping|billing] [home|work|mobile|fax|pager] field [webauthn].
bool valid_autocomplete(std::string_view value) {
  std::vector<std::string> tokens;
  for_each_token(value, [&](std::string_view t) { tokens.push_back(lower_copy(t)); });
  if (tokens.empty()) return true;
  if (tokens.size() == 1 && (tokens[0] == "on" || tokens[0] == "off")) return true;
  std::size_t k = 0;
  if (k < tokens.size() && tokens[k].rfind("section-", 0) == 0) ++k;
  if (k < tokens.size() && (tokens[k] == "shipping" || tokens[k] == "billing")) ++k;
  bool contact = false;
  if (k < tokens.size() && list_has("home work mobile fax pager", tokens[k])) contact = true, ++k;
  if (k >= tokens.size()) return false;
  const std::string& field = tokens[k++];
  if (contact ? !is_contact_autocomplete_field(field) : !is_autocomplete_field(field)) return false;
  if (k < tokens.size() && tokens[k] == "webauthn") ++k;
  return k == tokens.size();
}

void check_autocomplete(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || (e.tag != GUMBO_TAG_INPUT && e.tag != GUMBO_TAG_SELECT && e.tag != GUMBO_TAG_TEXTAREA)) continue;
    const AttrValue ac = attr(e.node, "autocomplete");
    if (!ac.present || trim(ac.value).empty() || attr(e.node, "disabled").present) continue;
    if (e.tag == GUMBO_TAG_INPUT) {
      const std::string_view type = trim(attr(e.node, "type").value);
      bool skip = false;
      for (std::string_view t : {"hidden", "submit", "reset", "button", "image", "checkbox", "radio", "file"}) skip = skip || iequals(type, t);
      if (skip) continue;
    }
    if (valid_autocomplete(ac.value)) continue;
    out.report(e.node, "autocomplete=" + quoted(trim(ac.value)) + " is not a valid autofill value (e.g. \"email\", \"shipping postal-code\")");
  }
}

}  // namespace

const std::vector<const Rule*>& form_rules() {
  static const FunctionRule rules[] = {
      {{"label-title-only", "", "", "Form elements should have a visible label", Impact::Serious, "cat.forms,best-practice"}, &check_label_title_only},
      {{"form-field-multiple-labels", "3.3.2", "A", "Form field must not have multiple label elements", Impact::Moderate,
        "cat.forms,wcag2a,wcag332", RuleSource::Axe, /*review_on_fail=*/true}, &check_multiple_labels},
      {{"autocomplete-valid", "1.3.5", "AA", "autocomplete attribute must be used correctly", Impact::Serious, "cat.forms,wcag21aa,wcag135"}, &check_autocomplete},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
