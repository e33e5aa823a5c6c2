// html-lang-valid (WCAG 3.1.1): a lang that is present must be a valid BCP 47 tag ("en", "pt-BR"),
// not "english" or "en_US", or assistive technology falls back to its default voice.
#include "audit/language_tag.hpp"
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class HtmlLangValid final : public Rule {
 public:
  HtmlLangValid() : Rule({"html-lang-valid", "3.1.1", "A", "The html element's lang attribute must be a valid language tag", Impact::Serious,
                                 "cat.language,wcag2a,wcag311"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    const GumboNode* html = doc.html();
    for (const char* name : {"lang", "xml:lang"}) {
      const std::string_view value = trim(attr(html, name).value);
      if (value.empty() || is_valid_language_tag(value)) continue;
      out.report(html, std::string("The ") + name + " attribute " + quoted(value) +
                           " is not a valid BCP 47 language tag: use a code such as \"en\", \"fr\" or \"pt-BR\"");
    }
  }
};

}  // namespace

const Rule& html_lang_valid_rule() {
  static const HtmlLangValid rule;
  return rule;
}

}  // namespace a11y::audit
