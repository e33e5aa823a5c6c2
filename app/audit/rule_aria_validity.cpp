// The ARIA validity rules, as axe-core means them, driven by the WAI-ARIA 1.2 tables in aria_data.cpp:
// aria-roles, aria-valid-attr, aria-valid-attr-value, aria-allowed-attr, aria-required-attr,
// aria-prohibited-attr, aria-deprecated-role, aria-conditional-attr, aria-hidden-body, aria-hidden-focus,
// aria-allowed-role, presentation-role-conflict.
#include <cstdlib>
#include <string>

#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

constexpr std::string_view kAria412 = "cat.aria,wcag2a,wcag412";

bool starts_with_aria(std::string_view name) { return name.size() > 5 && name.substr(0, 5) == "aria-"; }

template <class F>
void for_each_aria_attribute(const GumboNode* n, F&& f) {
  const GumboVector& attrs = n->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
    const std::string_view name(a->name);
    if (starts_with_aria(name)) f(name, std::string_view(a->value));
  }
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

void check_roles(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.role.empty() || e.hidden) continue;
    bool any_valid = false;
    std::string_view abstract;
    for_each_token(attr(e.node, "role").value, [&](std::string_view token) {
      const AriaRole* r = find_role(token);
      if (r == nullptr) return;
      if (r->has(kAbstract)) abstract = token;
      else any_valid = true;
    });
    if (!abstract.empty())
      out.report(e.node, "role=" + quoted(abstract) + " is an abstract role: authors must not use it");
    else if (!any_valid)
      out.report(e.node, "role=" + quoted(trim(attr(e.node, "role").value)) + " is not a WAI-ARIA role");
  }
}

void check_valid_attr(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden) continue;
    std::vector<std::string_view> unknown;
    for_each_aria_attribute(e.node, [&](std::string_view name, std::string_view) {
      if (find_aria_attr(name) == nullptr) unknown.push_back(name);
    });
    if (!unknown.empty()) out.report(e.node, "Unknown ARIA attribute(s): " + join(unknown) + " (check the spelling)");
  }
}

bool parse_int(std::string_view v, long& out) {
  if (v.empty() || v.size() > 18) return false;
  std::string s(v);
  char* end = nullptr;
  out = std::strtol(s.c_str(), &end, 10);
  return end == s.c_str() + s.size();
}

bool parse_number(std::string_view v) {
  if (v.empty() || v.size() > 64) return false;
  std::string s(v);
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

// Whether any of the ids names an element.
bool any_id_exists(const Document& doc, std::string_view ids) {
  bool found = false;
  for_each_token(ids, [&](std::string_view id) { found = found || doc.by_id(id) != nullptr; });
  return found;
}

enum class Verdict { Valid, Invalid, Review };

Verdict value_verdict(const Document& doc, const GumboNode* n, const AriaAttr& a, std::string_view raw) {
  const std::string_view v = trim(raw);
  if (v.empty()) return Verdict::Valid;   // an empty value means the default
  const auto one_of = [&](std::string_view list) { return list_has(list, v) ? Verdict::Valid : Verdict::Invalid; };
  switch (a.type) {
    case AttrType::Bool: return one_of("true false");
    case AttrType::Tristate: return one_of("true false mixed");
    case AttrType::TrueFalseUndefined: return one_of("true false undefined");
    case AttrType::Int: {
      long value = 0;
      return parse_int(v, value) && value >= a.min_int ? Verdict::Valid : Verdict::Invalid;
    }
    case AttrType::Number: return parse_number(v) ? Verdict::Valid : Verdict::Invalid;
    case AttrType::String: return Verdict::Valid;
    case AttrType::Token:
      if (list_has(a.values, v)) return Verdict::Valid;
      return a.name == "aria-current" ? Verdict::Review : Verdict::Invalid;   // browsers read it as "true"
    case AttrType::Tokens: {
      bool ok = true;
      for_each_token(v, [&](std::string_view t) { ok = ok && list_has(a.values, t); });
      return ok ? Verdict::Valid : Verdict::Invalid;
    }
    case AttrType::IdRef:
    case AttrType::IdRefs: {
      if (any_id_exists(doc, v)) return Verdict::Valid;
      if (a.name == "aria-controls") {
        // A collapsed control's popup may not exist yet.
        if (iequals(trim(attr(n, "aria-expanded").value), "false") || iequals(trim(attr(n, "aria-selected").value), "false"))
          return Verdict::Valid;
        return Verdict::Invalid;
      }
      if (a.name == "aria-owns") return iequals(trim(attr(n, "aria-expanded").value), "false") ? Verdict::Valid : Verdict::Invalid;
      if (a.name == "aria-activedescendant") return Verdict::Invalid;
      return Verdict::Review;   // labelledby, describedby, details, errormessage, flowto: a person checks
    }
  }
  return Verdict::Valid;
}

void check_valid_attr_value(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden) continue;
    std::vector<std::string_view> invalid, review;
    for_each_aria_attribute(e.node, [&](std::string_view name, std::string_view value) {
      const AriaAttr* a = find_aria_attr(name);
      if (a == nullptr) return;
      const Verdict v = value_verdict(doc, e.node, *a, value);
      if (v == Verdict::Invalid) invalid.push_back(name);
      if (v == Verdict::Review) review.push_back(name);
    });
    if (!invalid.empty())
      out.report(e.node, "Invalid ARIA attribute value(s): " + join(invalid) + " (see the attribute's allowed values)");
    else if (!review.empty())
      out.review(e.node, "ARIA attribute(s) " + join(review) + " name no element on the page, or a value the browser reinterprets");
  }
}

