// The landmark and page-structure rules, as axe-core means them (best practices, except bypass):
// region, landmark-unique, landmark-one-main, landmark-no-duplicate-{banner,contentinfo,main},
// landmark-{banner,contentinfo,main,complementary}-is-top-level, page-has-heading-one, empty-heading, bypass.
// Each reads the Semantics pass (roles, nearest landmark ancestor); none walks the tree per element.
#include <algorithm>
#include <cctype>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "audit/rule_function.hpp"

namespace a11y::audit {
namespace {

constexpr std::string_view kLandmarkTags = "cat.semantics,best-practice";

// region: every piece of content is inside a landmark. Like axe, a content element outside every
// landmark is reported as the outermost ancestor (below body) that contains no landmark at all, so one
// unlandmarked block is one finding, not one per paragraph. As in axe, what ends the search below an element
// also counts as a "region" for its ancestors: landmarks, live regions, dialogs, svg, buttons, frames, skip
// links, and everything hidden from assistive technology, including the elements a browser never renders
// (script, style, template, noscript, input type=hidden, ...). So a <script> inside a wrapper splits it.

// The elements the HTML user-agent style sheet gives display:none (axe's isVisibleToScreenReaders sees them
// as hidden): script and style, the head's elements where they appear in body, datalist, param, rp,
// noframes, and input type=hidden.
bool never_rendered(const Element& e) {
  switch (e.tag) {
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: case GUMBO_TAG_META: case GUMBO_TAG_LINK: case GUMBO_TAG_TITLE:
    case GUMBO_TAG_BASE: case GUMBO_TAG_DATALIST: case GUMBO_TAG_PARAM: case GUMBO_TAG_NOFRAMES:
      return true;
    case GUMBO_TAG_RP: return e.node->parent != nullptr && is_element(e.node->parent) && e.node->parent->v.element.tag == GUMBO_TAG_RUBY;
    case GUMBO_TAG_INPUT: return iequals(attr(e.node, "type").value, "hidden");
    default: return false;
  }
}

// axe's skip links: in-page links (href="#target" naming an element by id or name) that come before the
// first link leaving the page (an a[href] that is neither "#..." other than "#" alone, nor "javascript:").
class SkipLinks {
 public:
  explicit SkipLinks(const Document& doc) : doc_(doc) {
    const auto elements = doc.elements();
    for (std::size_t i = 0; i < elements.size(); ++i) {
      if (elements[i].tag != GUMBO_TAG_A) continue;
      const AttrValue href = attr(elements[i].node, "href");
      if (!href.present || href.value.rfind("javascript:", 0) == 0) continue;
      if (href.value.size() > 1 && href.value[0] == '#') continue;   // a link within the page
      first_page_link_ = i;
      break;
    }
  }
  bool is_skip_link(std::size_t i, const Element& e) {
    if ((e.tag != GUMBO_TAG_A && e.tag != GUMBO_TAG_AREA) || i >= first_page_link_) return false;
    const std::string_view href = attr(e.node, "href").value;
    if (href.size() < 2 || href[0] != '#') return false;
    const std::string target = percent_decoded(href.substr(1));
    if (doc_.by_id(target) != nullptr) return true;
    if (!names_built_) {
      for (const Element& x : doc_.elements())
        if (const AttrValue name = attr(x.node, "name"); name.present && !name.value.empty()) names_.emplace_back(name.value);
      std::sort(names_.begin(), names_.end());
      names_built_ = true;
    }
    return std::binary_search(names_.begin(), names_.end(), std::string_view(target));
  }

 private:
  static std::string percent_decoded(std::string_view s) {
    std::string out;
    for (std::size_t k = 0; k < s.size(); ++k) {
      if (s[k] == '%' && k + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[k + 1])) &&
          std::isxdigit(static_cast<unsigned char>(s[k + 2]))) {
        out += static_cast<char>(std::stoi(std::string(s.substr(k + 1, 2)), nullptr, 16));
        k += 2;
      } else {
        out += s[k];
      }
    }
    return out;
  }

  const Document& doc_;
  std::size_t first_page_link_ = static_cast<std::size_t>(-1);
  bool names_built_ = false;
  std::vector<std::string_view> names_;
};

