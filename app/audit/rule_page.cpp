// Page and element rules that need no ARIA tables, as axe-core means them: valid-lang,
// html-xml-lang-mismatch, meta-refresh, accesskeys, frame-title-unique (needs review), definition-list,
// dlitem, server-side-image-map, marquee, blink.
#include <algorithm>
#include <map>
#include <string>

#include "audit/language_tag.hpp"
#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

std::string primary_subtag(std::string_view tag) { return lower_copy(trim(tag).substr(0, trim(tag).find('-'))); }

bool valid_lang_value(std::string_view value) {
  const std::string_view v = trim(value);
  return is_valid_language_tag(v) && is_known_primary_language(primary_subtag(v));
}

void check_valid_lang(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden || e.tag == GUMBO_TAG_HTML) continue;
    for (const char* name : {"lang", "xml:lang"}) {
      const std::string_view value = trim(attr(e.node, name).value);
      if (value.empty() || valid_lang_value(value)) continue;
      out.report(e.node, std::string(name) + "=" + quoted(value) + " is not a valid language: use a code such as \"en\" or \"fr-CA\"");
      break;
    }
  }
}

void check_xml_lang_mismatch(const Document& doc, Reporter& out) {
  const std::string_view lang = trim(attr(doc.html(), "lang").value), xml = trim(attr(doc.html(), "xml:lang").value);
  if (!valid_lang_value(lang) || !valid_lang_value(xml) || primary_subtag(lang) == primary_subtag(xml)) return;
  out.report(doc.html(), "lang=" + quoted(lang) + " and xml:lang=" + quoted(xml) + " name different languages");
}

// meta-refresh: a timed refresh or redirect (not immediate, under 20 hours) takes the page away from the user.
void check_meta_refresh(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (e.tag != GUMBO_TAG_META || !iequals(trim(attr(e.node, "http-equiv").value), "refresh")) continue;
    const std::string_view content = trim(attr(e.node, "content").value);
    std::size_t k = 0;
    long delay = 0;
    while (k < content.size() && content[k] >= '0' && content[k] <= '9' && delay <= 72000) delay = delay * 10 + (content[k++] - '0');
    if (k == 0 || delay == 0 || delay > 72000) continue;
    out.report(e.node, "The page refreshes or redirects after " + std::to_string(delay) + " s: let the user control it");
  }
}

void check_accesskeys(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  std::map<std::string, std::pair<std::size_t, std::size_t>> keys;   // -> first element, count
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    if (elements[i].hidden) continue;
    const std::string key = lower_copy(attr(elements[i].node, "accesskey").value);
    if (key.empty()) continue;
    auto [it, inserted] = keys.try_emplace(key, i, 0);
    ++it->second.second;
  }
  std::vector<std::pair<std::size_t, std::string>> dupes;
  for (const auto& [key, v] : keys)
    if (v.second > 1) dupes.emplace_back(v.first, key);
  std::sort(dupes.begin(), dupes.end());
  for (const auto& [i, key] : dupes) out.report(elements[i].node, "accesskey " + quoted(key) + " is used by more than one element");
}

void check_frame_title_unique(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  std::map<std::string, std::size_t> counts;
  for (const Element& e : elements) {
    if (e.hidden || (e.tag != GUMBO_TAG_IFRAME && e.tag != GUMBO_TAG_FRAME)) continue;
    const std::string title = lower_copy(attr(e.node, "title").value);
    if (!title.empty()) ++counts[title];
  }
  for (const Element& e : elements) {
    if (out.out_of_time()) return;
    if (e.hidden || (e.tag != GUMBO_TAG_IFRAME && e.tag != GUMBO_TAG_FRAME)) continue;
    const std::string title = lower_copy(attr(e.node, "title").value);
    if (!title.empty() && counts[title] > 1)
      out.review(e.node, "Frame title " + quoted(title) + " is shared with another frame: check whether they show the same content");
  }
}

bool explicit_role_other_than(const GumboNode* n, std::string_view a, std::string_view b) {
  const std::string_view role = trim(attr(n, "role").value);
  return !role.empty() && !iequals(role, a) && !iequals(role, b);
}