void check_allowed_attr(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const AriaRole* role = sem[i].role;
    if (role == nullptr || elements[i].hidden || role->name == "none" || role->name == "presentation") continue;
    std::vector<std::string_view> wrong;
    for_each_aria_attribute(elements[i].node, [&](std::string_view name, std::string_view) {
      const AriaAttr* a = find_aria_attr(name);
      if (a == nullptr || a->global) return;
      if (!list_has(role->supported_attrs, name) && !list_has(role->required_attrs, name)) wrong.push_back(name);
    });
    if (!wrong.empty())
      out.report(elements[i].node, "ARIA attribute(s) " + join(wrong) + " are not allowed on role " + quoted(role->name));
  }
}

void check_required_attr(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const AriaRole* role = sem[i].explicit_role;
    if (role == nullptr || role->required_attrs.empty() || elements[i].hidden || sem[i].role != role) continue;
    // A native element with the same semantics carries the state itself (input type=checkbox: checked).
    if (elements[i].tag == GUMBO_TAG_INPUT || elements[i].tag == GUMBO_TAG_SELECT || elements[i].tag == GUMBO_TAG_HR ||
        elements[i].tag == GUMBO_TAG_METER || elements[i].tag == GUMBO_TAG_PROGRESS)
      continue;
    std::vector<std::string_view> missing;
    for_each_token(role->required_attrs, [&](std::string_view name) {
      if (!attr(elements[i].node, std::string(name).c_str()).present) missing.push_back(name);
    });
    if (role->name == "combobox" && iequals(trim(attr(elements[i].node, "aria-expanded").value), "true") &&
        !attr(elements[i].node, "aria-controls").present)
      missing.push_back("aria-controls");
    if (!missing.empty())
      out.report(elements[i].node, "Role " + quoted(role->name) + " requires " + join(missing));
  }
}

bool generic_tag(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_DIV: case GUMBO_TAG_SPAN: case GUMBO_TAG_B: case GUMBO_TAG_I: case GUMBO_TAG_U:
    case GUMBO_TAG_S: case GUMBO_TAG_SMALL: case GUMBO_TAG_BDI: case GUMBO_TAG_BDO: case GUMBO_TAG_DATA:
    case GUMBO_TAG_PRE: case GUMBO_TAG_Q: case GUMBO_TAG_SAMP: case GUMBO_TAG_KBD: case GUMBO_TAG_VAR:
      return true;
    default: return false;
  }
}