bool region_stop(const Element& e, const NodeInfo& n, std::size_t i, SkipLinks& skip_links) {
  if (e.hidden || n.is_landmark || never_rendered(e)) return true;
  const std::string_view role = Semantics::role_name(n);
  if (role == "button" || role == "dialog" || role == "alertdialog" || role == "alert" || role == "log" ||
      role == "status")
    return true;
  if (e.tag == GUMBO_TAG_IFRAME || e.tag == GUMBO_TAG_FRAME || e.tag == GUMBO_TAG_SVG) return true;
  if (e.tag == GUMBO_TAG_UNKNOWN && iequals(tag_name(e.node), "dialog")) return true;   // gumbo has no dialog tag
  if (e.has_role("dialog") || e.has_role("alertdialog")) return true;   // as axe's regionMatcher, whatever the role resolves to
  const std::string_view live = trim(attr(e.node, "aria-live").value);
  if (iequals(live, "polite") || iequals(live, "assertive")) return true;
  return skip_links.is_skip_link(i, e);
}

// template and noscript are left out of Document::elements(); as hidden elements they still end axe's search.
bool has_inert_child(const GumboNode* node) {
  const GumboVector& kids = node->v.element.children;
  for (unsigned k = 0; k < kids.length; ++k) {
    const auto* c = static_cast<const GumboNode*>(kids.data[k]);
    if (is_element(c) && (c->v.element.tag == GUMBO_TAG_TEMPLATE || c->v.element.tag == GUMBO_TAG_NOSCRIPT)) return true;
  }
  return false;
}

bool has_own_content(const Element& e) {
  switch (e.tag) {
    case GUMBO_TAG_IMG: case GUMBO_TAG_SVG: case GUMBO_TAG_CANVAS: case GUMBO_TAG_VIDEO: case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_OBJECT: case GUMBO_TAG_EMBED: case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_PROGRESS: case GUMBO_TAG_METER: case GUMBO_TAG_MATH:
      return true;
    case GUMBO_TAG_INPUT: return !iequals(trim(attr(e.node, "type").value), "hidden");
    case GUMBO_TAG_SCRIPT: case GUMBO_TAG_STYLE: return false;
    default: break;
  }
  if (!trim(attr(e.node, "aria-label").value).empty()) return true;
  const GumboVector& kids = e.node->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) {
    const auto* k = static_cast<const GumboNode*>(kids.data[i]);
    if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_CDATA) return true;   // whitespace is its own type
  }
  return false;
}

void check_region(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  const std::int32_t body = body_index(doc);
  if (body < 0) return;
  const std::size_t n = elements.size();
  std::vector<std::uint8_t> stop(n, 0), content(n, 0), has_region(n, 0);
  SkipLinks skip_links(doc);
  std::uint32_t skip_below = 0;   // depth of the element whose subtree is being skipped; 0: none
  for (std::size_t i = static_cast<std::size_t>(body) + 1; i < n; ++i) {
    if (out.out_of_time()) return;
    const Element& e = elements[i];
    if (e.depth <= elements[static_cast<std::size_t>(body)].depth) break;   // past body
    if (skip_below != 0 && e.depth > skip_below) continue;
    skip_below = 0;
    if (region_stop(e, sem[i], i, skip_links)) {
      stop[i] = 1;
      skip_below = e.depth;
    } else if (has_own_content(e)) {
      content[i] = 1;
      skip_below = e.depth;
    } else if (has_inert_child(e.node)) {
      stop[i] = 1;   // its other children are still searched: only its ancestors count it as holding a region
    }
  }
  // Which elements contain a landmark (bottom-up, so each element is touched once).
  for (std::size_t i = n; i-- > static_cast<std::size_t>(body);) {
    if (stop[i]) has_region[i] = 1;
    if (has_region[i] && sem[i].parent >= 0) has_region[static_cast<std::size_t>(sem[i].parent)] = 1;
  }
  // top[i]: the outermost ancestor-or-self below body whose ancestors up to body hold no landmark.
  std::vector<std::int32_t> top(n, -1);
  std::vector<std::uint8_t> reported(n, 0);
  for (std::size_t i = static_cast<std::size_t>(body) + 1; i < n; ++i) {
    const std::int32_t p = sem[i].parent;
    if (p < 0 || p < body) break;
    top[i] = (p == body || has_region[static_cast<std::size_t>(p)]) ? static_cast<std::int32_t>(i) : top[static_cast<std::size_t>(p)];
    if (content[i] && top[i] >= 0) reported[static_cast<std::size_t>(top[i])] = 1;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (reported[i]) out.report(elements[i].node, "Content is not inside a landmark: put it in main, nav, header, footer or another landmark");
}

std::string landmark_name(const Document& doc, const GumboNode* node) {
  return lower_copy(accessible_name(doc, node, /*from_content=*/false));
}

// landmark-unique: landmarks of one role need different names. Like axe, the first landmark of each
// clashing group is reported.
void check_landmark_unique(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::map<std::pair<std::string_view, std::string>, std::pair<std::size_t, std::size_t>> groups;   // -> first, count
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    if (!sem[i].is_landmark || elements[i].hidden) continue;
    std::string name = landmark_name(doc, elements[i].node);
    // axe's landmark-unique-matches: a <form> or <section> is a landmark only with a name, whatever its role
    // (a nameless <form role="search"> is not compared with the page's other search landmarks).
    if (name.empty() && (elements[i].tag == GUMBO_TAG_FORM || elements[i].tag == GUMBO_TAG_SECTION)) continue;
    auto [it, inserted] = groups.try_emplace({sem[i].role->name, std::move(name)}, i, 0);
    ++it->second.second;
  }
  std::vector<std::pair<std::size_t, std::string>> clashes;
  for (const auto& [key, value] : groups)
    if (value.second > 1)
      clashes.emplace_back(value.first, std::string(key.first) + (key.second.empty() ? " landmarks have no name" : " landmarks share the name " + quoted(key.second)));
  std::sort(clashes.begin(), clashes.end());
  for (const auto& [i, what] : clashes)
    out.report(elements[i].node, "Landmark is not unique: " + what + "; give each a distinct aria-label");
}

