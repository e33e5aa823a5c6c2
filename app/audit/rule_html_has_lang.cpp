// html-has-lang (WCAG 3.1.1): the html element names the page language in lang, so speech output uses the
// right voice. As in axe, xml:lang alone does not count: an HTML (not XHTML) document's language is its
// lang attribute, and browsers ignore xml:lang there.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class HtmlHasLang final : public Rule {
 public:
  HtmlHasLang()
      : Rule({"html-has-lang", "3.1.1", "A", "The html element must have a lang attribute", Impact::Serious,
              "cat.language,wcag2a,wcag311"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    const GumboNode* html = doc.html();
    if (!trim(attr(html, "lang").value).empty()) return;
    if (!trim(attr(html, "xml:lang").value).empty())
      out.report(html, "The html element has xml:lang but no lang, which HTML documents ignore: add lang with the same value");
    else
      out.report(html, "The html element has no lang attribute: add one, e.g. <html lang=\"en\">");
  }
};

}  // namespace

const Rule& html_has_lang_rule() {
  static const HtmlHasLang rule;
  return rule;
}

}  // namespace a11y::audit
