#include "ml/text_heuristics.hpp"

#include <algorithm>
#include <array>

#include "ml/text_normalize.hpp"

namespace a11y::ml {
namespace {

// Sorted: looked up with binary search.
constexpr std::array<std::string_view, 77> kStopPhrases = {
    "alt", "alt text", "article", "banner", "button", "check it out", "click", "click for more",
    "click here", "click here for more", "click here to read more", "click me", "click this link",
    "continue", "continue reading", "details", "download", "download here", "download now", "figure",
    "find out more", "go", "go here", "graphic", "here", "icon", "image", "image here", "image of",
    "img", "info", "information", "learn more", "link", "link here", "link to page", "logo", "more",
    "more details", "more here", "more info", "more information", "open", "page", "photo", "photo here",
    "photograph", "pic", "picture", "placeholder", "press here", "read", "read more", "read more here",
    "read the article", "screenshot", "see here", "see more", "spacer", "start", "submit", "tap here",
    "this", "this link", "this one", "this page", "thumbnail", "untitled", "untitled image", "url",
    "view", "view more", "visit", "visit site", "web page", "webpage", "website"};

static_assert(std::is_sorted(kStopPhrases.begin(), kStopPhrases.end()));

constexpr std::array<std::string_view, 34> kFileExtensions = {
    "asp", "aspx", "avif", "bmp", "doc", "docx", "gif", "heic", "htm", "html", "ico", "jpeg",
    "jpg", "jsp", "mov", "mp3", "mp4", "odt", "pdf", "php", "png", "ppt", "pptx", "svg",
    "tif", "tiff", "txt", "webm", "webp", "xls", "xlsx", "zip", "csv", "rtf"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Normalized {
  char buf[kMaxNormalizedBytes];
  std::string_view text;
  explicit Normalized(std::string_view raw) : text(normalize_text(raw, buf)) {}
};

bool stop_phrase_normalized(std::string_view s) {
  return std::binary_search(kStopPhrases.begin(), kStopPhrases.end(), s);
}

bool file_extension_normalized(std::string_view s) {
  const auto dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 >= s.size()) return false;
  const auto ext = s.substr(dot + 1);
  return std::find(kFileExtensions.begin(), kFileExtensions.end(), ext) != kFileExtensions.end();
}

bool url_normalized(std::string_view s) {
  if (s.find(' ') != std::string_view::npos) return false;
  if (s.find("://") != std::string_view::npos || s.starts_with("www.") || s.starts_with("mailto:")) return true;
  const auto dot = s.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  if (s.find('/') != std::string_view::npos) return true;
  const auto tld = s.substr(dot + 1);
  constexpr std::array<std::string_view, 10> kTlds = {"com", "org", "net", "io", "dev", "gov", "edu", "co", "uk", "de"};
  return std::find(kTlds.begin(), kTlds.end(), tld) != kTlds.end();
}

bool file_name_normalized(std::string_view s) {
  if (s.size() < 4 || s.find(' ') != std::string_view::npos) return false;
  int digits = 0, letters = 0;
  bool underscore = false;
  for (char c : s) {
    if (is_digit(c)) ++digits;
    else if (is_alpha(c)) ++letters;
    else if (c == '_') underscore = true;
  }
  return letters > 0 && (digits >= 3 || (underscore && digits > 0) || file_extension_normalized(s));
}

bool empty_ish_normalized(std::string_view s) {
  for (char c : s)
    if (is_digit(c) || is_alpha(c) || static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace

bool is_stop_phrase(std::string_view text) { return stop_phrase_normalized(Normalized(text).text); }
bool has_file_extension(std::string_view text) { return file_extension_normalized(Normalized(text).text); }
bool looks_like_url(std::string_view text) { return url_normalized(Normalized(text).text); }
bool looks_like_file_name(std::string_view text) { return file_name_normalized(Normalized(text).text); }
bool is_empty_ish(std::string_view text) { return empty_ish_normalized(Normalized(text).text); }

TextSignals signals_of_normalized(std::string_view s) {
  return TextSignals{stop_phrase_normalized(s), file_extension_normalized(s), url_normalized(s),
                     file_name_normalized(s), empty_ish_normalized(s)};
}

bool heuristic_non_descriptive(std::string_view text, TextKind) {
  const Normalized n(text);
  const auto s = n.text;
  return empty_ish_normalized(s) || stop_phrase_normalized(s) || file_extension_normalized(s) ||
         url_normalized(s) || file_name_normalized(s);
}

}  // namespace a11y::ml