// definition-list: a dl holds only dt/dd groups (optionally wrapped in div), script and template.
void check_definition_list(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.tag != GUMBO_TAG_DL || e.hidden || !e.role.empty()) continue;
    bool ok = true;
    const GumboVector& kids = e.node->v.element.children;
    for (unsigned k = 0; k < kids.length && ok; ++k) {
      const auto* c = static_cast<const GumboNode*>(kids.data[k]);
      if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_CDATA) ok = false;
      if (!is_element(c) || hides_subtree(c)) continue;
      const GumboTag t = c->v.element.tag;
      if (t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_TEMPLATE) continue;
      if (t == GUMBO_TAG_DT || t == GUMBO_TAG_DD) {
        ok = !explicit_role_other_than(c, "term", "definition");
        continue;
      }
      if (t != GUMBO_TAG_DIV || explicit_role_other_than(c, "none", "presentation")) {
        ok = false;
        continue;
      }
      const GumboVector& inner = c->v.element.children;
      for (unsigned m = 0; m < inner.length && ok; ++m) {
        const auto* g = static_cast<const GumboNode*>(inner.data[m]);
        if (g->type == GUMBO_NODE_TEXT || g->type == GUMBO_NODE_CDATA) ok = false;
        if (!is_element(g)) continue;
        const GumboTag gt = g->v.element.tag;
        ok = gt == GUMBO_TAG_DT || gt == GUMBO_TAG_DD || gt == GUMBO_TAG_SCRIPT || gt == GUMBO_TAG_TEMPLATE;
      }
    }
    // axe's structured-dlitems: among the direct children, a dd must follow some dt (a list of terms alone,
    // or definitions alone, fails).
    bool seen_dt = false, seen_dd = false, dd_after_dt = false;
    for (unsigned k = 0; k < kids.length && !dd_after_dt; ++k) {
      const auto* c = static_cast<const GumboNode*>(kids.data[k]);
      if (!is_element(c)) continue;
      if (c->v.element.tag == GUMBO_TAG_DT) seen_dt = true;
      if (c->v.element.tag == GUMBO_TAG_DD) {
        dd_after_dt = seen_dt;
        seen_dd = true;
      }
    }
    if (!ok) out.report(e.node, "Definition list holds something other than dt/dd groups, div, script or template");
    else if (!dd_after_dt && (seen_dt || seen_dd)) out.report(e.node, "Definition list's terms and definitions are not in order: each dt needs a dd after it");
  }
}

void check_dlitem(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if ((e.tag != GUMBO_TAG_DT && e.tag != GUMBO_TAG_DD) || e.hidden || !e.role.empty()) continue;
    const GumboNode* parent = e.node->parent;
    if (parent != nullptr && is_element(parent) && parent->v.element.tag == GUMBO_TAG_DIV &&
        !explicit_role_other_than(parent, "none", "presentation"))
      parent = parent->parent;
    if (parent != nullptr && is_element(parent) && parent->v.element.tag == GUMBO_TAG_DL) {
      const std::string_view role = trim(attr(parent, "role").value);
      if (role.empty() || find_role(role) == nullptr || iequals(role, "list")) continue;
    }
    out.report(e.node, std::string("<") + std::string(tag_name(e.node)) + "> is not inside a <dl>");
  }
}

void check_server_side_image_map(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements())
    if (e.tag == GUMBO_TAG_IMG && !e.hidden && attr(e.node, "ismap").present)
      out.report(e.node, "Server-side image map: keyboard users cannot reach its areas; use a client-side map or links");
}

template <GumboTag Tag>
void check_moving(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements())
    if (e.tag == Tag && !e.hidden)
      out.report(e.node, std::string("<") + std::string(tag_name(e.node)) + "> moves or blinks and cannot be stopped: remove it");
}

}  // namespace

const std::vector<const Rule*>& page_rules() {
  static const FunctionRule rules[] = {
      {{"valid-lang", "3.1.2", "AA", "lang attribute must have a valid value", Impact::Serious, "cat.language,wcag2aa,wcag312"}, &check_valid_lang},
      {{"html-xml-lang-mismatch", "3.1.1", "A", "HTML elements with lang and xml:lang must have the same base language", Impact::Moderate,
        "cat.language,wcag2a,wcag311"}, &check_xml_lang_mismatch},
      {{"meta-refresh", "2.2.1", "A", "Delayed refresh must not be used", Impact::Critical, "cat.time-and-media,wcag2a,wcag221"}, &check_meta_refresh},
      {{"accesskeys", "", "", "accesskey attribute value should be unique", Impact::Serious, "cat.keyboard,best-practice"}, &check_accesskeys},
      {{"frame-title-unique", "4.1.2", "A", "Frames should have a unique title attribute", Impact::Serious,
        "cat.text-alternatives,wcag2a,wcag412", RuleSource::Axe, /*review_on_fail=*/true}, &check_frame_title_unique},
      {{"definition-list", "1.3.1", "A", "<dl> elements must only directly contain properly-ordered <dt> and <dd> groups, <script>, <template> or <div> elements",
        Impact::Serious, "cat.structure,wcag2a,wcag131"}, &check_definition_list},
      {{"dlitem", "1.3.1", "A", "<dt> and <dd> elements must be contained by a <dl>", Impact::Serious, "cat.structure,wcag2a,wcag131"}, &check_dlitem},
      {{"server-side-image-map", "2.1.1", "A", "Server-side image maps must not be used", Impact::Minor,
        "cat.text-alternatives,wcag2a,wcag211,section508,section508.22.f"}, &check_server_side_image_map},
      {{"marquee", "2.2.2", "A", "<marquee> elements are deprecated and must not be used", Impact::Serious, "cat.parsing,wcag2a,wcag222"}, &check_moving<GUMBO_TAG_MARQUEE>},
      {{"blink", "2.2.2", "A", "<blink> elements are deprecated and must not be used", Impact::Serious,
        "cat.time-and-media,wcag2a,wcag222,section508,section508.22.j"}, &check_moving<GUMBO_TAG_BLINK>},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
