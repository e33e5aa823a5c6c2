#include "audit/language_tag.hpp"

namespace a11y::audit {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }

}  // namespace

bool is_valid_language_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 63) return false;
  std::size_t index = 0;
  bool private_use = false;
  while (!tag.empty()) {
    const auto dash = tag.find('-');
    const std::string_view sub = tag.substr(0, dash);
    if (sub.empty() || sub.size() > 8) return false;
    for (char c : sub)
      if (!(index == 0 ? is_alpha(c) : is_alnum(c))) return false;
    if (index == 0) {
      // 4 letters is reserved and 5-8 letter primary subtags are not registered; "english" is a common mistake.
      private_use = sub.size() == 1 && (sub[0] == 'x' || sub[0] == 'X' || sub[0] == 'i' || sub[0] == 'I');
      if (!private_use && sub.size() != 2 && sub.size() != 3) return false;
    }
    ++index;
    if (dash == std::string_view::npos) break;
    tag.remove_prefix(dash + 1);
    if (tag.empty()) return false;   // trailing dash
  }
  return !private_use || index > 1;
}

}  // namespace a11y::audit
