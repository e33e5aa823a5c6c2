#include "audit/attribute_bound.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace a11y::audit {
namespace {

// The tokenizer's states inside a tag (HTML Living Standard, 13.2.5), plus the '/' of an end tag.
enum State : std::uint8_t {
  kTagName, kEndTagOpen, kBeforeAttrName, kAttrName, kAfterAttrName, kBeforeAttrValue,
  kValueDoubleQuoted, kValueSingleQuoted, kValueUnquoted, kAfterValueQuoted, kSelfClosing, kStates
};
constexpr State kEnd = kStates;   // the tag is complete

struct Scan {
  std::uint32_t attributes = 0;
  bool root = false;   // opened as <html or <body (some merged scan did)
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool names_root(std::string_view html, std::size_t p) {
  if (p + 4 > html.size()) return false;
  char name[4];
  for (int k = 0; k < 4; ++k) name[k] = lower(html[p + static_cast<std::size_t>(k)]);
  const std::string_view n(name, 4);
  if (n != "html" && n != "body") return false;
  return p + 4 == html.size() || is_space(html[p + 4]) || html[p + 4] == '/' || html[p + 4] == '>';
}

// Next state of a scan in state s reading c; sets starts when c begins an attribute name.
State step(State s, char c, bool& starts) {
  const bool space = is_space(c);
  switch (s) {
    case kTagName:
      return space ? kBeforeAttrName : c == '/' ? kSelfClosing : c == '>' ? kEnd : kTagName;
    case kEndTagOpen:
      return kTagName;
    case kBeforeAttrName:
    case kAfterValueQuoted:
    case kSelfClosing:
      if (space) return kBeforeAttrName;
      if (c == '/') return kSelfClosing;
      if (c == '>') return kEnd;
      starts = true;   // '=' here starts an attribute named "=" (a parse error, but an attribute)
      return kAttrName;
    case kAttrName:
      return space ? kAfterAttrName : c == '/' ? kSelfClosing : c == '>' ? kEnd : c == '=' ? kBeforeAttrValue : kAttrName;
    case kAfterAttrName:
      if (space) return kAfterAttrName;
      if (c == '/') return kSelfClosing;
      if (c == '=') return kBeforeAttrValue;
      if (c == '>') return kEnd;
      starts = true;
      return kAttrName;
    case kBeforeAttrValue:
      return space ? kBeforeAttrValue : c == '"' ? kValueDoubleQuoted : c == '\'' ? kValueSingleQuoted
                                      : c == '>' ? kEnd : kValueUnquoted;
    case kValueDoubleQuoted:
      return c == '"' ? kAfterValueQuoted : kValueDoubleQuoted;
    case kValueSingleQuoted:
      return c == '\'' ? kAfterValueQuoted : kValueSingleQuoted;
    case kValueUnquoted:
      return space ? kBeforeAttrName : c == '>' ? kEnd : kValueUnquoted;
    case kStates:
      break;
  }
  return kEnd;
}

}  // namespace

std::size_t end_of_tag(std::string_view html, std::size_t name_start, bool& self_closing) {
  State s = kTagName;
  for (std::size_t i = name_start; i < html.size(); ++i) {
    bool starts = false;
    const State t = step(s, html[i], starts);
    if (t == kEnd) {
      self_closing = s == kSelfClosing;
      return i + 1;
    }
    s = t;
  }
  self_closing = false;
  return html.size();
}

AttributeBound bound_attributes(std::string_view html, std::size_t per_tag_limit) {
  AttributeBound bound;
  Scan live[kStates], next[kStates];
  std::uint32_t live_mask = 0;
  const auto merge = [](Scan& into, std::uint32_t& mask, State s, const Scan& scan) {
    if (mask & (1u << s)) {
      into.attributes = std::max(into.attributes, scan.attributes);
      into.root = into.root || scan.root;
    } else {
      into = scan;
      mask |= 1u << s;
    }
  };
  std::size_t i = 0;
  while (i < html.size()) {
    if (live_mask == 0) {   // between tags: jump to the next '<'
      const void* lt = std::memchr(html.data() + i, '<', html.size() - i);
      if (lt == nullptr) break;
      i = static_cast<std::size_t>(static_cast<const char*>(lt) - html.data());
    }
    const char c = html[i];
    std::uint32_t next_mask = 0;
    for (std::uint32_t m = live_mask; m != 0; m &= m - 1) {
      const auto s = static_cast<State>(__builtin_ctz(m));
      bool starts = false;
      const State t = step(s, c, starts);
      Scan scan = live[s];
      if (starts) {
        ++scan.attributes;
        bound.per_tag = std::max<std::size_t>(bound.per_tag, scan.attributes);
        if (bound.per_tag > per_tag_limit) return bound;
      }
      if (t == kEnd) {
        if (scan.root) bound.root_tags += scan.attributes;
        continue;
      }
      merge(next[t], next_mask, t, scan);
    }
    if (c == '<' && i + 1 < html.size()) {
      if (is_alpha(html[i + 1]))
        merge(next[kTagName], next_mask, kTagName, Scan{0, names_root(html, i + 1)});
      else if (html[i + 1] == '/' && i + 2 < html.size() && is_alpha(html[i + 2]))
        merge(next[kEndTagOpen], next_mask, kEndTagOpen, Scan{});
    }
    for (std::uint32_t m = next_mask; m != 0; m &= m - 1) {
      const auto s = __builtin_ctz(m);
      live[s] = next[s];
    }
    live_mask = next_mask;
    ++i;
  }
  return bound;
}

}  // namespace a11y::audit
