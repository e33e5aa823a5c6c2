// image-alt (WCAG 1.1.1), as axe-core means it: every img that assistive technology sees needs a text
// alternative: an alt attribute (alt="" marks it decorative), aria-label, aria-labelledby or title, or
// role="none"/"presentation". An alt of only spaces fails whatever else names the image (axe's
// alt-space-value): a screen reader reads it as an unnamed image. Whether the alt text describes the
// image is the text-quality model's call, under its own rule id (image-alt-quality).
#include "audit/rule.hpp"

namespace a11y::audit {
namespace {

bool only_whitespace(std::string_view s) { return !s.empty() && trim(s).empty(); }

// role none/presentation holds only when nothing makes the element interactive or named (WAI-ARIA's
// presentational role conflict resolution, as axe applies it): a tabindex or a global aria-* attribute
// (aria-label, aria-describedby, ...) brings the img role back.
bool presentational(const Element& e) {
  if (!e.has_role("none") && !e.has_role("presentation")) return false;
  if (attr(e.node, "tabindex").present) return false;
  static constexpr const char* kGlobal[] = {"aria-atomic", "aria-busy", "aria-controls", "aria-current",
                                            "aria-describedby", "aria-details", "aria-dropeffect", "aria-flowto",
                                            "aria-grabbed", "aria-haspopup", "aria-invalid", "aria-keyshortcuts",
                                            "aria-label", "aria-labelledby", "aria-live", "aria-owns",
                                            "aria-relevant", "aria-roledescription"};
  for (const char* name : kGlobal)
    if (attr(e.node, name).present) return false;
  return true;
}

class ImageAlt final : public Rule {
 public:
  ImageAlt()
      : Rule({"image-alt", "1.1.1", "A", "Images must have alternative text", Impact::Critical,
              "cat.text-alternatives,wcag2a,wcag111,section508,section508.22.a"}) {}

  void check(const Document& doc, const TextJudge&, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_IMG || e.hidden) continue;
      const AttrValue alt = attr(e.node, "alt");
      if (alt.present && only_whitespace(alt.value)) {
        out.report(e.node, "The alt attribute holds only whitespace, which is read as an unnamed image: "
                           "describe the image, or use alt=\"\" if it is decorative");
        continue;
      }
      if (alt.present || presentational(e)) continue;
      if (!accessible_name(doc, e.node, /*from_content=*/false).empty()) continue;   // aria-*, title
      out.report(e.node, "Image has no alt attribute: add alt text that describes it, or alt=\"\" if it is decorative");
    }
  }
};

// image-alt-quality (the engine's text-quality model, not an axe rule): alt text that exists but does
// not describe the image ("IMG_2031.jpg", "photo").
class ImageAltQuality final : public Rule {
 public:
  ImageAltQuality()
      : Rule({"image-alt-quality", "1.1.1", "A", "Alternative text should describe the image, not name a file or a generic word",
              Impact::Serious, "text-quality,wcag2a,wcag111", RuleSource::TextQuality}) {}

  void check(const Document& doc, const TextJudge& judge, Reporter& out) const override {
    for (const Element& e : doc.elements()) {
      if (out.out_of_time()) return;
      if (e.tag != GUMBO_TAG_IMG || e.hidden || e.has_role("none") || e.has_role("presentation")) continue;
      const std::string_view text = trim(attr(e.node, "alt").value);
      if (text.empty()) continue;
      if (judge.non_descriptive(text, ml::TextKind::AltText))
        out.report(e.node, "Alt text " + quoted(text) + " does not describe the image (a file name or a generic word): "
                           "say what the image shows or what it is for");
    }
  }
};

}  // namespace

const Rule& image_alt_rule() {
  static const ImageAlt rule;
  return rule;
}

const Rule& image_alt_quality_rule() {
  static const ImageAltQuality rule;
  return rule;
}

}  // namespace a11y::audit
