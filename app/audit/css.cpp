#include "audit/css.hpp"

#include <array>
#include <cctype>
#include <charconv>

#include "audit/document.hpp"

namespace a11y::audit::css {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

// Index just past the comment or string starting at i (text[i] is '/' of "/*", or a quote); i + 1 when
// neither starts there.
std::size_t skip_comment_or_string(std::string_view text, std::size_t i) {
  if (text[i] == '/' && i + 1 < text.size() && text[i + 1] == '*') {
    const auto end = text.find("*/", i + 2);
    return end == std::string_view::npos ? text.size() : end + 2;
  }
  if (text[i] == '"' || text[i] == '\'') {
    const char quote = text[i];
    for (std::size_t j = i + 1; j < text.size(); ++j) {
      if (text[j] == '\\') ++j;
      else if (text[j] == quote || text[j] == '\n') return j + 1;
    }
    return text.size();
  }
  return i + 1;
}

// First index at or after i of one of stops at nesting level 0 (parentheses and brackets nest; strings and
// comments are skipped); text.size() when none.
std::size_t find_top_level(std::string_view text, std::size_t i, std::string_view stops) {
  int parens = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '/' || c == '"' || c == '\'') {
      const std::size_t next = skip_comment_or_string(text, i);
      if (next != i + 1 || c != '/') { i = next; continue; }
    }
    if (c == '\\') { i += 2; continue; }
    if (parens == 0 && stops.find(c) != std::string_view::npos) return i;
    if (c == '(' || c == '[') ++parens;
    else if ((c == ')' || c == ']') && parens > 0) --parens;
    ++i;
  }
  return text.size();
}

// Index just past the '}' matching the '{' at open (text.size() when unclosed).
std::size_t matching_brace(std::string_view text, std::size_t open) {
  int depth = 0;
  std::size_t i = open;
  while (i < text.size()) {
    i = find_top_level(text, i, "{}");
    if (i >= text.size()) return text.size();
    depth += text[i] == '{' ? 1 : -1;
    ++i;
    if (depth == 0) return i;
  }
  return text.size();
}

struct PropertyName {
  std::string_view name;
  Property property;
};
constexpr std::array<PropertyName, kPropertyCount> kProperties = {{
    {"color", Property::Color}, {"background-color", Property::BackgroundColor},
    {"background-image", Property::BackgroundImage}, {"background", Property::Background},
    {"opacity", Property::Opacity}, {"visibility", Property::Visibility}, {"display", Property::Display},
    {"font-size", Property::FontSize}, {"font-weight", Property::FontWeight}, {"font", Property::Font},
}};

// Media query list (a <style media> attribute or an @media prelude): Yes when it applies on a screen
// whatever the viewport, No when only on another medium (print, speech), Maybe when a feature decides.
Match media_applies(std::string_view list) {
  list = trim(list);
  if (list.empty()) return Match::Yes;
  Match best = Match::No;
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t comma = find_top_level(list, start, ",");
    const std::string_view query = trim(list.substr(start, comma - start));
    start = comma + 1;
    bool negate = false, features = false, other_type = false, seen_type = false;
    for_each_token(query, [&](std::string_view tok) {
      if (tok.front() == '(' || tok.find('(') != std::string_view::npos) { features = true; return; }
      if (iequals(tok, "not")) negate = true;
      else if (iequals(tok, "only") || iequals(tok, "and")) {}
      else if (iequals(tok, "all") || iequals(tok, "screen")) seen_type = true;
      else if (!seen_type) { other_type = true; seen_type = true; }
      else features = true;   // something we do not read
    });
    Match m;
    if (features) m = Match::Maybe;
    else m = (other_type != negate) ? Match::No : Match::Yes;
    if (m == Match::Yes) return Match::Yes;
    if (m == Match::Maybe) best = Match::Maybe;
    if (comma >= list.size()) break;
  }
  return best;
}

}  // namespace

void parse_declarations(std::string_view block, std::vector<Declaration>& out) {
  std::size_t i = 0;
  while (i < block.size()) {
    const std::size_t end = find_top_level(block, i, ";{");
    if (end < block.size() && block[end] == '{') {   // a nested rule: skip it (the caller marks the sheet open)
      i = matching_brace(block, end);
      continue;
    }
    const std::string_view decl = block.substr(i, end - i);
    i = end + 1;
    const std::size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(decl.substr(0, colon));
    // A leading comment ("/* x */ color: red") is whitespace to CSS.
    while (name.starts_with("/*")) {
      const auto close = name.find("*/");
      name = close == std::string_view::npos ? std::string_view() : trim(name.substr(close + 2));
    }
    const auto* p = std::find_if(kProperties.begin(), kProperties.end(), [&](const PropertyName& k) { return iequals(k.name, name); });
    if (p == kProperties.end()) continue;
    std::string_view value = trim(decl.substr(colon + 1));
    bool important = false;
    if (const auto bang = find_top_level(value, 0, "!"); bang < value.size()) {
      important = iequals(trim(value.substr(bang + 1)), "important");
      value = trim(value.substr(0, bang));
    }
    if (value.empty()) continue;
    out.push_back(Declaration{p->property, important, value});
  }
}