std::size_t count_landmarks(const Document& doc, std::string_view role, std::int32_t* first) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  std::size_t count = 0;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (!sem[i].is_landmark || elements[i].hidden || sem[i].role->name != role) continue;
    if (count++ == 0 && first != nullptr) *first = static_cast<std::int32_t>(i);
  }
  return count;
}

void check_one_main(const Document& doc, Reporter& out) {
  if (count_landmarks(doc, "main", nullptr) == 0)
    out.report(doc.html(), "The page has no main landmark: wrap its main content in <main>");
}

template <const char* Role>
void check_no_duplicate(const Document& doc, Reporter& out) {
  std::int32_t first = -1;
  const std::size_t count = count_landmarks(doc, Role, &first);
  if (count > 1)
    out.report(doc.elements()[static_cast<std::size_t>(first)].node,
               "The page has " + std::to_string(count) + " " + Role + " landmarks: keep one");
}

// landmark-*-is-top-level, as axe selects and checks: every <header>/<footer>/<main>/<aside> without a role
// attribute, whatever role it ends up with (an <aside> inside a section has none), and every element with
// role="<role>"; it fails inside an ancestor with a landmark role: explicit (named or not), or implicit and
// effective (not a <form>'s); a complementary landmark may sit in main.
GumboTag top_level_tag(std::string_view role) {
  if (role == "banner") return GUMBO_TAG_HEADER;
  if (role == "contentinfo") return GUMBO_TAG_FOOTER;
  if (role == "main") return GUMBO_TAG_MAIN;
  return GUMBO_TAG_ASIDE;
}

// A header or footer inside article, aside, main, nav or section (by tag) is not checked.
bool in_scoping_element(std::span<const Element> elements, const Semantics& sem, std::size_t i) {
  for (std::int32_t p = sem[i].parent; p >= 0; p = sem[static_cast<std::size_t>(p)].parent) {
    const GumboTag t = elements[static_cast<std::size_t>(p)].tag;
    if (t == GUMBO_TAG_ARTICLE || t == GUMBO_TAG_ASIDE || t == GUMBO_TAG_MAIN || t == GUMBO_TAG_NAV || t == GUMBO_TAG_SECTION)
      return true;
  }
  return false;
}

template <const char* Role>
void check_top_level(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  const GumboTag tag = top_level_tag(Role);
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (out.out_of_time()) return;
    if (elements[i].hidden) continue;
    const AttrValue role_attr = attr(elements[i].node, "role");
    if (!(elements[i].tag == tag && !role_attr.present) && role_attr.value != Role) continue;
    if ((tag == GUMBO_TAG_HEADER || tag == GUMBO_TAG_FOOTER) && !role_attr.present && in_scoping_element(elements, sem, i))
      continue;   // axe's landmark-has-body-context-matches
    const bool complementary = Semantics::role_name(sem[i]) == "complementary";
    for (std::int32_t p = sem[i].parent; p >= 0; p = sem[static_cast<std::size_t>(p)].parent) {
      const NodeInfo& a = sem[static_cast<std::size_t>(p)];
      const AriaRole* r = a.explicit_role;
      if (r == nullptr && elements[static_cast<std::size_t>(p)].tag != GUMBO_TAG_FORM && a.is_landmark) r = a.role;
      if (r == nullptr || !r->has(kLandmark) || (r->name == "main" && complementary)) continue;
      out.report(elements[i].node, std::string("The ") + Role + " landmark is inside a " + std::string(r->name) +
                                       " landmark: make it top level");
      break;
    }
  }
}

