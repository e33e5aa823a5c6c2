// image-alt (WCAG 1.1.1): every img needs a text alternative, and a text alternative that describes the
// image ("IMG_2031.jpg" or "photo" does not). alt="" marks a decorative image and passes.
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

class ImageAlt final : public Rule {
 public:
  ImageAlt() : Rule({"image-alt", "1.1.1", "A", "Images must have alternative text that describes them", Impact::Critical}) {}

  void check(const Document& doc, const TextJudge& judge, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_IMG || e.has_role("none") || e.has_role("presentation") || e.hidden) continue;
      const AttrValue alt = attr(e.node, "alt");
      if (!alt.present) {
        if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;
        out.report(e.node, "Image has no alt attribute: add alt text that describes it, or alt=\"\" if it is decorative");
        continue;
      }
      const std::string_view text = trim(alt.value);
      if (text.empty()) continue;   // decorative
      if (judge.non_descriptive(text, ml::TextKind::AltText))
        out.report(e.node, Impact::Serious,
                   "Alt text " + quoted(text) + " does not describe the image (a file name or a generic word): "
                   "say what the image shows or what it is for");
    }
  }
};

}  // namespace

const Rule& image_alt_rule() {
  static const ImageAlt rule;
  return rule;
}

}  // namespace a11y::audit
