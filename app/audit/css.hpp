// A small CSS engine for what color-contrast needs: the page's <style> sheets and style attributes parsed
// once, selectors matched against the parse tree with specificity and source order. Only the properties the
// contrast rule reads are kept (colours, backgrounds, opacity, visibility, display, font size and weight);
// every other declaration is dropped at parse time, and so is every rule left without one.
//
// Nothing here guesses: a selector the engine cannot evaluate (an unknown pseudo-class, :has(), a
// namespace) "may match", a rule under a condition it cannot decide (@media with features, @supports,
// <style media=...>) "may apply", and what it cannot read at all (an external sheet, @import, nested rules,
// cascade layers, a sheet past the caps) makes the whole page's styles "open": some source the engine does
// not see may set any property on any element at author level. The cascade (cascade.hpp) turns those
// into "needs review" instead of a verdict.
//
// Cost: a sheet is parsed once per audit, in linear time, within the caps below; selectors are indexed by
// their rightmost id, class or tag, so an element is tested only against the selectors that can match it,
// and every selector test counts against a work budget proportional to the document (past it the cascade
// stops applying sheets and the rest of the page is "open").
#pragma once
#include <algorithm>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <gumbo.h>

namespace a11y::audit::css {

// The caps: past any of them the rest of the sheets is not read and the styles are open.
inline constexpr std::size_t kMaxSheetBytes = 512 * 1024;   // <style> text parsed, all sheets together
inline constexpr std::size_t kMaxSelectors = 8192;          // complex selectors kept (after dropping rules)
inline constexpr std::size_t kMaxDeclarations = 32768;      // declarations kept
inline constexpr std::size_t kMaxCompoundsPerSelector = 32; // "a b c ..." longer than this may match
inline constexpr std::size_t kMaxNesting = 32;              // at-rule / block nesting read
// Selector tests allowed per audit: kMatchStepsPerElement per element plus kMatchStepsBase.
inline constexpr std::size_t kMatchStepsPerElement = 256;
inline constexpr std::size_t kMatchStepsBase = 1 << 18;

enum class Property : std::uint8_t {
  Color, BackgroundColor, BackgroundImage, Background, Opacity, Visibility, Display, FontSize, FontWeight, Font,
};
inline constexpr std::size_t kPropertyCount = 10;

struct Declaration {
  Property property;
  bool important = false;
  std::string_view value;   // trimmed, without "!important"
};

// Declarations of the properties above in a declaration block ("color: red; background: #fff !important"),
// in order; others are skipped. Strings, parentheses and comments are respected.
void parse_declarations(std::string_view block, std::vector<Declaration>& out);

enum class Match : std::uint8_t { No, Maybe, Yes };

// (a, b, c) packed for comparison: ids << 20 | classes, attributes, pseudo-classes << 10 | types.
using Specificity = std::uint32_t;
inline constexpr Specificity specificity(unsigned a, unsigned b, unsigned c) {
  return (std::min(a, 1023u) << 20) | (std::min(b, 1023u) << 10) | std::min(c, 1023u);
}

enum class PseudoElement : std::uint8_t { None, Before, After, FirstLine, FirstLetter, Other };

// A parsed complex selector ("nav > ul li.active a:not(.x)").
struct Selector {
  std::uint32_t first = 0, count = 0;   // its compounds in StyleSheets' compound table, rightmost first
  Specificity specificity = 0;
  PseudoElement pseudo = PseudoElement::None;
  std::uint32_t rule = 0;               // index of its rule
};

struct Rule {
  std::uint32_t first_declaration = 0, declaration_count = 0;
  bool conditional = false;   // inside a condition the engine cannot decide: its declarations may apply
};

// Where an element sits, for matching: the element at depth d of the current path has path[d] (html = 1)
// and its 0-based index among its parent's element children. Ancestors are read from the path, siblings
// from gumbo's tree.
struct PathEntry {
  const GumboNode* node = nullptr;
  std::uint32_t element_index = 0;
};

// One declaration that applies (or may apply) to an element, with its precedence.
struct MatchedDeclaration {
  const Declaration* declaration;
  Specificity specificity;
  std::uint32_t order;        // source order of the declaration among all the sheets' declarations
  bool maybe;                 // the selector may match or the rule may apply
  PseudoElement pseudo;
};

class StyleSheets {
 public:
  // media: the <style> element's media attribute ("" when absent).
  void add_sheet(std::string_view text, std::string_view media);
  // text must outlive this object (selectors and declarations point into it); in an audit it is the parse
  // tree's. An external sheet (<link rel=stylesheet>) or anything else the engine cannot read: open(), and
  // parsing goes on; past a cap: stop(), which opens the styles and reads no more.
  void open(std::string reason);
  void stop(std::string reason);
  // Call once after the last add_sheet.
  void build_index();