// ---------------------------------------------------------------------------------------------- selectors

class SelectorParser {
 public:
  SelectorParser(StyleSheets& s, std::string_view text) : s_(s), t_(text) {}

  // Parses a selector list into s_.selectors_ (rule index set by the caller). False on a syntax error:
  // the whole rule is then invalid (as in a browser) and nothing is added.
  bool parse_list(std::uint32_t rule) {
    const std::size_t selectors_before = s_.selectors_.size(), compounds_before = s_.compounds_.size(),
                      simples_before = s_.simples_.size(), list_before = s_.list_.size();
    for (;;) {
      Selector sel;
      sel.rule = rule;
      if (!parse_complex(sel)) {
        s_.selectors_.resize(selectors_before);
        s_.compounds_.resize(compounds_before);
        s_.simples_.resize(simples_before);
        s_.list_.resize(list_before);
        return false;
      }
      s_.selectors_.push_back(sel);
      skip_ws();
      if (i_ >= t_.size()) return true;
      if (t_[i_] != ',') return false;
      ++i_;
    }
  }

  // A compound-only selector list for :not()/:is()/:where(); false when an argument has a combinator or
  // does not parse. spec receives the largest argument's specificity.
  bool parse_compound_list(std::uint32_t& first, std::uint32_t& count, Specificity& spec) {
    std::vector<std::uint32_t> compounds;
    spec = 0;
    for (;;) {
      skip_ws();
      Specificity one = 0;
      PseudoElement pe = PseudoElement::None;
      StyleSheets::Compound c;
      if (!parse_compound(c, one, pe) || pe != PseudoElement::None) return false;
      compounds.push_back(static_cast<std::uint32_t>(s_.compounds_.size()));
      s_.compounds_.push_back(c);
      spec = std::max(spec, one);
      skip_ws();
      if (i_ >= t_.size()) break;
      if (t_[i_] != ',') return false;
      ++i_;
    }
    first = static_cast<std::uint32_t>(s_.list_.size());
    count = static_cast<std::uint32_t>(compounds.size());
    s_.list_.insert(s_.list_.end(), compounds.begin(), compounds.end());
    return true;
  }

 private:
  void skip_ws() {
    while (i_ < t_.size()) {
      if (is_space(t_[i_])) ++i_;
      else if (t_[i_] == '/' && i_ + 1 < t_.size() && t_[i_ + 1] == '*') i_ = skip_comment_or_string(t_, i_);
      else break;
    }
  }

