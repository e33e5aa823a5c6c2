// A linear pre-scan that estimates how deep HTML nests before gumbo parses it. gumbo's tree builder
// scans the stack of open elements for many start tags, so parsing 100,000 nested <div>s takes close to
// a minute of CPU: input that is clearly too deep is refused before it reaches the parser.
#pragma once
#include <cstddef>
#include <string_view>

namespace a11y::audit {

// Depth counting only elements that cannot be closed implicitly: void elements and those with optional
// end tags (p, li, td, ...) do not count, raw-text content (script, style, textarea, ...) and comments are
// skipped. It never exceeds the real depth by much on real pages, so the caller adds headroom.
// Stops early and returns a value > limit as soon as the estimate passes limit.
std::size_t estimate_nesting_depth(std::string_view html, std::size_t limit);

// The scan's result (attributes are bounded separately, by bound_attributes in attribute_bound.hpp).
struct Prescan {
  std::size_t depth = 0;
};
Prescan prescan_html(std::string_view html, std::size_t depth_limit);

}  // namespace a11y::audit
