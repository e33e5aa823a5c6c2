#include "audit/rule.hpp"

namespace a11y::audit {

const std::vector<const Rule*>& all_rules() {
  static const std::vector<const Rule*> rules = {
      &image_alt_rule(),     &link_name_rule(),         &button_name_rule(), &document_title_rule(),
      &html_has_lang_rule(), &html_lang_valid_rule(),   &label_rule(),       &heading_order_rule(),
      &color_contrast_rule(), &duplicate_id_aria_rule(), &frame_title_rule(), &list_rule(),
      &listitem_rule(),      &meta_viewport_rule(),     &select_name_rule(), &input_button_name_rule(),
      &link_text_quality_rule(),
      &image_alt_quality_rule()};
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

}  // namespace a11y::audit