  // An identifier (with CSS escapes unescaped into owned storage); empty when none starts here.
  std::string_view ident() {
    const std::size_t start = i_;
    bool escaped = false;
    if (i_ < t_.size() && t_[i_] == '-') ++i_;
    while (i_ < t_.size()) {
      if (t_[i_] == '\\' && i_ + 1 < t_.size() && t_[i_ + 1] != '\n') {
        escaped = true;
        ++i_;
        if (!std::isxdigit(static_cast<unsigned char>(t_[i_]))) { ++i_; continue; }
        const std::size_t hex = i_;
        while (i_ < t_.size() && i_ - hex < 6 && std::isxdigit(static_cast<unsigned char>(t_[i_]))) ++i_;
        if (i_ < t_.size() && is_space(t_[i_])) ++i_;   // a hex escape ends with one optional whitespace
        continue;
      }
      if (!is_name_char(t_[i_])) break;
      ++i_;
    }
    const std::string_view raw = t_.substr(start, i_ - start);
    if (raw == "-") { i_ = start; return {}; }
    if (!escaped) return raw;
    std::string out;
    for (std::size_t k = 0; k < raw.size(); ++k) {
      if (raw[k] != '\\') { out.push_back(raw[k]); continue; }
      ++k;
      // Hex escape: up to 6 hex digits and one optional space; the code point written as UTF-8.
      std::size_t h = k;
      unsigned cp = 0;
      while (h < raw.size() && h - k < 6 && std::isxdigit(static_cast<unsigned char>(raw[h]))) {
        cp = cp * 16 + static_cast<unsigned>(std::isdigit(static_cast<unsigned char>(raw[h])) ? raw[h] - '0' : lower(raw[h]) - 'a' + 10);
        ++h;
      }
      if (h == k) { out.push_back(raw[k]); continue; }
      if (cp == 0 || cp > 0x10FFFF) cp = 0xFFFD;
      if (cp < 0x80) out.push_back(static_cast<char>(cp));
      else if (cp < 0x800) { out.push_back(static_cast<char>(0xC0 | (cp >> 6))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
      else if (cp < 0x10000) { out.push_back(static_cast<char>(0xE0 | (cp >> 12))); out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
      else { out.push_back(static_cast<char>(0xF0 | (cp >> 18))); out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F))); out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F))); out.push_back(static_cast<char>(0x80 | (cp & 0x3F))); }
      k = h - 1;
      if (h < raw.size() && is_space(raw[h])) k = h;
    }
    s_.unescaped_.push_back(std::move(out));
    return s_.unescaped_.back();
  }

  // The text of a parenthesised argument after "name(", up to the matching ')'; i_ is left after it.
  bool argument(std::string_view& arg) {
    const std::size_t start = i_;
    const std::size_t end = find_top_level(t_, i_, ")");
    if (end >= t_.size()) return false;
    arg = t_.substr(start, end - start);
    i_ = end + 1;
    return true;
  }

  bool parse_nth(std::string_view arg, std::int32_t& a, std::int32_t& b) {
    arg = trim(arg);
    if (iequals(arg, "odd")) { a = 2; b = 1; return true; }
    if (iequals(arg, "even")) { a = 2; b = 0; return true; }
    std::string compact;
    for (char c : arg) if (!is_space(c)) compact.push_back(lower(c));
    const auto n = compact.find('n');
    const auto number = [](std::string_view s, std::int32_t& v) {
      if (s.empty()) return false;
      if (s.front() == '+') s.remove_prefix(1);
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      return ec == std::errc() && end == s.data() + s.size();
    };
    if (n == std::string::npos) { a = 0; return number(compact, b); }
    const std::string_view as = std::string_view(compact).substr(0, n), bs = std::string_view(compact).substr(n + 1);
    if (as.empty() || as == "+") a = 1;
    else if (as == "-") a = -1;
    else if (!number(as, a)) return false;
    if (bs.empty()) { b = 0; return true; }
    if (bs.front() != '+' && bs.front() != '-') return false;
    return number(bs, b);
  }

  bool parse_pseudo(StyleSheets::Simple& s, Specificity& spec, PseudoElement& pe) {
    bool element = false;
    if (i_ < t_.size() && t_[i_] == ':') { element = true; ++i_; }
    const std::string_view name = ident();
    if (name.empty()) return false;
    const bool function = i_ < t_.size() && t_[i_] == '(';
    std::string_view arg;
    if (function) { ++i_; if (!argument(arg)) return false; }
    const auto is = [&](std::string_view n) { return iequals(name, n); };
    if (element || (!function && (is("before") || is("after") || is("first-line") || is("first-letter")))) {
      pe = is("before") ? PseudoElement::Before : is("after") ? PseudoElement::After
         : is("first-line") ? PseudoElement::FirstLine : is("first-letter") ? PseudoElement::FirstLetter : PseudoElement::Other;
      spec += specificity(0, 0, 1);
      s.kind = StyleSheets::Simple::Never;   // not a condition on the element: the caller drops it
      s.name = "::";
      return true;
    }
    spec += specificity(0, 1, 0);
    using K = StyleSheets::Simple;
    if (!function) {
      if (is("first-child")) s.kind = K::FirstChild;
      else if (is("last-child")) s.kind = K::LastChild;
      else if (is("only-child")) s.kind = K::OnlyChild;
      else if (is("root")) s.kind = K::Root;
      else if (is("empty")) s.kind = K::Empty;
      else if (is("link") || is("any-link")) s.kind = K::Link;
      else if (is("checked")) s.kind = K::Checked;
      else if (is("disabled")) s.kind = K::Disabled;
      else if (is("enabled")) s.kind = K::Enabled;
      // States a static page is not in (axe audits the page as loaded: nothing hovered, focused, visited).
      else if (is("hover") || is("active") || is("focus") || is("focus-within") || is("focus-visible") ||
               is("visited") || is("target") || is("target-within") || is("host") || is("fullscreen") ||
               is("modal") || is("popover-open") || is("user-invalid") || is("user-valid") || is("autofill") ||
               is("-webkit-autofill") || is("playing") || is("paused"))
        s.kind = K::Never;
      else s.kind = K::Unknown;
      return true;
    }
    if (is("nth-child")) {
      if (!parse_nth(arg, s.a, s.b)) { s.kind = K::Unknown; return true; }   // "An+B of S"
      s.kind = K::NthChild;
      return true;
    }
    if (is("not") || is("is") || is("where") || is("matches") || is("-webkit-any")) {
      SelectorParser inner(s_, arg);
      Specificity arg_spec = 0;
      std::uint32_t first = 0, count = 0;
      if (!inner.parse_compound_list(first, count, arg_spec)) { s.kind = K::Unknown; return true; }
      s.kind = is("not") ? K::Not : K::Is;
      s.list_first = first;
      s.list_count = count;
      spec -= specificity(0, 1, 0);
      if (!is("where")) spec += arg_spec;
      return true;
    }
    s.kind = K::Unknown;   // :has(), :lang(), :dir(), :nth-of-type(), ...
    return true;
  }

  bool parse_compound(StyleSheets::Compound& c, Specificity& spec, PseudoElement& pe) {
    // Collected apart and appended at the end: a :not()/:is() argument parsed on the way adds its own.
    std::vector<StyleSheets::Simple> mine;
    bool any = false;
    using K = StyleSheets::Simple;
    if (i_ < t_.size() && t_[i_] == '*') {
      ++i_;
      any = true;
      if (i_ < t_.size() && t_[i_] == '|') return false;   // namespaces: not read (rule dropped, see caller)
    } else if (const std::string_view name = ident(); !name.empty()) {
      if (i_ < t_.size() && t_[i_] == '|') return false;
      K s;
      s.kind = K::Tag;
      s.name = name;
      mine.push_back(s);
      spec += specificity(0, 0, 1);
      any = true;
    }
    while (i_ < t_.size()) {
      const char ch = t_[i_];
      K s;
      if (ch == '#' || ch == '.') {
        ++i_;
        s.name = ident();
        if (s.name.empty()) return false;
        s.kind = ch == '#' ? K::Id : K::Class;
        spec += ch == '#' ? specificity(1, 0, 0) : specificity(0, 1, 0);
      } else if (ch == '[') {
        ++i_;
        skip_ws();
        s.name = ident();
        if (s.name.empty()) return false;
        skip_ws();
        if (i_ >= t_.size()) return false;
        if (t_[i_] == ']') {
          s.kind = K::AttrExists;
        } else {
          const char op = t_[i_];
          if (op == '=') { s.kind = K::AttrEquals; ++i_; }
          else if (i_ + 1 < t_.size() && t_[i_ + 1] == '=') {
            switch (op) {
              case '~': s.kind = K::AttrIncludes; break;
              case '|': s.kind = K::AttrDash; break;
              case '^': s.kind = K::AttrPrefix; break;
              case '$': s.kind = K::AttrSuffix; break;
              case '*': s.kind = K::AttrSubstring; break;
              default: return false;
            }
            i_ += 2;
          } else {
            return false;
          }
          skip_ws();
          if (i_ < t_.size() && (t_[i_] == '"' || t_[i_] == '\'')) {
            const std::size_t end = skip_comment_or_string(t_, i_);
            if (end - i_ < 2) return false;
            s.value = t_.substr(i_ + 1, end - i_ - 2);
            i_ = end;
          } else {
            s.value = ident();
            if (s.value.empty() && !(i_ < t_.size() && std::isdigit(static_cast<unsigned char>(t_[i_])))) return false;
            if (s.value.empty()) { const std::size_t st = i_; while (i_ < t_.size() && is_name_char(t_[i_])) ++i_; s.value = t_.substr(st, i_ - st); }
          }
          skip_ws();
          if (i_ < t_.size() && (t_[i_] == 'i' || t_[i_] == 'I' || t_[i_] == 's' || t_[i_] == 'S')) {
            s.icase = lower(t_[i_]) == 'i';
            ++i_;
            skip_ws();
          }
          // HTML compares type="" case-insensitively.
          if (iequals(s.name, "type")) s.icase = true;
        }
        if (i_ >= t_.size() || t_[i_] != ']') return false;
        ++i_;
        spec += specificity(0, 1, 0);
      } else if (ch == ':') {
        ++i_;
        if (!parse_pseudo(s, spec, pe)) return false;
        if (s.name == "::") { any = true; continue; }   // a pseudo-element: recorded in pe, not a condition
      } else {
        break;
      }
      mine.push_back(s);
      any = true;
    }
    c.first = static_cast<std::uint32_t>(s_.simples_.size());
    c.count = static_cast<std::uint32_t>(mine.size());
    s_.simples_.insert(s_.simples_.end(), mine.begin(), mine.end());
    return any;
  }

  bool parse_complex(Selector& sel) {
    skip_ws();
    std::vector<StyleSheets::Compound> chain;   // left to right
    Specificity spec = 0;
    PseudoElement pe = PseudoElement::None;
    Combinator pending = Combinator::None;
    for (;;) {
      if (pe != PseudoElement::None) return false;   // a compound after a pseudo-element
      StyleSheets::Compound c;
      if (!parse_compound(c, spec, pe)) return false;
      c.left = pending;
      chain.push_back(c);
      const std::size_t before = i_;
      skip_ws();
      if (i_ >= t_.size() || t_[i_] == ',') break;
      const char ch = t_[i_];
      if (ch == '>' || ch == '+' || ch == '~') {
        pending = ch == '>' ? Combinator::Child : ch == '+' ? Combinator::Adjacent : Combinator::Sibling;
        ++i_;
        skip_ws();
      } else if (i_ > before) {
        pending = Combinator::Descendant;
      } else {
        return false;
      }
    }
    sel.first = static_cast<std::uint32_t>(s_.compounds_.size());
    sel.count = static_cast<std::uint32_t>(chain.size());
    sel.specificity = spec;
    sel.pseudo = pe;
    if (chain.size() > kMaxCompoundsPerSelector) {
      // Too long to test within the budget: kept as one compound that may match anything.
      StyleSheets::Simple unknown;
      unknown.kind = StyleSheets::Simple::Unknown;
      StyleSheets::Compound c{static_cast<std::uint32_t>(s_.simples_.size()), 1, Combinator::None};
      s_.simples_.push_back(unknown);
      s_.compounds_.push_back(c);
      sel.count = 1;
      return true;
    }
    // Stored rightmost first; each compound keeps the combinator to its left.
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) s_.compounds_.push_back(*it);
    return true;
  }

  StyleSheets& s_;
  std::string_view t_;
  std::size_t i_ = 0;
};

