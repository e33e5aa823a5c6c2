// An upper bound, found in linear time, on the attributes gumbo's tokenizer can collect in one tag.
// gumbo compares each new attribute name with every earlier one of its tag, and merges the attributes of
// every later <html> and <body> start tag into the first one the same way, so both counts must be bounded
// before parsing or one request costs minutes of CPU. Attributes need no whitespace between them
// (`<div a/b/c>`, `<div a=""b="">`), so counting tokens is not enough: the scan follows the tokenizer's
// tag states (tag name, attribute name, before/after value, quoted and unquoted values, self-closing).
//
// It does not know where tags really start (comments, script and style text, foreign content change
// that), so it scans a tag from every '<' that could open one. Scans that reach the same tokenizer state
// at the same byte continue identically, so they are merged, keeping the larger count: at most one scan
// per state is live, the cost is linear, and every real tag's count is at most the bound.
#pragma once
#include <cstddef>
#include <string_view>

namespace a11y::audit {

struct AttributeBound {
  std::size_t per_tag = 0;     // most attribute starts in one tag
  std::size_t root_tags = 0;   // attribute starts over every <html> and <body> start tag together
};

// Index just past the '>' that ends the tag whose name starts at name_start, following the same tokenizer
// states (so a quote inside an attribute name does not hide the '>'); html.size() when it never ends.
// self_closing: the tag ended with "/>".
std::size_t end_of_tag(std::string_view html, std::size_t name_start, bool& self_closing);

// Stops early once per_tag passes per_tag_limit (the answer is then > per_tag_limit).
AttributeBound bound_attributes(std::string_view html, std::size_t per_tag_limit);

}  // namespace a11y::audit
