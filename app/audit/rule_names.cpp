// The name rules for ARIA widgets and non-text content, as axe-core means them: aria-command-name,
// aria-input-field-name, aria-toggle-field-name, aria-tooltip-name, aria-treeitem-name,
// aria-progressbar-name, aria-meter-name, aria-dialog-name, role-img-alt, svg-img-alt, input-image-alt,
// object-alt, area-alt, summary-name, image-redundant-alt. Names come from accessible_name (accname 1.2);
// roles whose name may come from content use it, the others only aria-label(ledby) and title.
#include <string>
#include <unordered_map>

#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

// Native controls have their own naming rules (button-name, label, select-name, link-name, ...).
bool native_control(const Element& e) {
  switch (e.tag) {
    case GUMBO_TAG_BUTTON: case GUMBO_TAG_INPUT: case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_IMG: case GUMBO_TAG_AREA: case GUMBO_TAG_OPTION:
      return true;
    case GUMBO_TAG_A: return attr(e.node, "href").present;
    default: return false;
  }
}

// Elements with one of roles (explicit role), not native controls, without an accessible name.
void check_role_names(const Document& doc, Reporter& out, std::string_view roles, bool from_content,
                      bool skip_native, std::string_view what) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::vector<std::size_t> unnamed;
  // Innermost first: a nested widget's content name is then known when its ancestor's is computed, so
  // 500 nested role=button cost one walk over each node, not one per ancestor.
  for (std::size_t i = elements.size(); i-- > 0;) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    const AriaRole* role = sem[i].explicit_role;
    if (role == nullptr || e.hidden || !list_has(roles, role->name) || sem[i].role != role) continue;
    if (skip_native && native_control(e)) continue;
    if (accessible_name(doc, e.node, from_content).empty()) unnamed.push_back(i);
  }
  for (auto it = unnamed.rbegin(); it != unnamed.rend(); ++it) {
    const Element& e = elements[*it];
    const AriaRole* role = sem[*it].explicit_role;
    out.report(e.node, std::string(what) + " (role " + quoted(role->name) + ") has no accessible name: add " +
                           (from_content ? "text content, " : "") + "an aria-label or aria-labelledby");
  }
}

void check_command_name(const Document& doc, Reporter& out) { check_role_names(doc, out, "button link menuitem", true, true, "Command"); }
void check_input_field_name(const Document& doc, Reporter& out) {
  check_role_names(doc, out, "combobox listbox searchbox slider spinbutton textbox", false, true, "Input field");
}
void check_toggle_field_name(const Document& doc, Reporter& out) {
  check_role_names(doc, out, "checkbox menuitemcheckbox menuitemradio radio switch option", true, true, "Toggle field");
}
void check_tooltip_name(const Document& doc, Reporter& out) { check_role_names(doc, out, "tooltip", true, false, "Tooltip"); }
void check_treeitem_name(const Document& doc, Reporter& out) { check_role_names(doc, out, "treeitem", true, false, "Tree item"); }
void check_progressbar_name(const Document& doc, Reporter& out) { check_role_names(doc, out, "progressbar", false, false, "Progress bar"); }
void check_meter_name(const Document& doc, Reporter& out) { check_role_names(doc, out, "meter", false, false, "Meter"); }
void check_dialog_name(const Document& doc, Reporter& out) { check_role_names(doc, out, "dialog alertdialog", false, false, "Dialog"); }

void check_role_img_alt(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || !e.has_role("img")) continue;
    if (e.tag == GUMBO_TAG_IMG || e.tag == GUMBO_TAG_AREA || e.tag == GUMBO_TAG_INPUT || e.tag == GUMBO_TAG_OBJECT || e.tag == GUMBO_TAG_SVG) continue;
    if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
    out.report(e.node, "Element with role=\"img\" has no text alternative: add an aria-label or aria-labelledby");
  }
}

void check_svg_img_alt(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || e.tag != GUMBO_TAG_SVG) continue;
    if (!e.has_role("img") && !e.has_role("graphics-document") && !e.has_role("graphics-symbol")) continue;
    if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
    out.report(e.node, "SVG with an image role has no text alternative: add a <title>, an aria-label or aria-labelledby");
  }
}

void check_input_image_alt(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || e.tag != GUMBO_TAG_INPUT || !iequals(trim(attr(e.node, "type").value), "image")) continue;
    if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
    out.report(e.node, "Image button has no text alternative: add an alt saying what it does");
  }
}

void check_object_alt(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || e.tag != GUMBO_TAG_OBJECT || !attr(e.node, "data").present) continue;
    if (e.has_role("none") || e.has_role("presentation")) continue;
    if (!accessible_name(doc, e.node, /*from_content=*/true).empty()) continue;
    out.report(e.node, "Object has no text alternative: add fallback text, an aria-label or a title");
  }
}

void check_area_alt(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || e.tag != GUMBO_TAG_AREA || !attr(e.node, "href").present) continue;
    if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
    out.report(e.node, "Image map area has no text alternative: add an alt saying where it links");
  }
}