// ---------------------------------------------------------------------------------------------- sheets

class SheetParser {
 public:
  SheetParser(StyleSheets& s) : s_(s) {}

  void parse(std::string_view text, bool conditional, std::size_t nesting) {
    std::size_t i = 0;
    while (i < text.size() && !s_.stopped_) {
      while (i < text.size() && (is_space(text[i]) || text[i] == ';')) ++i;
      if (i >= text.size()) break;
      if (text[i] == '/' && i + 1 < text.size() && text[i + 1] == '*') { i = skip_comment_or_string(text, i); continue; }
      if (text.substr(i).starts_with("<!--")) { i += 4; continue; }
      if (text.substr(i).starts_with("-->")) { i += 3; continue; }
      if (text[i] == '}') { ++i; continue; }   // stray: ignored, as a browser does
      const std::size_t stop = find_top_level(text, i, "{;");
      if (text[i] == '@') {
        std::size_t n = i + 1;
        while (n < text.size() && is_name_char(text[n])) ++n;
        const std::string_view name = text.substr(i + 1, n - i - 1);
        if (stop >= text.size() || text[stop] == ';') {   // a statement: @import, @charset, @namespace, @layer a, b;
          if (iequals(name, "import")) s_.open("the page imports a style sheet (@import) the engine does not fetch");
          i = stop + 1;
          continue;
        }
        const std::size_t end = matching_brace(text, stop);
        const std::string_view prelude = text.substr(n, stop - n);
        const std::string_view body = text.substr(stop + 1, end > stop + 1 ? end - stop - 2 : 0);
        i = end;
        if (nesting >= kMaxNesting) { s_.stop("style sheet blocks nest deeper than the engine reads"); break; }
        if (iequals(name, "media")) {
          const Match m = media_applies(prelude);
          if (m != Match::No) parse(body, conditional || m == Match::Maybe, nesting + 1);
        } else if (iequals(name, "supports") || iequals(name, "container") || iequals(name, "-moz-document")) {
          parse(body, true, nesting + 1);
        } else if (iequals(name, "font-face") || iequals(name, "keyframes") || iequals(name, "-webkit-keyframes") ||
                   iequals(name, "-moz-keyframes") || iequals(name, "page") || iequals(name, "counter-style") ||
                   iequals(name, "property") || iequals(name, "font-feature-values") ||
                   iequals(name, "font-palette-values") || iequals(name, "view-transition") ||
                   iequals(name, "starting-style") || iequals(name, "position-try")) {
          // Not about the page's static colours.
        } else if (iequals(name, "layer")) {
          s_.open("the page uses cascade layers (@layer), whose order the engine does not apply");
        } else {
          s_.open("the page uses @" + std::string(utf8_prefix_simple(name)) + ", which the engine does not read");
        }
        continue;
      }
      if (stop >= text.size() || text[stop] == ';') { i = stop + 1; continue; }   // garbage up to ';': dropped
      const std::size_t end = matching_brace(text, stop);
      const std::string_view prelude = text.substr(i, stop - i);
      const std::string_view body = text.substr(stop + 1, end > stop + 1 ? end - stop - 2 : 0);
      i = end;
      add_rule(prelude, body, conditional);
    }
  }