  bool is_open() const { return !open_reason_.empty(); }
  const std::string& open_reason() const { return open_reason_; }
  std::size_t selector_count() const { return selectors_.size(); }
  std::size_t declaration_count() const { return declarations_.size(); }

  // Every declaration that applies or may apply to path[depth] (and to its ::before, ::after, ::first-line,
  // ::first-letter), appended to out, unordered. steps counts selector tests; false when it went past
  // max_steps (out is then incomplete).
  bool match(std::span<const PathEntry> path, std::size_t depth, std::vector<MatchedDeclaration>& out,
             std::size_t& steps, std::size_t max_steps) const;

  // For tests: the specificity and whether the single selector in text matches path[depth].
  struct Parsed {
    bool ok = false;
    Specificity specificity = 0;
    PseudoElement pseudo = PseudoElement::None;
  };
  static Parsed parse_selector_for_test(std::string_view text);
  Match match_selector_for_test(std::size_t selector, std::span<const PathEntry> path, std::size_t depth) const;

  // Storage shared with css.cpp's parser and matcher.
  struct Compound;
  struct Simple;

 private:
  friend class SheetParser;
  friend class SelectorParser;
  friend class Matcher;
  std::vector<Rule> rules_;
  std::vector<Declaration> declarations_;
  std::vector<Selector> selectors_;
  std::vector<Compound> compounds_;
  std::vector<Simple> simples_;
  std::vector<std::uint32_t> list_;   // selector-list arguments of :not() / :is() / :where(): compound indexes
  std::deque<std::string> unescaped_; // names written with CSS escapes (".md\\:flex"), unescaped
  std::size_t sheet_bytes_ = 0;
  std::string open_reason_;
  bool stopped_ = false;
  // Rightmost-compound index: by id, by class, by tag (lower case), and the rest.
  std::unordered_map<std::string_view, std::vector<std::uint32_t>> by_id_, by_class_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_tag_;
  std::vector<std::uint32_t> universal_;
};

// Combinator between a compound and the one to its left.
enum class Combinator : std::uint8_t { None, Descendant, Child, Adjacent, Sibling };

struct StyleSheets::Simple {
  enum Kind : std::uint8_t {
    Tag, Id, Class, AttrExists, AttrEquals, AttrIncludes, AttrDash, AttrPrefix, AttrSuffix, AttrSubstring,
    FirstChild, LastChild, OnlyChild, NthChild, Root, Empty, Link, Checked, Disabled, Enabled,
    Not, Is, Never, Unknown,
  };
  Kind kind = Unknown;
  bool icase = false;                // attribute value compared case-insensitively
  std::string_view name, value;      // tag/id/class/attribute name (tag and attribute lower case), value
  std::int32_t a = 0, b = 0;         // nth-child(an+b)
  std::uint32_t list_first = 0, list_count = 0;   // Not/Is: compounds in list_
};

struct StyleSheets::Compound {
  std::uint32_t first = 0, count = 0;   // simple selectors in simples_
  Combinator left = Combinator::None;   // combinator to the compound on the left (None: leftmost)
};

}  // namespace a11y::audit::css