void check_summary_name(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || e.tag != GUMBO_TAG_SUMMARY || !e.role.empty()) continue;
    const GumboNode* details = e.node->parent;
    if (details == nullptr || !is_element(details) || details->v.element.tag != GUMBO_TAG_DETAILS) continue;
    bool first = true;   // only the first summary of a details is its control
    const GumboVector& kids = details->v.element.children;
    for (unsigned k = 0; k < kids.length && k < e.node->index_within_parent; ++k) {
      const auto* sibling = static_cast<const GumboNode*>(kids.data[k]);
      if (is_element(sibling) && sibling->v.element.tag == GUMBO_TAG_SUMMARY) first = false;
    }
    if (!first || !accessible_name(doc, e.node, /*from_content=*/true).empty()) continue;
    out.report(e.node, "Summary has no accessible name: give it text content");
  }
}

// image-redundant-alt: an image's alt that repeats the text next to it (in the same link, button,
// paragraph, list item or cell) is read twice.
bool redundant_container(const Element& e) {
  switch (e.tag) {
    case GUMBO_TAG_BUTTON: case GUMBO_TAG_P: case GUMBO_TAG_LI: case GUMBO_TAG_TD: case GUMBO_TAG_TH: return true;
    case GUMBO_TAG_A: return attr(e.node, "href").present;
    default: return e.has_role("button");
  }
}

void check_image_redundant_alt(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::vector<std::int32_t> container(elements.size(), -1);
  std::unordered_map<const GumboNode*, std::string> text_memo;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const std::int32_t p = sem[i].parent;
    if (p >= 0) container[i] = redundant_container(elements[static_cast<std::size_t>(p)]) ? p : container[static_cast<std::size_t>(p)];
    const Element& e = elements[i];
    if (e.tag != GUMBO_TAG_IMG || e.hidden || container[i] < 0) continue;
    const std::string alt = lower_copy(attr(e.node, "alt").value);
    if (alt.empty()) continue;
    const GumboNode* c = elements[static_cast<std::size_t>(container[i])].node;
    auto [it, inserted] = text_memo.try_emplace(c);
    if (inserted && !visible_text(c, it->second, 256, 512)) it->second = std::string(1, '\0');   // too large to compare
    if (lower_copy(it->second) != alt) continue;
    out.report(e.node, "The image's alt text " + quoted(alt) + " repeats the text beside it: use alt=\"\"");
  }
}

constexpr std::string_view kAria412 = "cat.aria,wcag2a,wcag412";
constexpr std::string_view kText111 = "cat.text-alternatives,wcag2a,wcag111,section508,section508.22.a";

}  // namespace

const std::vector<const Rule*>& name_rules() {
  static const FunctionRule rules[] = {
      {{"aria-command-name", "4.1.2", "A", "ARIA commands must have an accessible name", Impact::Serious, kAria412}, &check_command_name},
      {{"aria-input-field-name", "4.1.2", "A", "ARIA input fields must have an accessible name", Impact::Serious, kAria412}, &check_input_field_name},
      {{"aria-toggle-field-name", "4.1.2", "A", "ARIA toggle fields must have an accessible name", Impact::Serious, kAria412}, &check_toggle_field_name},
      {{"aria-tooltip-name", "4.1.2", "A", "ARIA tooltip nodes must have an accessible name", Impact::Serious, kAria412}, &check_tooltip_name},
      {{"aria-treeitem-name", "", "", "ARIA treeitem nodes should have an accessible name", Impact::Serious, "cat.aria,best-practice"}, &check_treeitem_name},
      {{"aria-progressbar-name", "1.1.1", "A", "ARIA progressbar nodes must have an accessible name", Impact::Serious, "cat.aria,wcag2a,wcag111"}, &check_progressbar_name},
      {{"aria-meter-name", "1.1.1", "A", "ARIA meter nodes must have an accessible name", Impact::Serious, "cat.aria,wcag2a,wcag111"}, &check_meter_name},
      {{"aria-dialog-name", "", "", "ARIA dialog and alertdialog nodes should have an accessible name", Impact::Serious, "cat.aria,best-practice"}, &check_dialog_name},
      {{"role-img-alt", "1.1.1", "A", "[role=\"img\"] elements must have alternative text", Impact::Serious, kText111}, &check_role_img_alt},
      {{"svg-img-alt", "1.1.1", "A", "SVG elements with an img role must have alternative text", Impact::Serious, kText111}, &check_svg_img_alt},
      {{"input-image-alt", "1.1.1", "A", "Image buttons must have alternative text", Impact::Critical,
        "cat.text-alternatives,wcag2a,wcag111,wcag412,section508,section508.22.a"}, &check_input_image_alt},
      {{"object-alt", "1.1.1", "A", "<object> elements must have alternative text", Impact::Serious, kText111}, &check_object_alt},
      {{"area-alt", "2.4.4", "A", "Active <area> elements must have alternative text", Impact::Critical,
        "cat.text-alternatives,wcag2a,wcag244,wcag412,section508,section508.22.a"}, &check_area_alt},
      {{"summary-name", "4.1.2", "A", "Summary elements must have discernible text", Impact::Serious, "cat.name-role-value,wcag2a,wcag412"}, &check_summary_name},
      {{"image-redundant-alt", "", "", "Alternative text of images should not be repeated as text", Impact::Minor, "cat.text-alternatives,best-practice"}, &check_image_redundant_alt},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