 private:
  static std::string_view utf8_prefix_simple(std::string_view s) { return s.substr(0, std::min<std::size_t>(s.size(), 32)); }

  void add_rule(std::string_view prelude, std::string_view body, bool conditional) {
    const std::size_t before = s_.declarations_.size();
    parse_declarations(body, s_.declarations_);
    if (find_top_level(body, 0, "{") < body.size())
      s_.open("the page's style sheet nests rules (CSS nesting), which the engine does not read");
    if (s_.declarations_.size() == before) return;   // nothing the contrast rule reads
    if (s_.declarations_.size() > kMaxDeclarations) {
      s_.declarations_.resize(before);
      s_.stop("the page's style sheets have more than " + std::to_string(kMaxDeclarations) + " colour, font and visibility declarations");
      return;
    }
    const auto rule = static_cast<std::uint32_t>(s_.rules_.size());
    SelectorParser selectors(s_, prelude);
    if (!selectors.parse_list(rule)) {   // invalid selector: a browser drops the rule too
      s_.declarations_.resize(before);
      return;
    }
    s_.rules_.push_back(Rule{static_cast<std::uint32_t>(before), static_cast<std::uint32_t>(s_.declarations_.size() - before), conditional});
    if (s_.selectors_.size() > kMaxSelectors)
      s_.stop("the page's style sheets have more than " + std::to_string(kMaxSelectors) + " selectors that set colours, fonts or visibility");
  }