// aria-prohibited-attr: aria-label(ledby) on a role that cannot be named. With text content a screen reader
// still announces something, so (as axe) that case needs review rather than failing.
void check_prohibited_attr(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    if (e.hidden) continue;
    const bool label = attr(e.node, "aria-label").present, labelledby = attr(e.node, "aria-labelledby").present;
    if (!label && !labelledby) continue;
    const AriaRole* role = sem[i].role;
    const bool prohibited = role != nullptr ? role->has(kNameProhibited) : (generic_tag(e.tag) && e.role.empty());
    if (!prohibited) continue;
    const std::string what = std::string(label && labelledby ? "aria-label and aria-labelledby are" : label ? "aria-label is" : "aria-labelledby is") +
                             " not supported on " + (role != nullptr ? "role " + quoted(role->name) : "a " + std::string(tag_name(e.node)) + " with no role");
    std::string text;
    if (!visible_text(e.node, text, 64, 128) || !trim(text).empty())
      out.review(e.node, what + ": the text content is announced instead");
    else
      out.report(e.node, what + ": give it a role that can be named, or use visible text");
  }
}

void check_deprecated_role(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const AriaRole* role = sem[i].explicit_role;
    if (role == nullptr || !role->has(kDeprecated) || elements[i].hidden) continue;
    out.report(elements[i].node, "Role " + quoted(role->name) + " is deprecated in WAI-ARIA 1.2");
  }
}

// aria-conditional-attr: attributes the role allows only in some contexts: aria-checked on a native
// checkbox (must not contradict its checked state) and treegrid-only attributes on rows outside a treegrid.
void check_conditional_attr(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    if (e.hidden) continue;
    if (e.tag == GUMBO_TAG_INPUT && iequals(trim(attr(e.node, "type").value), "checkbox") && e.role.empty()) {
      const AttrValue checked = attr(e.node, "aria-checked");
      if (!checked.present) continue;
      const std::string_view v = trim(checked.value);
      const bool native = attr(e.node, "checked").present;
      if (iequals(v, "mixed"))
        out.review(e.node, "aria-checked=\"mixed\" on a native checkbox: use its indeterminate property instead");
      else if ((iequals(v, "true") && !native) || (iequals(v, "false") && native))
        out.report(e.node, "aria-checked contradicts the checkbox's own state: remove it");
      continue;
    }
    if (Semantics::role_name(sem[i]) != "row") continue;
    std::vector<std::string_view> treegrid_only;
    for (std::string_view name : {"aria-posinset", "aria-setsize", "aria-expanded", "aria-level"})
      if (attr(e.node, std::string(name).c_str()).present) treegrid_only.push_back(name);
    if (treegrid_only.empty()) continue;
    std::int32_t owner = sem[i].owner;
    if (owner >= 0 && Semantics::role_name(sem[static_cast<std::size_t>(owner)]) == "rowgroup") owner = sem[static_cast<std::size_t>(owner)].owner;
    if (owner >= 0 && Semantics::role_name(sem[static_cast<std::size_t>(owner)]) == "treegrid") continue;
    out.report(e.node, join(treegrid_only) + " may be used on a row only inside a treegrid");
  }
}

void check_hidden_body(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements())
    if (e.tag == GUMBO_TAG_BODY) {
      if (iequals(trim(attr(e.node, "aria-hidden").value), "true"))
        out.report(e.node, "aria-hidden=\"true\" on body hides the whole page from assistive technology");
      return;
    }
}

// aria-hidden-focus: an aria-hidden subtree must hold nothing a keyboard can reach (tabindex=-1 is fine).
void check_hidden_focus(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::vector<std::uint8_t> failing(elements.size(), 0);
  for (std::size_t i = 0; i < elements.size(); ++i)
    if (sem[i].aria_hidden >= 0 && sem[i].tabbable && elements[i].tag != GUMBO_TAG_BODY)
      failing[static_cast<std::size_t>(sem[i].aria_hidden)] = 1;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (!failing[i] || elements[i].tag == GUMBO_TAG_BODY) continue;
    out.report(elements[i].node, "aria-hidden content contains focusable elements: make them unfocusable (tabindex=\"-1\") or drop aria-hidden");
  }
}

std::string_view element_kind(const Element& e, std::string& storage) {
  if (e.tag == GUMBO_TAG_A || e.tag == GUMBO_TAG_AREA) return attr(e.node, "href").present ? "href" : "";
  if (e.tag == GUMBO_TAG_IMG) {
    const AttrValue alt = attr(e.node, "alt");
    if (!alt.present) return "";
    return alt.value.empty() ? "empty-alt" : "alt";
  }
  if (e.tag == GUMBO_TAG_INPUT) {
    storage = lower_copy(attr(e.node, "type").value);
    return storage.empty() ? std::string_view("text") : std::string_view(storage);
  }
  return "";
}

