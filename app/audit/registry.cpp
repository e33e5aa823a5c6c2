#include "audit/rule.hpp"

namespace a11y::audit {

const std::vector<const Rule*>& all_rules() {
  static const std::vector<const Rule*> rules = [] {
    std::vector<const Rule*> v = {
        &image_alt_rule(),     &link_name_rule(),         &button_name_rule(), &document_title_rule(),
        &html_has_lang_rule(), &html_lang_valid_rule(),   &label_rule(),       &heading_order_rule(),
        &color_contrast_rule(), &duplicate_id_aria_rule(), &frame_title_rule(), &list_rule(),
        &listitem_rule(),      &meta_viewport_rule(),     &select_name_rule(), &input_button_name_rule()};
    for (const auto* family : {&landmark_rules(), &aria_validity_rules(), &aria_structure_rules(), &name_rules(),
                               &form_rules(), &page_rules(), &table_rules()})
      v.insert(v.end(), family->begin(), family->end());
    v.push_back(&link_text_quality_rule());
    v.push_back(&image_alt_quality_rule());
    return v;
  }();
  return rules;
}

const std::vector<RuleInfo>& Engine::rules() {
  static const std::vector<RuleInfo> infos = [] {
    std::vector<RuleInfo> out;
    for (const Rule* r : all_rules()) {
      const RuleSpec& s = r->spec();
      out.push_back(RuleInfo{std::string(s.id), std::string(s.wcag_criterion), std::string(s.wcag_level),
                             std::string(s.description), s.impact, split_tags(s.tags), s.source,
                             s.wcag_criterion.empty(), s.review_on_fail});
    }
    return out;
  }();
  return infos;
}

const std::vector<OutOfScopeRule>& Engine::out_of_scope_rules() {
  static const std::vector<OutOfScopeRule> rules = {
      {"link-in-text-block", "needs the rendered colours and underline of a link and the text around it"},
      {"p-as-heading", "needs computed font size, weight and style compared with the paragraphs around it"},
      {"target-size", "needs the rendered size and spacing of every touch target"},
      {"scrollable-region-focusable", "needs layout: which boxes overflow and scroll"},
      {"skip-link", "applies only to skip links that are positioned off screen, which needs layout"},
      {"css-orientation-lock", "needs the stylesheets' media queries and transforms as the browser applies them"},
      {"hidden-explicit-label", "needs to know whether a label is rendered, from the full CSS cascade"},
      {"frame-focusable-content", "needs the framed document, which is another request"},
      {"frame-tested", "needs the framed documents, which are other requests"},
      {"no-autoplay-audio", "needs media playback: whether audio plays on load, and for how long"},
      {"color-contrast-enhanced", "AAA and off by default in axe; color-contrast covers the AA threshold"},
  };
  return rules;
}

}  // namespace a11y::audit