  StyleSheets& s_;
};

// ---------------------------------------------------------------------------------------------- matching

namespace {

bool is_element_node(const GumboNode* n) { return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE; }

const GumboAttribute* find_attribute(const GumboNode* n, std::string_view name) {
  const GumboVector& attrs = n->v.element.attributes;
  for (unsigned i = 0; i < attrs.length; ++i) {
    const auto* a = static_cast<const GumboAttribute*>(attrs.data[i]);
    if (iequals(a->name, name)) return a;
  }
  return nullptr;
}

bool equal(std::string_view a, std::string_view b, bool icase) { return icase ? iequals(a, b) : a == b; }

bool is_form_control(const GumboNode* n) {
  switch (n->v.element.tag) {
    case GUMBO_TAG_BUTTON: case GUMBO_TAG_INPUT: case GUMBO_TAG_SELECT: case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_OPTGROUP: case GUMBO_TAG_FIELDSET:
      return true;
    default:
      return false;
  }
}

}  // namespace

class Matcher {
 public:
  Matcher(const StyleSheets& s, std::span<const PathEntry> path, std::size_t& steps, std::size_t max_steps)
      : s_(s), path_(path), steps_(steps), max_steps_(max_steps) {}

  enum class Status : std::uint8_t { Matches, FailsLocally, FailsAllSiblings, FailsCompletely };
  struct Result {
    Status status;
    bool maybe;
  };
  // The element a compound is tested against: its node, depth and index among element siblings.
  struct Cursor {
    const GumboNode* node;
    std::size_t depth;
    std::uint32_t index;
  };

  bool exhausted() const { return exhausted_; }

  Match compound(const StyleSheets::Compound& c, const Cursor& e) {
    if (++steps_ > max_steps_) { exhausted_ = true; return Match::No; }
    Match result = Match::Yes;
    for (std::uint32_t k = c.first; k < c.first + c.count && result != Match::No; ++k) {
      const Match m = simple(s_.simples_[k], e);
      if (m == Match::No) result = Match::No;
      else if (m == Match::Maybe) result = Match::Maybe;
    }
    return result;
  }

  // Compound k (of selector sel, rightmost = 0) tested at e, then the rest to its left.
  Result match(const Selector& sel, std::uint32_t k, const Cursor& e) {
    const StyleSheets::Compound& c = s_.compounds_[sel.first + k];
    const Match here = compound(c, e);
    if (exhausted_) return {Status::FailsCompletely, false};
    if (here == Match::No) return {Status::FailsLocally, false};
    const bool maybe = here == Match::Maybe;
    if (k + 1 == sel.count) return {Status::Matches, maybe};
    const auto with = [&](Result r) { r.maybe = r.maybe || maybe; return r; };
    switch (c.left) {
      case Combinator::Descendant:
        for (std::size_t d = e.depth - 1; d >= 1; --d) {
          const Result r = match(sel, k + 1, Cursor{path_[d].node, d, path_[d].element_index});
          if (r.status == Status::Matches || r.status == Status::FailsCompletely) return with(r);
        }
        return {Status::FailsCompletely, false};
      case Combinator::Child:
        if (e.depth <= 1) return {Status::FailsCompletely, false};
        return with(match(sel, k + 1, Cursor{path_[e.depth - 1].node, e.depth - 1, path_[e.depth - 1].element_index}));
      case Combinator::Adjacent: {
        const GumboNode* prev = e.index > 0 ? sibling_element(e.node, -1) : nullptr;
        if (prev == nullptr) return {Status::FailsAllSiblings, false};
        return with(match(sel, k + 1, Cursor{prev, e.depth, e.index - 1}));
      }
      case Combinator::Sibling: {
        Cursor s = e;
        while (s.index > 0) {
          const GumboNode* prev = sibling_element(s.node, -1);
          if (prev == nullptr) break;
          s = Cursor{prev, e.depth, s.index - 1};
          const Result r = match(sel, k + 1, s);
          if (r.status != Status::FailsLocally) return with(r);
          if (exhausted_) return {Status::FailsCompletely, false};
        }
        return {Status::FailsAllSiblings, false};
      }
      case Combinator::None:
        break;
    }
    return {Status::Matches, maybe};
  }

