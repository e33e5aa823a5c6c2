// meta-viewport (WCAG 1.4.4): the viewport must let people zoom: no user-scalable=no, no maximum-scale below 2.
#include <cstdlib>
#include <string>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class MetaViewport final : public Rule {
 public:
  MetaViewport() : Rule({"meta-viewport", "1.4.4", "AA", "Zooming and scaling must not be disabled", Impact::Critical}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_META || !iequals(trim(attr(e.node, "name").value), "viewport")) continue;
      std::string_view content = attr(e.node, "content").value;
      // "width=device-width, initial-scale=1, maximum-scale=1" (some pages use ';' between pairs)
      while (!content.empty()) {
        const auto end = content.find_first_of(",;");
        const std::string_view pair = content.substr(0, end);
        content = end == std::string_view::npos ? std::string_view() : content.substr(end + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view key = trim(pair.substr(0, eq)), value = trim(pair.substr(eq + 1));
        if (iequals(key, "user-scalable") && (iequals(value, "no") || value == "0")) {
          out.report(e.node, "The viewport sets user-scalable=" + std::string(value) + ", which stops people zooming: remove it");
        } else if (iequals(key, "maximum-scale") && !value.empty()) {
          const std::string number(value);
          char* parsed_end = nullptr;
          const double scale = std::strtod(number.c_str(), &parsed_end);
          if (parsed_end != number.c_str() && scale >= 0 && scale < 2.0)
            out.report(e.node, "The viewport sets maximum-scale=" + number + ", which limits zoom below 200%: remove it or set it to at least 2");
        }
      }
    }
  }
};

}  // namespace

const Rule& meta_viewport_rule() {
  static const MetaViewport rule;
  return rule;
}

}  // namespace a11y::audit
