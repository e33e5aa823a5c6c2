#include "audit/semantics.hpp"

#include <charconv>

#include "audit/color.hpp"

namespace a11y::audit {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

bool has_name_attr(const Document& doc, const GumboNode* n) {
  return !accessible_name(doc, n, /*from_content=*/false).empty();
}

bool disabled(const GumboNode* n) { return attr(n, "disabled").present; }

// HTML's focusable elements (the ones a browser puts in the tab order without tabindex).
bool natively_focusable(const Element& e) {
  const GumboNode* n = e.node;
  switch (e.tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA: return attr(n, "href").present;
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA: return !disabled(n);
    case GUMBO_TAG_INPUT: return !disabled(n) && !iequals(trim(attr(n, "type").value), "hidden");
    case GUMBO_TAG_IFRAME: return true;
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO: return attr(n, "controls").present;
    case GUMBO_TAG_SUMMARY:
      return n->parent != nullptr && is_element(n->parent) && n->parent->v.element.tag == GUMBO_TAG_DETAILS;
    default: break;
  }
  const AttrValue editable = attr(n, "contenteditable");
  return editable.present && !iequals(trim(editable.value), "false");
}

const AriaRole* role(std::string_view name) { return find_role(name); }

// self: the element's NodeInfo with its ancestors' facts (in_sectioning) already filled in.
const AriaRole* implicit_role(const Document& doc, const Element& e, const NodeInfo& self) {
  const GumboNode* n = e.node;
  switch (e.tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_AREA: return attr(n, "href").present ? role("link") : nullptr;
    case GUMBO_TAG_ARTICLE: return role("article");
    case GUMBO_TAG_ASIDE:
      return (!self.in_sectioning_content || has_name_attr(doc, n)) ? role("complementary") : nullptr;
    case GUMBO_TAG_BLOCKQUOTE: return role("blockquote");
    case GUMBO_TAG_BUTTON: return role("button");
    case GUMBO_TAG_CAPTION: return role("caption");
    case GUMBO_TAG_CODE: return role("code");
    case GUMBO_TAG_DD: return role("definition");
    case GUMBO_TAG_DEL: return role("deletion");
    case GUMBO_TAG_DETAILS: return role("group");
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_DT: return role("term");
    case GUMBO_TAG_EM: return role("emphasis");
    case GUMBO_TAG_FIELDSET: return role("group");
    case GUMBO_TAG_FIGURE: return role("figure");
    case GUMBO_TAG_FOOTER: return self.in_sectioning ? nullptr : role("contentinfo");
    case GUMBO_TAG_HEADER: return self.in_sectioning ? nullptr : role("banner");
    case GUMBO_TAG_FORM: return has_name_attr(doc, n) ? role("form") : nullptr;
    case GUMBO_TAG_SECTION: return has_name_attr(doc, n) ? role("region") : nullptr;
    case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3:
    case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6: return role("heading");
    case GUMBO_TAG_HR: return role("separator");
    case GUMBO_TAG_IMG: {
      const AttrValue alt = attr(n, "alt");
      return (alt.present && alt.value.empty()) ? role("presentation") : role("img");
    }
    case GUMBO_TAG_INPUT: {
      const std::string_view type = trim(attr(n, "type").value);
      for (std::string_view b : {"button", "submit", "reset", "image"})
        if (iequals(type, b)) return role("button");
      if (iequals(type, "checkbox")) return role("checkbox");
      if (iequals(type, "radio")) return role("radio");
      if (iequals(type, "range")) return role("slider");
      if (iequals(type, "number")) return role("spinbutton");
      if (iequals(type, "hidden") || iequals(type, "color") || iequals(type, "file") || iequals(type, "date") ||
          iequals(type, "datetime-local") || iequals(type, "month") || iequals(type, "time") ||
          iequals(type, "week") || iequals(type, "password"))
        return nullptr;
      if (attr(n, "list").present) return role("combobox");
      return iequals(type, "search") ? role("searchbox") : role("textbox");
    }
    case GUMBO_TAG_INS: return role("insertion");
    case GUMBO_TAG_LI: return role("listitem");
    case GUMBO_TAG_MAIN: return role("main");
    case GUMBO_TAG_MATH: return role("math");
    case GUMBO_TAG_MENU:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_UL: return role("list");
    case GUMBO_TAG_NAV: return role("navigation");
    case GUMBO_TAG_OPTGROUP: return role("group");
    case GUMBO_TAG_OPTION: return role("option");
    case GUMBO_TAG_OUTPUT: return role("status");
    case GUMBO_TAG_P: return role("paragraph");
    case GUMBO_TAG_PROGRESS: return role("progressbar");
    case GUMBO_TAG_METER: return role("meter");
    case GUMBO_TAG_SELECT: {
      int size = 0;
      const std::string_view s = trim(attr(n, "size").value);
      std::from_chars(s.data(), s.data() + s.size(), size);
      return (attr(n, "multiple").present || size > 1) ? role("listbox") : role("combobox");
    }
    case GUMBO_TAG_STRONG: return role("strong");
    case GUMBO_TAG_SUB: return role("subscript");
    case GUMBO_TAG_SUP: return role("superscript");
    case GUMBO_TAG_TABLE: return role("table");
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT: return role("rowgroup");
    case GUMBO_TAG_TR: return role("row");
    case GUMBO_TAG_TD: return role("cell");
    case GUMBO_TAG_TH:
      return iequals(trim(attr(n, "scope").value), "row") ? role("rowheader") : role("columnheader");
    case GUMBO_TAG_TEXTAREA: return role("textbox");
    case GUMBO_TAG_TIME: return role("time");
    default: break;
  }
  if (e.tag == GUMBO_TAG_UNKNOWN && iequals(tag_name(n), "dialog")) return role("dialog");
  if (e.tag == GUMBO_TAG_UNKNOWN && iequals(tag_name(n), "search")) return role("search");
  return nullptr;
}

// Sectioning content (article, aside, nav, section, or their roles), plus main where with_main: a header or
// footer in any of them is no landmark, an aside only in the first four (as axe maps them).
bool sectioning(const Element& e, const AriaRole* r, bool with_main) {
  if (e.tag == GUMBO_TAG_ARTICLE || e.tag == GUMBO_TAG_ASIDE || (with_main && e.tag == GUMBO_TAG_MAIN) ||
      e.tag == GUMBO_TAG_NAV || e.tag == GUMBO_TAG_SECTION)
    return true;
  if (r == nullptr) return false;
  for (std::string_view s : {"article", "complementary", "main", "navigation", "region"})
    if (r->name == s && (with_main || s != "main")) return true;
  return false;
}

}  // namespace