void check_allowed_role(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    const AriaRole* role = sem[i].explicit_role;
    if (role == nullptr || e.hidden || e.tag == GUMBO_TAG_UNKNOWN) continue;
    std::string storage;
    const std::string_view allowed = allowed_roles(tag_name(e.node), element_kind(e, storage));
    if (allowed == kAnyRole || list_has(allowed, role->name)) continue;
    // A role that repeats the element's own (<nav role="navigation">) is redundant, not wrong; as in axe, so
    // are <header role="banner">, <footer role="contentinfo"> (wherever they are), <body role="document"> and
    // <form role="form">, while <section role="region"> without a name is not its implicit role (it has
    // none) and fails like any role the element does not take.
    if (sem[i].implicit_role == role) continue;
    const std::string_view own[][2] = {{"header", "banner"}, {"footer", "contentinfo"}, {"body", "document"}, {"form", "form"}};
    bool redundant = false;
    for (const auto& pair : own) redundant = redundant || (tag_name(e.node) == pair[0] && role->name == pair[1]);
    if (redundant) continue;
    out.report(e.node, "Role " + quoted(role->name) + " is not allowed on <" + std::string(tag_name(e.node)) + ">" +
                           (allowed.empty() ? ": this element takes no role" : ""));
  }
}

bool has_global_aria(const GumboNode* n) {
  bool found = false;
  for_each_aria_attribute(n, [&](std::string_view name, std::string_view) {
    const AriaAttr* a = find_aria_attr(name);
    found = found || (a != nullptr && a->global && name != "aria-hidden");
  });
  return found;
}

void check_presentation_conflict(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    const AriaRole* role = sem[i].explicit_role;
    if (role == nullptr || (role->name != "none" && role->name != "presentation") || elements[i].hidden) continue;
    if (sem[i].focusable || has_global_aria(elements[i].node))
      out.report(elements[i].node, "role=" + quoted(role->name) + " is ignored on a focusable element or one with global ARIA attributes");
  }
}

}  // namespace

const std::vector<const Rule*>& aria_validity_rules() {
  static const FunctionRule rules[] = {
      {{"aria-roles", "4.1.2", "A", "ARIA roles used must conform to valid values", Impact::Critical, kAria412}, &check_roles},
      {{"aria-valid-attr", "4.1.2", "A", "ARIA attributes must conform to valid names", Impact::Critical, kAria412}, &check_valid_attr},
      {{"aria-valid-attr-value", "4.1.2", "A", "ARIA attributes must conform to valid values", Impact::Critical, kAria412}, &check_valid_attr_value},
      {{"aria-allowed-attr", "4.1.2", "A", "Elements must only use supported ARIA attributes", Impact::Critical, kAria412}, &check_allowed_attr},
      {{"aria-required-attr", "4.1.2", "A", "Required ARIA attributes must be provided", Impact::Critical, kAria412}, &check_required_attr},
      {{"aria-prohibited-attr", "4.1.2", "A", "Elements must only use permitted ARIA attributes", Impact::Serious, kAria412}, &check_prohibited_attr},
      {{"aria-deprecated-role", "4.1.2", "A", "Deprecated ARIA roles must not be used", Impact::Minor, kAria412}, &check_deprecated_role},
      {{"aria-conditional-attr", "4.1.2", "A", "ARIA attributes must be used as specified for the element's role", Impact::Serious, kAria412}, &check_conditional_attr},
      {{"aria-hidden-body", "4.1.2", "A", "aria-hidden=\"true\" must not be present on the document body", Impact::Critical, "cat.aria,wcag2a,wcag131,wcag412"}, &check_hidden_body},
      {{"aria-hidden-focus", "4.1.2", "A", "ARIA hidden element must not be focusable or contain focusable elements", Impact::Serious, "cat.name-role-value,wcag2a,wcag412"}, &check_hidden_focus},
      {{"aria-allowed-role", "", "", "ARIA role should be appropriate for the element", Impact::Minor, "cat.aria,best-practice"}, &check_allowed_role},
      {{"presentation-role-conflict", "", "", "Elements marked as presentational should be consistently ignored", Impact::Minor, "cat.aria,best-practice"}, &check_presentation_conflict},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
