// link-name (WCAG 2.4.4, 4.1.2): a link needs an accessible name, and a name that tells where it goes
// ("click here" and "read more" do not).
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool is_link(const Element& e) {
  if (e.tag == GUMBO_TAG_A) return attr(e.node, "href").present && !e.has_role("none") && !e.has_role("presentation");
  return e.has_role("link");
}

class LinkName final : public Rule {
 public:
  LinkName() : Rule({"link-name", "2.4.4", "A", "Links must have discernible text that describes their purpose", Impact::Serious}) {}

  void check(const Document& doc, const TextJudge& judge, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (!is_link(e) || e.hidden) continue;
      const std::string name = accessible_name(doc, e.node, /*from_content=*/true);
      if (name.empty()) {
        out.report(e.node, "Link has no accessible name: give it text content, an aria-label, or an image with alt text");
        continue;
      }
      if (judge.non_descriptive(name, ml::TextKind::LinkText))
        out.report(e.node, Impact::Moderate,
                   "Link text " + quoted(name) + " does not describe where the link goes: "
                   "name the destination or action, e.g. \"Download the 2024 annual report\"");
    }
  }
};

}  // namespace

const Rule& link_name_rule() {
  static const LinkName rule;
  return rule;
}

}  // namespace a11y::audit
