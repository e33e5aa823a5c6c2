// duplicate-id-aria (WCAG 4.1.2): an id that ARIA attributes or <label for> point at must be unique,
// otherwise the name or description comes from whichever element the browser finds first. As in axe
// (since WCAG 2.2 made 4.1.1 obsolete) every finding needs review, and one is reported per id, on the
// first element that carries it. Ids inside template and noscript are not in the document.
#include <algorithm>
#include <vector>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

constexpr const char* kIdRefAttributes[] = {"aria-labelledby", "aria-describedby", "aria-controls", "aria-owns",
                                            "aria-activedescendant", "aria-details", "aria-errormessage", "aria-flowto"};

class DuplicateIdAria final : public Rule {
 public:
  DuplicateIdAria() : Rule({"duplicate-id-aria", "4.1.2", "A", "IDs used in ARIA and labels must be unique", Impact::Critical,
                         "cat.parsing,wcag2a,wcag412", RuleSource::Axe, /*review_on_fail=*/true}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    // Only ids that occur twice matter, and most pages have none: find those first.
    const auto ids = doc.ids();
    std::vector<std::string_view> duplicated;
    for (std::size_t i = 1; i < ids.size(); ++i)
      if (ids[i].first == ids[i - 1].first && (duplicated.empty() || duplicated.back() != ids[i].first))
        duplicated.push_back(ids[i].first);
    if (duplicated.empty()) return;

    std::vector<std::string_view> referenced;
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      for (const char* name : kIdRefAttributes)
        if (const auto v = attr(e.node, name); v.present)
          for_each_token(v.value, [&](std::string_view id) {
            if (std::binary_search(duplicated.begin(), duplicated.end(), id)) referenced.push_back(id);
          });
      if (e.tag == GUMBO_TAG_LABEL)
        if (const auto f = attr(e.node, "for"); f.present && std::binary_search(duplicated.begin(), duplicated.end(), f.value))
          referenced.push_back(f.value);
    }
    std::sort(referenced.begin(), referenced.end());
    referenced.erase(std::unique(referenced.begin(), referenced.end()), referenced.end());

    // ids is sorted by id, then document order: the first of a run is the element axe reports.
    for (std::size_t i = 0; i + 1 < ids.size(); ++i) {
      if (ids[i].first != ids[i + 1].first || (i > 0 && ids[i - 1].first == ids[i].first)) continue;
      if (!std::binary_search(referenced.begin(), referenced.end(), ids[i].first)) continue;
      out.report(ids[i].second, "The id " + quoted(ids[i].first) +
                                    " is used by more than one element and referenced by ARIA or a label: make it unique");
    }
  }
};

}  // namespace

const Rule& duplicate_id_aria_rule() {
  static const DuplicateIdAria rule;
  return rule;
}

}  // namespace a11y::audit
