// meta-viewport (WCAG 1.4.4), as axe-core reads the content attribute: pairs split on ',' or ';', the last
// value of a key wins; user-scalable=no, or a user-scalable number in (-1, 1) (0, 0.5), disables zoom;
// maximum-scale below 2 limits it, where "yes" means 1 and negative values are ignored. One finding per
// meta element, the first problem found.
#include <cstdlib>
#include <optional>
#include <string>

#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

// parseFloat's reading: the longest numeric prefix; nullopt when there is none.
std::optional<double> leading_number(std::string_view v) {
  const std::string number(v);
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == number.c_str()) return std::nullopt;
  return value;
}

class MetaViewport final : public Rule {
 public:
  MetaViewport()
      : Rule({"meta-viewport", "1.4.4", "AA", "Zooming and scaling must not be disabled", Impact::Critical,
              "cat.sensory-and-visual-cues,wcag2aa,wcag144"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      // axe selects meta[name="viewport"]: its selector engine compares the value exactly ("Viewport" is not it).
      if (e.tag != GUMBO_TAG_META || attr(e.node, "name").value != "viewport") continue;
      std::string_view content = attr(e.node, "content").value;
      std::string_view user_scalable, maximum_scale;
      bool has_user_scalable = false, has_maximum_scale = false;
      while (!content.empty()) {
        const auto end = content.find_first_of(",;");
        const std::string_view pair = content.substr(0, end);
        content = end == std::string_view::npos ? std::string_view() : content.substr(end + 1);
        const auto eq = pair.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view key = trim(pair.substr(0, eq));
        std::string_view value = trim(pair.substr(eq + 1));
        if (const auto second = value.find('='); second != std::string_view::npos) value = trim(value.substr(0, second));
        if (key.empty() || value.empty()) continue;
        if (iequals(key, "user-scalable")) {
          user_scalable = value;
          has_user_scalable = true;
        } else if (iequals(key, "maximum-scale")) {
          const auto n = leading_number(value);
          if (n && *n < 0) continue;   // ignored, as axe does
          maximum_scale = value;
          has_maximum_scale = true;
        }
      }
      if (has_user_scalable) {
        const auto n = leading_number(user_scalable);
        if (iequals(user_scalable, "no") || (n && *n > -1 && *n < 1)) {
          out.report(e.node, "The viewport sets user-scalable=" + std::string(utf8_prefix(user_scalable, 32)) +
                                 ", which stops people zooming: remove it");
          continue;
        }
      }
      if (has_maximum_scale) {
        const auto n = iequals(maximum_scale, "yes") ? std::optional<double>(1.0) : leading_number(maximum_scale);
        if (n && *n < 2.0)
          out.report(e.node, "The viewport sets maximum-scale=" + std::string(utf8_prefix(maximum_scale, 32)) +
                                 ", which limits zoom below 200%: remove it or set it to at least 2");
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
