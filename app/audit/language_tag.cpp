#include "audit/language_tag.hpp"

namespace a11y::audit {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_alnum(char c) { return is_alpha(c) || (c >= '0' && c <= '9'); }
char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Two-letter primary language subtags of the IANA registry: ISO 639-1, plus the deprecated in, iw, ji, jw,
// mo and sh that the registry still lists. "zz" or "xx" name no language. (Three-letter subtags, ISO 639-2/3,
// are thousands: they are checked for shape only.)
constexpr std::string_view kTwoLetter =
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz "
    "ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik "
    "in io is it iu iw ja ji jv jw ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg "
    "mh mi mk ml mn mo mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro "
    "ru rw sa sc sd se sg sh si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty "
    "ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

bool registered_two_letter(std::string_view sub) {
  const char code[2] = {lower(sub[0]), lower(sub[1])};
  for (std::size_t i = 0; i + 1 < kTwoLetter.size(); i += 3)
    if (kTwoLetter[i] == code[0] && kTwoLetter[i + 1] == code[1]) return true;
  return false;
}

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
      if (sub.size() == 2 && !registered_two_letter(sub)) return false;
    }
    ++index;
    if (dash == std::string_view::npos) break;
    tag.remove_prefix(dash + 1);
    if (tag.empty()) return false;   // trailing dash
  }
  return !private_use || index > 1;
}

}  // namespace a11y::audit
