// ARIA ownership and keyboard structure, as axe-core means them: aria-required-children,
// aria-required-parent, nested-interactive, tabindex, aria-text. Ownership is the Semantics pass's
// `owner` (the nearest ancestor with a role other than none/presentation/generic), so a role's children
// and context are found in one pass over the elements.
#include <string>

#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

std::string_view role_of(const Semantics& sem, std::int32_t i) { return i < 0 ? std::string_view() : Semantics::role_name(sem[static_cast<std::size_t>(i)]); }

// Roles whose required children may legitimately be missing for now (filled in by script): axe asks for review.
constexpr std::string_view kReviewWhenEmpty =
    "doc-bibliography doc-endnotes grid list listbox menu menubar table tablist tree treegrid rowgroup";

void check_required_children(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  enum : std::uint8_t { kRequired = 1, kOther = 2 };
  std::vector<std::uint8_t> owned(elements.size(), 0);
  std::vector<std::string_view> other_role(elements.size());
  for (std::size_t j = 0; j < elements.size(); ++j) {
    const std::int32_t o = sem[j].owner;
    if (o < 0 || elements[j].hidden) continue;
    const NodeInfo& owner = sem[static_cast<std::size_t>(o)];
    if (owner.explicit_role == nullptr || owner.role != owner.explicit_role || owner.role->required_owned.empty()) continue;
    if (Semantics::transparent(sem[j].role)) continue;
    const std::string_view r = Semantics::role_name(sem[j]);
    if (list_has(owner.role->required_owned, r)) {
      owned[static_cast<std::size_t>(o)] |= kRequired;
    } else {
      owned[static_cast<std::size_t>(o)] |= kOther;
      if (other_role[static_cast<std::size_t>(o)].empty()) other_role[static_cast<std::size_t>(o)] = r;
    }
  }
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const NodeInfo& n = sem[i];
    if (n.explicit_role == nullptr || n.role != n.explicit_role || n.role->required_owned.empty() || elements[i].hidden) continue;
    if (iequals(trim(attr(elements[i].node, "aria-busy").value), "true") || attr(elements[i].node, "aria-owns").present) continue;
    const std::string needs = "An element with role " + quoted(n.role->name) + " must own " + std::string(n.role->required_owned);
    if (owned[i] & kOther)
      out.report(elements[i].node, needs + ", and nothing with role " + quoted(other_role[i]));
    else if (!(owned[i] & kRequired)) {
      if (list_has(kReviewWhenEmpty, n.role->name))
        out.review(elements[i].node, needs + "; this one is empty: check that script fills it");
      else
        out.report(elements[i].node, needs);
    }
  }
}

void check_required_parent(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const NodeInfo& n = sem[i];
    if (n.explicit_role == nullptr || n.role != n.explicit_role || n.role->required_context.empty() || elements[i].hidden) continue;
    const std::string_view parent = role_of(sem, n.owner);
    if (list_has(n.role->required_context, parent)) continue;
    out.report(elements[i].node, "Role " + quoted(n.role->name) + " must be contained in " + std::string(n.role->required_context) +
                                     (parent.empty() ? "" : ", not " + quoted(parent)));
  }
}

// nested-interactive: a role whose children are presentational (button, checkbox, tab, ...) flattens its
// content, so anything focusable inside it is lost to assistive technology. The outer element is reported.
void check_nested_interactive(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::vector<std::int32_t> flattening(elements.size(), -1);   // nearest ancestor with presentational children
  std::vector<std::uint8_t> failing(elements.size(), 0);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::int32_t p = sem[i].parent;
    if (p >= 0) {
      const NodeInfo& parent = sem[static_cast<std::size_t>(p)];
      flattening[i] = (parent.role != nullptr && parent.role->has(kChildrenPresentational)) ? p : flattening[static_cast<std::size_t>(p)];
    }
    if (flattening[i] >= 0 && sem[i].focusable && !elements[i].hidden) failing[static_cast<std::size_t>(flattening[i])] = 1;
  }
  for (std::size_t i = 0; i < elements.size(); ++i)
    if (failing[i] && !elements[i].hidden)
      out.report(elements[i].node, "Interactive element with role " + quoted(Semantics::role_name(sem[i])) +
                                       " contains focusable content, which assistive technology does not announce");
}

void check_tabindex(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    int value = 0;
    if (e.hidden || !parse_tabindex(e.node, value) || value <= 0) continue;
    out.report(e.node, "tabindex=\"" + std::to_string(value) + "\" changes the tab order: use 0 or -1");
  }
}

// aria-text: role="text" flattens its content, so nothing in it may be focusable.
void check_aria_text(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::vector<std::int32_t> text_root(elements.size(), -1);
  std::vector<std::uint8_t> failing(elements.size(), 0);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const std::int32_t p = sem[i].parent;
    if (elements[i].has_role("text")) text_root[i] = static_cast<std::int32_t>(i);
    else if (p >= 0) text_root[i] = text_root[static_cast<std::size_t>(p)];
    if (text_root[i] >= 0 && sem[i].tabbable && !elements[i].hidden) failing[static_cast<std::size_t>(text_root[i])] = 1;
  }
  for (std::size_t i = 0; i < elements.size(); ++i)
    if (failing[i]) out.report(elements[i].node, "role=\"text\" element contains focusable content");
}

}  // namespace

const std::vector<const Rule*>& aria_structure_rules() {
  static const FunctionRule rules[] = {
      {{"aria-required-children", "1.3.1", "A", "Certain ARIA roles must contain particular children", Impact::Critical, "cat.aria,wcag2a,wcag131"}, &check_required_children},
      {{"aria-required-parent", "1.3.1", "A", "Certain ARIA roles must be contained by particular parents", Impact::Critical, "cat.aria,wcag2a,wcag131"}, &check_required_parent},
      {{"nested-interactive", "4.1.2", "A", "Interactive controls must not be nested", Impact::Serious, "cat.keyboard,wcag2a,wcag412"}, &check_nested_interactive},
      {{"tabindex", "", "", "Elements should not have tabindex greater than zero", Impact::Serious, "cat.keyboard,best-practice"}, &check_tabindex},
      {{"aria-text", "", "", "\"role=text\" should have no focusable descendants", Impact::Serious, "cat.aria,best-practice"}, &check_aria_text},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
