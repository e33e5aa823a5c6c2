// html-has-lang (WCAG 3.1.1): the html element names the page language, so speech output uses the right voice.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class HtmlHasLang final : public Rule {
 public:
  HtmlHasLang() : Rule({"html-has-lang", "3.1.1", "A", "The html element must have a lang attribute", Impact::Serious}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    const GumboNode* html = doc.html();
    if (!trim(attr(html, "lang").value).empty() || !trim(attr(html, "xml:lang").value).empty()) return;
    out.report(html, "The html element has no lang attribute: add one, e.g. <html lang=\"en\">");
  }
};

}  // namespace

const Rule& html_has_lang_rule() {
  static const HtmlHasLang rule;
  return rule;
}

}  // namespace a11y::audit
