// link-name (WCAG 2.4.4, 4.1.2), as axe-core means it: every a[href] that assistive technology sees needs
// an accessible name, computed as accname does (its text, descendants' aria-label, aria-labelledby and
// alt, an svg's title, its own aria-label, aria-labelledby or title). Elements with role="link" are axe's
// aria-command-name, not this rule. Whether the name describes the destination is the text-quality
// model's call, under its own rule id (link-text-quality).
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool is_link(const Element& e) {
  if (e.tag != GUMBO_TAG_A || !attr(e.node, "href").present) return false;
  // An explicit other role makes it another widget (a button, a tab), checked by that role's rule.
  return e.role.empty() || e.has_role("link") || e.has_role("none") || e.has_role("presentation");
}

// Links' content names, innermost first (see Document::content_text): SVG links can nest, and each
// names its subtree, so outermost first would walk a deep chain once per link. False when out of time.
bool prepare_link_names(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  for (auto it = elements.rbegin(); it != elements.rend(); ++it) {
    if (out.out_of_time()) return false;
    if (is_link(*it) && !it->hidden) doc.content_text(it->node);
  }
  return true;
}

class LinkName final : public Rule {
 public:
  LinkName()
      : Rule({"link-name", "2.4.4", "A", "Links must have discernible text", Impact::Serious,
              "cat.name-role-value,wcag2a,wcag244,wcag412,section508,section508.22.a"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    if (!prepare_link_names(doc, out)) return;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (!is_link(e) || e.hidden) continue;
      if (!accessible_name(doc, e.node, /*from_content=*/true).empty()) continue;
      out.report(e.node, "Link has no accessible name: give it text content, an aria-label, or an image with alt text");
    }
  }
};

// link-text-quality (the engine's text-quality model, not an axe rule): a link whose name exists but does
// not say where it goes ("click here", "read more").
class LinkTextQuality final : public Rule {
 public:
  LinkTextQuality()
      : Rule({"link-text-quality", "2.4.4", "A", "Link text should describe where the link goes", Impact::Moderate,
              "text-quality,wcag2a,wcag244", RuleSource::TextQuality}) {}

  void check(const Document& doc, const TextJudge& judge, Reporter& out) const override {
    if (!prepare_link_names(doc, out)) return;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (!is_link(e) || e.hidden) continue;
      const std::string name = accessible_name(doc, e.node, /*from_content=*/true);
      if (name.empty() || !judge.non_descriptive(name, ml::TextKind::LinkText)) continue;
      out.report(e.node, "Link text " + quoted(name) + " does not describe where the link goes: "
                         "name the destination or action, e.g. \"Download the 2024 annual report\"");
    }
  }
};

}  // namespace

const Rule& link_name_rule() {
  static const LinkName rule;
  return rule;
}

const Rule& link_text_quality_rule() {
  static const LinkTextQuality rule;
  return rule;
}

}  // namespace a11y::audit