bool Semantics::transparent(const AriaRole* r) {
  return r == nullptr || r->name == "none" || r->name == "presentation" || r->name == "generic";
}

bool parse_tabindex(const GumboNode* element, int& value) {
  const AttrValue t = attr(element, "tabindex");
  if (!t.present) return false;
  const std::string_view v = trim(t.value);
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  return ec == std::errc() && end == v.data() + v.size();
}

bool not_rendered_self(const GumboNode* n) {
  const std::string_view style = attr(n, "style").value;
  const std::string_view display = style.empty() ? std::string_view() : style_property(style, "display");
  if (iequals(display, "none") || (attr(n, "hidden").present && display.empty())) return true;
  return n->v.element.tag == GUMBO_TAG_UNKNOWN && !attr(n, "open").present && iequals(tag_name(n), "dialog");
}

bool visible_text(const GumboNode* root, std::string& out, std::size_t max_bytes, std::size_t max_nodes) {
  std::size_t visited = 0;
  for (const GumboNode* n = root; n != nullptr && out.size() < max_bytes;) {
    if (++visited > max_nodes) return false;
    bool descend = true;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      for (const char* c = n->v.text.text; *c != '\0' && out.size() < max_bytes; ++c) {
        if (is_space(*c)) {
          if (!out.empty() && out.back() != ' ') out.push_back(' ');
        } else {
          out.push_back(*c);
        }
      }
    } else if (is_element(n) && n != root) {
      const GumboTag t = n->v.element.tag;
      descend = !(t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_TEMPLATE ||
                  t == GUMBO_TAG_NOSCRIPT || hides_subtree(n));
    }
    n = next_in_subtree(n, root, descend);
  }
  return true;
}