 private:
  Match simple(const StyleSheets::Simple& s, const Cursor& e) {
    using K = StyleSheets::Simple;
    const GumboNode* n = e.node;
    const auto yes = [](bool b) { return b ? Match::Yes : Match::No; };
    switch (s.kind) {
      case K::Tag: return yes(iequals(tag_name(n), s.name));
      case K::Id: return yes(attr(n, "id").value == s.name);
      case K::Class: {
        const std::string_view classes = attr(n, "class").value;
        charge(classes.size() / 32);   // a long class list costs its length, not one step
        bool found = false;
        for_each_token(classes, [&](std::string_view t) { found = found || t == s.name; });
        return yes(found);
      }
      case K::AttrExists: return yes(find_attribute(n, s.name) != nullptr);
      case K::AttrEquals: case K::AttrIncludes: case K::AttrDash: case K::AttrPrefix: case K::AttrSuffix:
      case K::AttrSubstring: {
        const GumboAttribute* a = find_attribute(n, s.name);
        if (a == nullptr) return Match::No;
        const std::string_view v(a->value), want = s.value;
        charge(v.size() / 32 * (s.kind == K::AttrSubstring && s.icase ? want.size() : 1));
        switch (s.kind) {
          case K::AttrEquals: return yes(equal(v, want, s.icase));
          case K::AttrIncludes: {
            bool found = false;
            if (!want.empty()) for_each_token(v, [&](std::string_view t) { found = found || equal(t, want, s.icase); });
            return yes(found);
          }
          case K::AttrDash: return yes(equal(v, want, s.icase) || (v.size() > want.size() && v[want.size()] == '-' && equal(v.substr(0, want.size()), want, s.icase)));
          case K::AttrPrefix: return yes(!want.empty() && v.size() >= want.size() && equal(v.substr(0, want.size()), want, s.icase));
          case K::AttrSuffix: return yes(!want.empty() && v.size() >= want.size() && equal(v.substr(v.size() - want.size()), want, s.icase));
          case K::AttrSubstring: {
            if (want.empty() || v.size() < want.size()) return Match::No;
            if (!s.icase) return yes(v.find(want) != std::string_view::npos);
            for (std::size_t i = 0; i + want.size() <= v.size(); ++i)
              if (iequals(v.substr(i, want.size()), want)) return Match::Yes;
            return Match::No;
          }
          default: return Match::No;
        }
      }
      case K::FirstChild: return yes(e.index == 0);
      case K::LastChild: return yes(sibling_element(n, 1) == nullptr);
      case K::OnlyChild: return yes(e.index == 0 && sibling_element(n, 1) == nullptr);
      case K::NthChild: {
        const std::int64_t pos = static_cast<std::int64_t>(e.index) + 1;
        if (s.a == 0) return yes(pos == s.b);
        const std::int64_t diff = pos - s.b;
        return yes(diff % s.a == 0 && diff / s.a >= 0);
      }
      case K::Root: return yes(n->parent != nullptr && n->parent->type == GUMBO_NODE_DOCUMENT);
      case K::Empty: {
        const GumboVector& kids = n->v.element.children;
        for (unsigned i = 0; i < kids.length; ++i) {
          const auto* k = static_cast<const GumboNode*>(kids.data[i]);
          if (k->type != GUMBO_NODE_COMMENT) return Match::No;
        }
        return Match::Yes;
      }
      case K::Link: {
        const GumboTag t = n->v.element.tag;
        return yes((t == GUMBO_TAG_A || t == GUMBO_TAG_AREA) && attr(n, "href").present);
      }
      case K::Checked: return yes(attr(n, "checked").present || (n->v.element.tag == GUMBO_TAG_OPTION && attr(n, "selected").present));
      case K::Disabled: case K::Enabled: {
        if (!is_form_control(n)) return Match::No;
        // Its own disabled attribute, or a disabled fieldset above (whose first legend we do not exempt).
        bool disabled = attr(n, "disabled").present;
        charge(e.depth / 8);
        for (std::size_t d = e.depth - 1; d >= 1 && !disabled; --d)
          disabled = path_[d].node->v.element.tag == GUMBO_TAG_FIELDSET && attr(path_[d].node, "disabled").present;
        return yes(disabled == (s.kind == K::Disabled));
      }
      case K::Not: case K::Is: {
        Match any = Match::No;
        for (std::uint32_t i = 0; i < s.list_count; ++i) {
          const Match m = compound(s_.compounds_[s_.list_[s.list_first + i]], e);
          if (m == Match::Yes) { any = Match::Yes; break; }
          if (m == Match::Maybe) any = Match::Maybe;
        }
        if (s.kind == K::Is) return any;
        return any == Match::Yes ? Match::No : any == Match::No ? Match::Yes : Match::Maybe;
      }
      case K::Never: return Match::No;
      case K::Unknown: return Match::Maybe;
    }
    return Match::Maybe;
  }

  // Previous / next element sibling, or null; the nodes stepped over (comments, text) are charged.
  const GumboNode* sibling_element(const GumboNode* n, int direction) {
    const GumboNode* parent = n->parent;
    if (parent == nullptr) return nullptr;
    const GumboVector& kids = parent->type == GUMBO_NODE_DOCUMENT ? parent->v.document.children : parent->v.element.children;
    std::size_t i = n->index_within_parent, stepped = 0;
    for (;;) {
      if (direction < 0) { if (i == 0) break; --i; }
      else { if (++i >= kids.length) break; }
      const auto* k = static_cast<const GumboNode*>(kids.data[i]);
      if (is_element_node(k)) { charge(stepped / 8); return k; }
      ++stepped;
    }
    charge(stepped / 8);
    return nullptr;
  }

