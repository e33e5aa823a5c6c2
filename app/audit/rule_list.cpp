// list (WCAG 1.3.1): ul and ol may contain only li (and script/template); anything else breaks the
// "list, 3 items" announcement and item navigation.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool has_role(const GumboNode* n) { return !trim(attr(n, "role").value).empty(); }

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
        if (!is_element(child)) continue;
        const GumboTag t = child->v.element.tag;
        if (t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_TEMPLATE) continue;
        if (t == GUMBO_TAG_LI && (!has_role(child) || iequals(trim(attr(child, "role").value), "listitem"))) continue;
        out.report(e.node, "List contains <" + std::string(tag_name(child)) + "> directly: only li, script and template may be children of ul and ol");
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