Semantics::Semantics(const Document& doc) {
  const auto elements = doc.elements();
  info_.resize(elements.size());
  std::vector<std::int32_t> at_depth(64, -1);   // index of the open element at each depth
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const Element& e = elements[i];
    NodeInfo& info = info_[i];
    if (at_depth.size() <= e.depth) at_depth.resize(e.depth + 1, -1);
    const std::int32_t p = e.depth >= 2 ? at_depth[e.depth - 1] : -1;
    at_depth[e.depth] = static_cast<std::int32_t>(i);
    static const NodeInfo kRoot;
    const NodeInfo& parent = p >= 0 ? info_[static_cast<std::size_t>(p)] : kRoot;
    info.parent = p;
    if (p >= 0) {
      info.landmark = parent.is_landmark ? p : parent.landmark;
      info.owner = transparent(parent.role) ? parent.owner : p;
      info.table = elements[static_cast<std::size_t>(p)].tag == GUMBO_TAG_TABLE ? p : parent.table;
      info.label = elements[static_cast<std::size_t>(p)].tag == GUMBO_TAG_LABEL ? p : parent.label;
      info.aria_hidden = parent.aria_hidden;
      info.in_sectioning = parent.in_sectioning || sectioning(elements[static_cast<std::size_t>(p)], parent.role, true);
      info.in_sectioning_content =
          parent.in_sectioning_content || sectioning(elements[static_cast<std::size_t>(p)], parent.role, false);
      info.rendered = parent.rendered;
    }
    if (iequals(trim(attr(e.node, "aria-hidden").value), "true")) info.aria_hidden = static_cast<std::int32_t>(i);
    if (info.rendered && not_rendered_self(e.node)) info.rendered = false;
    if (p >= 0) info.invisible = parent.invisible;
    if (const std::string_view style = attr(e.node, "style").value; !style.empty()) {
      const std::string_view visibility = style_property(style, "visibility");
      if (iequals(visibility, "hidden") || iequals(visibility, "collapse")) info.invisible = true;
      else if (iequals(visibility, "visible")) info.invisible = false;
    }

    int tabindex = 0;
    const bool has_tabindex = parse_tabindex(e.node, tabindex);
    info.focusable = info.rendered && !info.invisible && (natively_focusable(e) || has_tabindex);
    info.tabbable = info.focusable && !(has_tabindex && tabindex < 0);

    for_each_token(attr(e.node, "role").value, [&](std::string_view token) {
      if (info.explicit_role != nullptr) return;
      const AriaRole* r = find_role(token);
      if (r != nullptr && !r->has(kAbstract)) info.explicit_role = r;
    });
    const AriaRole* implicit = implicit_role(doc, e, info);
    info.implicit_role = implicit;
    info.role = info.explicit_role != nullptr ? info.explicit_role : implicit;
    // Presentational role conflict resolution: a focusable element keeps its own semantics.
    if (info.explicit_role != nullptr && (info.explicit_role->name == "none" || info.explicit_role->name == "presentation") &&
        info.focusable)
      info.role = implicit;
    if (info.role != nullptr && info.role->has(kLandmark)) {
      const bool needs_name = info.role->name == "region" || info.role->name == "form";
      info.is_landmark = !needs_name || has_name_attr(doc, e.node);
    }
  }
}

const Semantics& Document::semantics() const {
  if (!semantics_) semantics_ = std::make_unique<Semantics>(*this);
  return *semantics_;
}

}  // namespace a11y::audit
