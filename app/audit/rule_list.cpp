// list (WCAG 1.3.1), as axe-core means it (only-listitems): ul and ol may contain only list items; anything
// else breaks the "list, 3 items" announcement and item navigation. Children assistive technology does not
// see (hidden ones, and script, template, style and the other elements a browser never renders) do not
// count; a child's explicit role decides over its tag: role="listitem" is an item, an li with another role
// is not.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool has_role(const GumboNode* n) { return !trim(attr(n, "role").value).empty(); }

// Elements HTML's rendering section gives display:none: never seen, whatever their place in a list.
bool never_rendered(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_TEMPLATE: case GUMBO_TAG_STYLE: case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_LINK: case GUMBO_TAG_META: case GUMBO_TAG_BASE: case GUMBO_TAG_TITLE: case GUMBO_TAG_HEAD:
    case GUMBO_TAG_DATALIST: case GUMBO_TAG_PARAM: case GUMBO_TAG_AREA: case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_NOFRAMES: case GUMBO_TAG_RP:
      return true;
    default:
      return false;
  }
}

std::string_view first_role(const GumboNode* n) {
  std::string_view role;
  for_each_token(attr(n, "role").value, [&](std::string_view r) { if (role.empty()) role = r; });
  return role;
}

class List final : public Rule {
 public:
  List() : Rule({"list", "1.3.1", "A", "Lists must only directly contain li, script or template elements", Impact::Serious,
                    "cat.structure,wcag2a,wcag131"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      // As axe: only lists without a role attribute (role="list" included: axe leaves those to the ARIA rules).
      if ((e.tag != GUMBO_TAG_UL && e.tag != GUMBO_TAG_OL) || e.hidden || has_role(e.node)) continue;
      const GumboVector& kids = e.node->v.element.children;
      for (unsigned i = 0; i < kids.length; ++i) {
        const auto* child = static_cast<const GumboNode*>(kids.data[i]);
        if (child->type == GUMBO_NODE_TEXT && !trim(child->v.text.text).empty()) {
          out.report(e.node, "List contains text outside li elements: wrap it in <li>");
          break;
        }
        if (!is_element(child) || never_rendered(child->v.element.tag) || hides_subtree(child)) continue;
        const std::string_view role = first_role(child);
        if (role.empty() ? child->v.element.tag == GUMBO_TAG_LI : iequals(role, "listitem")) continue;
        out.report(e.node, role.empty()
                               ? "List contains <" + std::string(tag_name(child)) + "> directly: only li (and script and template) may be children of ul and ol"
                               : "List contains a child with role=\"" + std::string(role) + "\": a list's children must be list items");
        break;
      }
    }
  }
};

}  // namespace

const Rule& list_rule() {
  static const List rule;
  return rule;
}

}  // namespace a11y::audit
