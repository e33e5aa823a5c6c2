// listitem (WCAG 1.3.1), as axe-core means it: an li without a role of its own (axe applies the rule only
// to those) must sit in a ul, ol or menu, or in an element with role="list", "none" or "presentation" (a
// list made presentational takes its items' semantics with it). A ul/ol/menu parent whose explicit role is
// something else is no list, so it does not count.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class ListItem final : public Rule {
 public:
  ListItem()
      : Rule({"listitem", "1.3.1", "A", "li elements must be contained in a ul, ol or menu", Impact::Serious,
              "cat.structure,wcag2a,wcag131"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_LI || e.hidden || !trim(attr(e.node, "role").value).empty()) continue;
      const GumboNode* parent = e.node->parent;
      if (parent != nullptr && is_element(parent)) {
        const std::string_view role = trim(attr(parent, "role").value);
        const GumboTag t = parent->v.element.tag;
        if (iequals(role, "list") || iequals(role, "none") || iequals(role, "presentation")) continue;
        if ((t == GUMBO_TAG_UL || t == GUMBO_TAG_OL || t == GUMBO_TAG_MENU) && role.empty()) continue;
      }
      out.report(e.node, "List item is not inside a ul, ol or menu: put it in a list or use another element");
    }
  }
};

}  // namespace

const Rule& listitem_rule() {
  static const ListItem rule;
  return rule;
}

}  // namespace a11y::audit
