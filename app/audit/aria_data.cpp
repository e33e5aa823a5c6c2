// The tables behind aria_data.hpp. Role and attribute facts follow WAI-ARIA 1.2 (with the DPUB-ARIA and
// Graphics-ARIA roles); element facts follow ARIA in HTML. Lists are space-separated words.
#include "audit/aria_data.hpp"

#include <string>
#include <unordered_map>

namespace a11y::audit {
namespace {

constexpr std::uint16_t A = kAbstract, L = kLandmark, D = kDeprecated, CP = kChildrenPresentational,
                        NC = kNameFromContent, NP = kNameProhibited, W = kWidget, S = kStructure;

#define RANGE "aria-valuemax aria-valuemin aria-valuenow aria-valuetext"
#define CELL "aria-colindex aria-colspan aria-rowindex aria-rowspan"
#define SET "aria-posinset aria-setsize"
#define MENU_ITEMS "menuitem menuitemcheckbox menuitemradio group menu separator"

constexpr AriaRole kRoles[] = {
    // name, flags, required attributes, supported attributes, required context, required owned
    {"alert", S, "", "", "", ""},
    {"alertdialog", S, "", "aria-modal", "", ""},
    {"application", S, "", "aria-activedescendant aria-expanded", "", ""},
    {"article", S, "", SET, "", ""},
    {"banner", L, "", "", "", ""},
    {"blockquote", S, "", "", "", ""},
    {"button", W | CP | NC, "", "aria-expanded aria-pressed", "", ""},
    {"caption", S | NP, "", "", "", ""},
    {"cell", S | NC, "", CELL, "row", ""},
    {"checkbox", W | CP | NC, "aria-checked", "aria-expanded aria-readonly aria-required", "", ""},
    {"code", S | NP, "", "", "", ""},
    {"columnheader", S | W | NC, "", CELL " aria-expanded aria-readonly aria-required aria-selected aria-sort", "row", ""},
    {"combobox", W, "aria-expanded", "aria-activedescendant aria-autocomplete aria-readonly aria-required", "", ""},
    {"complementary", L, "", "", "", ""},
    {"contentinfo", L, "", "", "", ""},
    {"definition", S, "", "", "", ""},
    {"deletion", S | NP, "", "", "", ""},
    {"dialog", S, "", "aria-modal", "", ""},
    {"directory", S | D, "", "", "", ""},
    {"document", S, "", "", "", ""},
    {"emphasis", S | NP, "", "", "", ""},
    {"feed", S, "", "", "", "article"},
    {"figure", S, "", "", "", ""},
    {"form", L, "", "", "", ""},
    {"generic", S | NP, "", "", "", ""},
    {"grid", W, "", "aria-activedescendant aria-colcount aria-multiselectable aria-readonly aria-rowcount", "", "row rowgroup"},
    {"gridcell", W | NC, "", CELL " aria-expanded aria-readonly aria-required aria-selected", "row", ""},
    {"group", S, "", "aria-activedescendant", "", ""},
    {"heading", S | NC, "", "aria-level", "", ""},
    {"img", S | CP, "", "", "", ""},
    {"insertion", S | NP, "", "", "", ""},
    {"link", W | NC, "", "aria-expanded", "", ""},
    {"list", S, "", "", "", "listitem"},
    {"listbox", W, "", "aria-activedescendant aria-expanded aria-multiselectable aria-orientation aria-readonly aria-required", "", "option group"},
    {"listitem", S, "", SET " aria-level", "list directory", ""},
    {"log", S, "", "", "", ""},
    {"main", L, "", "", "", ""},
    {"marquee", S, "", "", "", ""},
    {"math", S | CP, "", "", "", ""},
    {"menu", W, "", "aria-activedescendant aria-orientation", "", MENU_ITEMS},
    {"menubar", W, "", "aria-activedescendant aria-orientation", "", MENU_ITEMS},
    {"menuitem", W | NC, "", SET " aria-expanded", "menu menubar group", ""},
    {"menuitemcheckbox", W | CP | NC, "aria-checked", SET " aria-expanded aria-readonly", "menu menubar group", ""},
    {"menuitemradio", W | CP | NC, "aria-checked", SET " aria-expanded aria-readonly", "menu menubar group", ""},
    {"meter", S | CP, "aria-valuenow", RANGE, "", ""},
    {"navigation", L, "", "", "", ""},
    {"none", S, "", "", "", ""},
    {"note", S, "", "", "", ""},
    {"option", W | CP | NC, "", SET " aria-checked aria-selected", "listbox group", ""},
    {"paragraph", S | NP, "", "", "", ""},
    {"presentation", S, "", "", "", ""},
    {"progressbar", S | CP, "", RANGE, "", ""},
    {"radio", W | CP | NC, "aria-checked", SET, "", ""},
    {"radiogroup", W, "", "aria-activedescendant aria-orientation aria-readonly aria-required", "", "radio"},
    {"region", L, "", "", "", ""},
    {"row", S | W | NC, "", SET " aria-activedescendant aria-colindex aria-expanded aria-level aria-rowindex aria-selected",
     "grid rowgroup table treegrid", "cell columnheader gridcell rowheader"},
    {"rowgroup", S, "", "", "grid table treegrid", "row"},
    {"rowheader", S | W | NC, "", CELL " aria-expanded aria-readonly aria-required aria-selected aria-sort", "row", ""},
    {"scrollbar", W | CP, "aria-controls aria-valuenow", RANGE " aria-orientation", "", ""},
    {"search", L, "", "", "", ""},
    {"searchbox", W, "", "aria-activedescendant aria-autocomplete aria-multiline aria-placeholder aria-readonly aria-required", "", ""},
    {"separator", S | CP, "", RANGE " aria-orientation", "", ""},
    {"slider", W | CP, "aria-valuenow", RANGE " aria-orientation aria-readonly", "", ""},
    {"spinbutton", W, "", RANGE " aria-activedescendant aria-readonly aria-required", "", ""},
    {"status", S, "", "", "", ""},
    {"strong", S | NP, "", "", "", ""},
    {"subscript", S | NP, "", "", "", ""},
    {"superscript", S | NP, "", "", "", ""},
    {"switch", W | CP | NC, "aria-checked", "aria-expanded aria-readonly aria-required", "", ""},
    {"tab", W | CP | NC, "", SET " aria-expanded aria-selected", "tablist", ""},
    {"table", S, "", "aria-colcount aria-rowcount", "", "row rowgroup"},
    {"tablist", W, "", "aria-activedescendant aria-level aria-multiselectable aria-orientation", "", "tab"},
    {"tabpanel", S, "", "", "", ""},
    {"term", S | NC, "", "", "", ""},
    {"text", S | NC, "", "", "", ""},   // not in ARIA 1.2, but browsers support it and axe accepts it
    {"textbox", W, "", "aria-activedescendant aria-autocomplete aria-multiline aria-placeholder aria-readonly aria-required", "", ""},
    {"time", S, "", "", "", ""},
    {"timer", S, "", "", "", ""},
    {"toolbar", S, "", "aria-activedescendant aria-orientation", "", ""},
    {"tooltip", S | NC, "", "", "", ""},
    {"tree", W, "", "aria-activedescendant aria-multiselectable aria-orientation aria-required", "", "treeitem group"},
    {"treegrid", W, "", "aria-activedescendant aria-colcount aria-multiselectable aria-orientation aria-readonly aria-required aria-rowcount", "", "row rowgroup"},
    {"treeitem", W | NC, "", SET " aria-checked aria-expanded aria-level aria-selected", "group tree", ""},
    // Abstract roles: the taxonomy's, never an author's.
    {"command", A, "", "", "", ""}, {"composite", A, "", "", "", ""}, {"input", A, "", "", "", ""},
    {"landmark", A, "", "", "", ""}, {"range", A, "", "", "", ""}, {"roletype", A, "", "", "", ""},
    {"section", A, "", "", "", ""}, {"sectionhead", A, "", "", "", ""}, {"select", A, "", "", "", ""},
    {"structure", A, "", "", "", ""}, {"widget", A, "", "", "", ""}, {"window", A, "", "", "", ""},
    // DPUB-ARIA 1.1.
    {"doc-abstract", S, "", "", "", ""}, {"doc-acknowledgments", L, "", "", "", ""}, {"doc-afterword", L, "", "", "", ""},
    {"doc-appendix", L, "", "", "", ""}, {"doc-backlink", W | NC, "", "aria-expanded", "", ""},
    {"doc-biblioentry", S | D, "", SET " aria-level", "list", ""}, {"doc-bibliography", L, "", "", "", ""},
    {"doc-biblioref", W | NC, "", "aria-expanded", "", ""}, {"doc-chapter", L, "", "", "", ""},
    {"doc-colophon", S, "", "", "", ""}, {"doc-conclusion", L, "", "", "", ""}, {"doc-cover", S | CP, "", "", "", ""},
    {"doc-credit", S, "", "", "", ""}, {"doc-credits", L, "", "", "", ""}, {"doc-dedication", S, "", "", "", ""},
    {"doc-endnote", S | D, "", SET " aria-level", "list", ""}, {"doc-endnotes", L, "", "", "", ""},
    {"doc-epigraph", S, "", "", "", ""}, {"doc-epilogue", L, "", "", "", ""}, {"doc-errata", L, "", "", "", ""},
    {"doc-example", S, "", "", "", ""}, {"doc-footnote", S, "", "", "", ""}, {"doc-foreword", L, "", "", "", ""},
    {"doc-glossary", L, "", "", "", ""}, {"doc-glossref", W | NC, "", "aria-expanded", "", ""},
    {"doc-index", L, "", "", "", ""}, {"doc-introduction", L, "", "", "", ""}, {"doc-noteref", W | NC, "", "aria-expanded", "", ""},
    {"doc-notice", S, "", "", "", ""}, {"doc-pagebreak", S | CP, "", RANGE " aria-orientation", "", ""},
    {"doc-pagelist", L, "", "", "", ""}, {"doc-part", L, "", "", "", ""}, {"doc-preface", L, "", "", "", ""},
    {"doc-prologue", L, "", "", "", ""}, {"doc-pullquote", S, "", "", "", ""}, {"doc-qna", S, "", "", "", ""},
    {"doc-subtitle", S | NC, "", "aria-level", "", ""}, {"doc-tip", S, "", "", "", ""}, {"doc-toc", L, "", "", "", ""},
    // Graphics-ARIA 1.0.
    {"graphics-document", S, "", "", "", ""}, {"graphics-object", S | NC, "", "", "", ""},
    {"graphics-symbol", S | CP, "", "", "", ""},
};

constexpr AriaAttr kAttrs[] = {
    {"aria-activedescendant", AttrType::IdRef, false, ""},
    {"aria-atomic", AttrType::Bool, true, ""},
    {"aria-autocomplete", AttrType::Token, false, "inline list both none"},
    {"aria-braillelabel", AttrType::String, true, ""},
    {"aria-brailleroledescription", AttrType::String, true, ""},
    {"aria-busy", AttrType::Bool, true, ""},
    {"aria-checked", AttrType::Tristate, false, ""},
    {"aria-colcount", AttrType::Int, false, "", -1},
    {"aria-colindex", AttrType::Int, false, "", 1},
    {"aria-colspan", AttrType::Int, false, "", 1},
    {"aria-controls", AttrType::IdRefs, true, ""},
    {"aria-current", AttrType::Token, true, "page step location date time true false"},
    {"aria-describedby", AttrType::IdRefs, true, ""},
    {"aria-description", AttrType::String, true, ""},
    {"aria-details", AttrType::IdRefs, true, ""},
    {"aria-disabled", AttrType::Bool, true, ""},
    {"aria-dropeffect", AttrType::Tokens, true, "copy execute link move none popup"},
    {"aria-errormessage", AttrType::IdRef, true, ""},
    {"aria-expanded", AttrType::TrueFalseUndefined, false, ""},
    {"aria-flowto", AttrType::IdRefs, true, ""},
    {"aria-grabbed", AttrType::TrueFalseUndefined, true, ""},
    {"aria-haspopup", AttrType::Token, true, "true false menu listbox tree grid dialog"},
    {"aria-hidden", AttrType::TrueFalseUndefined, true, ""},
    {"aria-invalid", AttrType::Token, true, "grammar false spelling true"},
    {"aria-keyshortcuts", AttrType::String, true, ""},
    {"aria-label", AttrType::String, true, ""},
    {"aria-labelledby", AttrType::IdRefs, true, ""},
    {"aria-level", AttrType::Int, false, "", 1},
    {"aria-live", AttrType::Token, true, "assertive off polite"},
    {"aria-modal", AttrType::Bool, false, ""},
    {"aria-multiline", AttrType::Bool, false, ""},
    {"aria-multiselectable", AttrType::Bool, false, ""},
    {"aria-orientation", AttrType::Token, false, "horizontal undefined vertical"},
    {"aria-owns", AttrType::IdRefs, true, ""},
    {"aria-placeholder", AttrType::String, false, ""},
    {"aria-posinset", AttrType::Int, false, "", 1},
    {"aria-pressed", AttrType::Tristate, false, ""},
    {"aria-readonly", AttrType::Bool, false, ""},
    {"aria-relevant", AttrType::Tokens, true, "additions all removals text"},
    {"aria-required", AttrType::Bool, false, ""},
    {"aria-roledescription", AttrType::String, true, ""},
    {"aria-rowcount", AttrType::Int, false, "", -1},
    {"aria-rowindex", AttrType::Int, false, "", 1},
    {"aria-rowspan", AttrType::Int, false, "", 0},
    {"aria-selected", AttrType::TrueFalseUndefined, false, ""},
    {"aria-setsize", AttrType::Int, false, "", -1},
    {"aria-sort", AttrType::Token, false, "ascending descending none other"},
    {"aria-valuemax", AttrType::Number, false, ""},
    {"aria-valuemin", AttrType::Number, false, ""},
    {"aria-valuenow", AttrType::Number, false, ""},
    {"aria-valuetext", AttrType::String, false, ""},
};

#define PHRASING_ANY "*"
#define LIST_ROLES "directory group listbox menu menubar none presentation radiogroup tablist toolbar tree"
#define BUTTONISH "checkbox combobox link menuitem menuitemcheckbox menuitemradio option radio switch tab"

struct ElementRoles {
  std::string_view tag, kind, roles;   // kind empty: any variant
};
constexpr ElementRoles kElementRoles[] = {
    {"a", "href", "button checkbox menuitem menuitemcheckbox menuitemradio option radio switch tab treeitem doc-backlink doc-biblioref doc-glossref doc-noteref"},
    {"area", "href", ""},
    {"article", "", "application document feed main none presentation region"},
    {"aside", "", "doc-dedication doc-example doc-footnote doc-glossary doc-pullquote doc-tip feed none note presentation region search"},
    {"audio", "", "application"}, {"video", "", "application"},
    {"base", "", ""}, {"body", "", ""}, {"caption", "", ""}, {"col", "", ""}, {"colgroup", "", ""},
    {"datalist", "", ""}, {"dd", "", ""}, {"details", "", ""}, {"head", "", ""}, {"html", "", ""},
    {"label", "", ""}, {"legend", "", ""}, {"link", "", ""}, {"main", "", ""}, {"map", "", ""}, {"meta", "", ""},
    {"meter", "", ""}, {"noscript", "", ""}, {"optgroup", "", ""}, {"option", "", ""}, {"param", "", ""},
    {"picture", "", ""}, {"progress", "", ""}, {"script", "", ""}, {"slot", "", ""}, {"source", "", ""},
    {"style", "", ""}, {"summary", "", ""}, {"template", "", ""}, {"textarea", "", ""}, {"title", "", ""},
    {"track", "", ""},
    {"button", "", BUTTONISH " gridcell"},
    {"dialog", "", "alertdialog"},
    {"dl", "", "group list none presentation"},
    {"dt", "", "listitem"},
    {"embed", "", "application document img none presentation"},
    {"fieldset", "", "none presentation radiogroup"},
    {"footer", "", "group none presentation doc-footnote"},
    {"form", "", "none presentation search"},
    {"h1", "", "none presentation tab doc-subtitle"}, {"h2", "", "none presentation tab doc-subtitle"},
    {"h3", "", "none presentation tab doc-subtitle"}, {"h4", "", "none presentation tab doc-subtitle"},
    {"h5", "", "none presentation tab doc-subtitle"}, {"h6", "", "none presentation tab doc-subtitle"},
    {"header", "", "group none presentation"},
    {"hr", "", "none presentation doc-pagebreak"},
    {"iframe", "", "application document img none presentation"},
    {"img", "empty-alt", "none presentation"},
    {"img", "alt", BUTTONISH " meter progressbar scrollbar separator slider treeitem doc-cover"},
    {"input", "button", BUTTONISH},
    {"input", "checkbox", "button menuitemcheckbox option switch"},
    {"input", "image", "link menuitem menuitemcheckbox menuitemradio radio switch"},
    {"input", "radio", "menuitemradio"},
    {"input", "text", "combobox searchbox spinbutton"},
    {"input", "search", "combobox searchbox"},
    {"input", "email", "combobox"}, {"input", "tel", "combobox"}, {"input", "url", "combobox"},
    {"input", "", ""},
    {"li", "", "menuitem menuitemcheckbox menuitemradio option none presentation radio separator tab treeitem doc-biblioentry doc-endnote"},
    {"menu", "", LIST_ROLES}, {"ol", "", LIST_ROLES}, {"ul", "", LIST_ROLES},
    {"nav", "", "doc-index doc-pagelist doc-toc menu menubar none presentation tablist"},
    {"select", "", "menu"},
    {"section", "", "alert alertdialog application banner complementary contentinfo dialog document feed group log main marquee navigation none note presentation search status tabpanel doc-abstract doc-acknowledgments doc-afterword doc-appendix doc-bibliography doc-chapter doc-colophon doc-conclusion doc-credit doc-credits doc-dedication doc-endnotes doc-epigraph doc-epilogue doc-errata doc-example doc-foreword doc-glossary doc-index doc-introduction doc-notice doc-pagelist doc-part doc-preface doc-prologue doc-pullquote doc-qna doc-toc"},
};

constexpr std::string_view kAutocompleteFields =
    "name honorific-prefix given-name additional-name family-name honorific-suffix nickname username "
    "new-password current-password one-time-code organization-title organization street-address address-line1 "
    "address-line2 address-line3 address-level4 address-level3 address-level2 address-level1 country country-name "
    "postal-code cc-name cc-given-name cc-additional-name cc-family-name cc-number cc-exp cc-exp-month cc-exp-year "
    "cc-csc cc-type transaction-currency transaction-amount language bday bday-day bday-month bday-year sex url "
    "photo tel tel-country-code tel-national tel-area-code tel-local tel-local-prefix tel-local-suffix "
    "tel-extension email impp";
constexpr std::string_view kContactFields =
    "tel tel-country-code tel-national tel-area-code tel-local tel-local-prefix tel-local-suffix tel-extension email impp";

// ISO 639-1, with the withdrawn codes browsers still map (in, iw, ji, jw, mo, sh).
constexpr std::string_view kIso6391 =
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik "
    "in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh "
    "mi mk ml mn mo mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw "
    "sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur "
    "uz ve vi vo wa wo xh yi yo za zh zu";

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

template <class T, std::size_t N>
std::unordered_map<std::string_view, const T*> index_by_name(const T (&table)[N]) {
  std::unordered_map<std::string_view, const T*> out;
  for (const T& t : table) out.emplace(t.name, &t);
  return out;
}

}  // namespace

bool list_has(std::string_view list, std::string_view token) {
  if (token.empty()) return false;
  std::size_t i = 0;
  while (i < list.size()) {
    const std::size_t end = std::min(list.find(' ', i), list.size());
    if (end - i == token.size()) {
      std::size_t k = 0;
      while (k < token.size() && list[i + k] == lower(token[k])) ++k;
      if (k == token.size()) return true;
    }
    i = end + 1;
  }
  return false;
}

std::span<const AriaRole> all_roles() { return kRoles; }
std::span<const AriaAttr> all_aria_attrs() { return kAttrs; }

const AriaRole* find_role(std::string_view name) {
  static const auto index = index_by_name(kRoles);
  if (name.size() > 32) return nullptr;
  const auto it = index.find(lowered(name));
  return it == index.end() ? nullptr : it->second;
}

const AriaAttr* find_aria_attr(std::string_view name) {
  static const auto index = index_by_name(kAttrs);
  if (name.size() > 32) return nullptr;
  const auto it = index.find(lowered(name));
  return it == index.end() ? nullptr : it->second;
}

std::string_view allowed_roles(std::string_view tag, std::string_view kind) {
  for (const ElementRoles& e : kElementRoles)
    if (e.tag == tag && (e.kind.empty() || e.kind == kind)) return e.roles;
  return kAnyRole;
}

bool is_autocomplete_field(std::string_view token) { return list_has(kAutocompleteFields, token); }
bool is_contact_autocomplete_field(std::string_view token) { return list_has(kContactFields, token); }
bool is_known_primary_language(std::string_view subtag) {
  if (subtag.size() == 3) return true;   // ISO 639-2/3: too many to list; the shape is checked elsewhere
  return subtag.size() == 2 && list_has(kIso6391, subtag);
}

}  // namespace a11y::audit
