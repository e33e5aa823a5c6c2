// document-title (WCAG 2.4.2): the page needs a non-empty <title>; it is the first thing a screen reader announces.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class DocumentTitle final : public Rule {
 public:
  DocumentTitle() : Rule({"document-title", "2.4.2", "A", "Documents must have a non-empty title element", Impact::Serious,
                                "cat.text-alternatives,wcag2a,wcag242"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    bool seen = false;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_TITLE) continue;
      seen = true;
      std::string text;
      append_text_content(e.node, text);
      if (!trim(text).empty()) return;
    }
    out.report(doc.html(), seen ? "The title element is empty: describe the page's topic or purpose in it"
                                : "Document has no title element: add <title> describing the page");
  }
};

}  // namespace

const Rule& document_title_rule() {
  static const DocumentTitle rule;
  return rule;
}

}  // namespace a11y::audit