  void charge(std::size_t extra) {
    steps_ += extra;
    if (steps_ > max_steps_) exhausted_ = true;
  }

  const StyleSheets& s_;
  std::span<const PathEntry> path_;
  std::size_t& steps_;
  std::size_t max_steps_;
  bool exhausted_ = false;
};

void StyleSheets::add_sheet(std::string_view text, std::string_view media) {
  if (stopped_) return;
  const Match m = media_applies(media);
  if (m == Match::No) return;
  sheet_bytes_ += text.size();
  if (sheet_bytes_ > kMaxSheetBytes) {
    stop("the page's style sheets are larger than " + std::to_string(kMaxSheetBytes / 1024) + " KiB");
    return;
  }
  SheetParser(*this).parse(text, m == Match::Maybe, 0);
}

void StyleSheets::open(std::string reason) {
  if (open_reason_.empty()) open_reason_ = std::move(reason);
}

void StyleSheets::stop(std::string reason) {
  open(std::move(reason));
  stopped_ = true;
}

void StyleSheets::build_index() {
  for (std::uint32_t i = 0; i < selectors_.size(); ++i) {
    const Selector& sel = selectors_[i];
    const Compound& right = compounds_[sel.first];
    std::string_view id, cls, tag;
    for (std::uint32_t k = right.first; k < right.first + right.count; ++k) {
      const Simple& s = simples_[k];
      if (s.kind == Simple::Id && id.empty()) id = s.name;
      else if (s.kind == Simple::Class && cls.empty()) cls = s.name;
      else if (s.kind == Simple::Tag) tag = s.name;
    }
    if (!id.empty()) by_id_[id].push_back(i);
    else if (!cls.empty()) by_class_[cls].push_back(i);
    else if (!tag.empty()) {
      std::string key(tag);
      for (char& c : key) c = lower(c);
      by_tag_[key].push_back(i);
    } else {
      universal_.push_back(i);
    }
  }
}

bool StyleSheets::match(std::span<const PathEntry> path, std::size_t depth, std::vector<MatchedDeclaration>& out,
                        std::size_t& steps, std::size_t max_steps) const {
  if (selectors_.empty()) return true;
  Matcher m(*this, path, steps, max_steps);
  const PathEntry& self = path[depth];
  const Matcher::Cursor at{self.node, depth, self.element_index};
  const auto test = [&](const std::vector<std::uint32_t>& candidates) {
    for (const std::uint32_t i : candidates) {
      const Selector& sel = selectors_[i];
      const auto r = m.match(sel, 0, at);
      if (m.exhausted()) return false;
      if (r.status != Matcher::Status::Matches) continue;
      const Rule& rule = rules_[sel.rule];
      steps += rule.declaration_count;   // what the cascade then reads per element is counted too
      if (steps > max_steps) return false;
      for (std::uint32_t d = rule.first_declaration; d < rule.first_declaration + rule.declaration_count; ++d)
        out.push_back(MatchedDeclaration{&declarations_[d], sel.specificity, d, r.maybe || rule.conditional, sel.pseudo});
    }
    return true;
  };
  if (const auto id = attr(self.node, "id"); id.present && !id.value.empty())
    if (const auto it = by_id_.find(id.value); it != by_id_.end() && !test(it->second)) return false;
  if (const auto cls = attr(self.node, "class"); cls.present && !by_class_.empty()) {
    std::vector<std::string_view> classes;
    for_each_token(cls.value, [&](std::string_view t) { classes.push_back(t); });
    std::sort(classes.begin(), classes.end());
    classes.erase(std::unique(classes.begin(), classes.end()), classes.end());
    for (const std::string_view c : classes) {
      if (++steps > max_steps) return false;
      if (const auto it = by_class_.find(c); it != by_class_.end() && !test(it->second)) return false;
    }
  }
  if (!by_tag_.empty()) {
    std::string key(tag_name(self.node));
    for (char& c : key) c = lower(c);
    if (const auto it = by_tag_.find(key); it != by_tag_.end() && !test(it->second)) return false;
  }
  return test(universal_);
}

StyleSheets::Parsed StyleSheets::parse_selector_for_test(std::string_view text) {
  StyleSheets s;
  SelectorParser p(s, text);
  Parsed out;
  out.ok = p.parse_list(0) && s.selectors_.size() == 1;
  if (out.ok) {
    out.specificity = s.selectors_[0].specificity;
    out.pseudo = s.selectors_[0].pseudo;
  }
  return out;
}

Match StyleSheets::match_selector_for_test(std::size_t selector, std::span<const PathEntry> path, std::size_t depth) const {
  std::size_t steps = 0;
  Matcher m(*this, path, steps, SIZE_MAX);
  const auto r = m.match(selectors_[selector], 0, Matcher::Cursor{path[depth].node, depth, path[depth].element_index});
  if (r.status != Matcher::Status::Matches) return Match::No;
  return r.maybe || rules_[selectors_[selector].rule].conditional ? Match::Maybe : Match::Yes;
}

}  // namespace a11y::audit::css