void check_page_has_heading_one(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (e.hidden) continue;
    if (e.tag == GUMBO_TAG_H1 && !attr(e.node, "role").present) return;
    if (e.has_role("heading") && trim(attr(e.node, "aria-level").value) == "1") return;
  }
  out.report(doc.html(), "The page has no level-one heading: add an <h1> naming the page's content");
}

void check_empty_heading(const Document& doc, Reporter& out) {
  for (const Element& e : doc.elements()) {
    if (out.out_of_time()) return;
    if (e.hidden) continue;
    const bool heading = (is_heading_tag(e.tag) && (e.role.empty() || e.has_role("heading"))) || e.has_role("heading");
    if (!heading || !accessible_name(doc, e.node, /*from_content=*/true).empty()) continue;
    out.report(e.node, "Heading is empty: give it text a screen reader can announce, or remove it");
  }
}

// bypass: a page with links needs a way past repeated blocks: a heading, a landmark or a link to a target
// on the page. axe cannot be sure either way, so a failure needs review.
void check_bypass(const Document& doc, Reporter& out) {
  const auto elements = doc.elements();
  const Semantics& sem = doc.semantics();
  bool links = false;
  for (std::size_t i = 0; i < elements.size(); ++i) {
    const Element& e = elements[i];
    if (e.tag == GUMBO_TAG_A && attr(e.node, "href").present) {
      links = true;
      const std::string_view href = trim(attr(e.node, "href").value);
      if (!e.hidden && href.size() > 1 && href[0] == '#') return;
    }
    if (e.hidden) continue;
    if (sem[i].is_landmark || Semantics::role_name(sem[i]) == "heading") return;
  }
  if (links) out.report(doc.html(), "The page has no heading, landmark or skip link to bypass repeated blocks");
}

constexpr char kBanner[] = "banner", kContentinfo[] = "contentinfo", kMain[] = "main", kComplementary[] = "complementary";

}  // namespace

const std::vector<const Rule*>& landmark_rules() {
  static const FunctionRule rules[] = {
      {{"region", "", "", "All page content should be contained by landmarks", Impact::Moderate, "cat.keyboard,best-practice"}, &check_region},
      {{"landmark-unique", "", "", "Landmarks should have a unique role or role/name combination", Impact::Moderate, kLandmarkTags}, &check_landmark_unique},
      {{"landmark-one-main", "", "", "Document should have one main landmark", Impact::Moderate, kLandmarkTags}, &check_one_main},
      {{"landmark-no-duplicate-banner", "", "", "Document should not have more than one banner landmark", Impact::Moderate, kLandmarkTags}, &check_no_duplicate<kBanner>},
      {{"landmark-no-duplicate-contentinfo", "", "", "Document should not have more than one contentinfo landmark", Impact::Moderate, kLandmarkTags}, &check_no_duplicate<kContentinfo>},
      {{"landmark-no-duplicate-main", "", "", "Document should not have more than one main landmark", Impact::Moderate, kLandmarkTags}, &check_no_duplicate<kMain>},
      {{"landmark-banner-is-top-level", "", "", "Banner landmark should not be contained in another landmark", Impact::Moderate, kLandmarkTags}, &check_top_level<kBanner>},
      {{"landmark-contentinfo-is-top-level", "", "", "Contentinfo landmark should not be contained in another landmark", Impact::Moderate, kLandmarkTags}, &check_top_level<kContentinfo>},
      {{"landmark-main-is-top-level", "", "", "Main landmark should not be contained in another landmark", Impact::Moderate, kLandmarkTags}, &check_top_level<kMain>},
      {{"landmark-complementary-is-top-level", "", "", "Aside should not be contained in another landmark", Impact::Moderate, kLandmarkTags}, &check_top_level<kComplementary>},
      {{"page-has-heading-one", "", "", "Page should contain a level-one heading", Impact::Moderate, kLandmarkTags}, &check_page_has_heading_one},
      {{"empty-heading", "", "", "Headings should not be empty", Impact::Minor, "cat.name-role-value,best-practice"}, &check_empty_heading},
      {{"bypass", "2.4.1", "A", "Page should have means to bypass repeated blocks of content", Impact::Serious,
        "cat.keyboard,wcag2a,wcag241,section508,section508.22.o", RuleSource::Axe, /*review_on_fail=*/true}, &check_bypass},
  };
  static const std::vector<const Rule*> list = rule_pointers(rules);
  return list;
}

}  // namespace a11y::audit
