#include "ml/features.hpp"

#include <algorithm>
#include <cmath>

#include "ml/text_heuristics.hpp"
#include "ml/text_normalize.hpp"

namespace a11y::ml {

const std::array<std::string_view, kDenseFeatures> kDenseFeatureNames = {
    "bias", "kind_alt", "file_extension", "url", "file_name", "stop_phrase", "empty_ish", "words_1",
    "words_2", "words_3_4", "words_5_plus", "chars_le_4", "digit_ratio", "generic_word_ratio",
    "deictic_word", "link_single_word"};

namespace {

// Hash salts, one per feature family, so families do not share buckets by design.
enum Family : std::uint32_t { kChar3 = 1, kChar4, kWord, kWordKind, kBigram, kExactKind };

constexpr std::array<std::string_view, 54> kGenericWords = {
    "a", "an", "article", "banner", "button", "check", "click", "continue", "details", "download",
    "find", "for", "go", "graphic", "here", "icon", "image", "img", "info", "information", "it", "jpg",
    "learn", "link", "logo", "me", "more", "now", "of", "open", "out", "page", "photo", "pic",
    "picture", "placeholder", "png", "press", "read", "screenshot", "see", "site", "spacer", "tap",
    "the", "this", "thumbnail", "to", "untitled", "url", "view", "visit", "web", "website"};
static_assert(std::is_sorted(kGenericWords.begin(), kGenericWords.end()));

constexpr std::array<std::string_view, 6> kDeicticWords = {"click", "here", "press", "tap", "this", "these"};

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}
char fold_digit(char c) { return (c >= '0' && c <= '9') ? '0' : c; }

std::uint32_t bucket(std::uint32_t h) { return kDenseFeatures + (h & (kHashBuckets - 1)); }

std::uint32_t hash_folded(std::string_view s, std::uint32_t seed) {
  std::uint32_t h = seed;
  for (char c : s) {
    h ^= static_cast<unsigned char>(fold_digit(c));
    h *= 16777619u;
  }
  return h;
}

std::uint32_t family_seed(Family f, std::uint32_t extra = 0) {
  return 2166136261u ^ (static_cast<std::uint32_t>(f) * 0x9E3779B1u) ^ (extra * 0x85EBCA77u);
}

}  // namespace

std::uint32_t fnv1a(std::string_view bytes, std::uint32_t seed) {
  std::uint32_t h = seed;
  for (char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

void extract_features(std::string_view raw, TextKind kind, FeatureVector& out) {
  out.size = 0;
  char buf[kMaxNormalizedBytes];
  const std::string_view s = normalize_text(raw, buf);
  const auto kind_id = static_cast<std::uint32_t>(kind);

  // Words: maximal runs of letters/digits (file names split at '_', '.', '-').
  std::array<std::string_view, kMaxNormalizedBytes / 2 + 1> words;
  std::size_t nwords = 0, digits = 0;
  for (std::size_t i = 0; i < s.size();) {
    while (i < s.size() && !is_word_byte(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && is_word_byte(static_cast<unsigned char>(s[i]))) {
      if (s[i] >= '0' && s[i] <= '9') ++digits;
      ++i;
    }
    if (i > start && nwords < words.size()) words[nwords++] = s.substr(start, i - start);
  }
  std::size_t generic = 0;
  bool deictic = false;
  for (std::size_t w = 0; w < nwords; ++w) {
    if (std::binary_search(kGenericWords.begin(), kGenericWords.end(), words[w])) ++generic;
    if (std::find(kDeicticWords.begin(), kDeicticWords.end(), words[w]) != kDeicticWords.end()) deictic = true;
  }
  const std::size_t spaced_words = s.empty() ? 0 : static_cast<std::size_t>(std::count(s.begin(), s.end(), ' ')) + 1;

  const TextSignals signals = signals_of_normalized(s);
  out.add(0, 1.0f);
  if (kind == TextKind::AltText) out.add(1, 1.0f);
  if (signals.file_extension) out.add(2, 1.0f);
  if (signals.url) out.add(3, 1.0f);
  if (signals.file_name) out.add(4, 1.0f);
  if (signals.stop_phrase) out.add(5, 1.0f);
  if (signals.empty_ish) out.add(6, 1.0f);
  if (spaced_words == 1) out.add(7, 1.0f);
  else if (spaced_words == 2) out.add(8, 1.0f);
  else if (spaced_words >= 3 && spaced_words <= 4) out.add(9, 1.0f);
  else if (spaced_words >= 5) out.add(10, 1.0f);
  if (s.size() <= 4) out.add(11, 1.0f);
  if (!s.empty() && digits > 0) out.add(12, static_cast<float>(digits) / static_cast<float>(s.size()));
  if (nwords > 0 && generic > 0) out.add(13, static_cast<float>(generic) / static_cast<float>(nwords));
  if (deictic) out.add(14, 1.0f);
  if (kind == TextKind::LinkText && spaced_words == 1) out.add(15, 1.0f);

  // Character 3- and 4-grams over "^text$", digits folded to '0'; weighted so long texts do not dominate.
  char framed[kMaxNormalizedBytes + 2];
  framed[0] = '^';
  std::copy(s.begin(), s.end(), framed + 1);
  framed[s.size() + 1] = '$';
  const std::string_view f(framed, s.size() + 2);
  const std::size_t grams = (f.size() >= 3 ? f.size() - 2 : 0) + (f.size() >= 4 ? f.size() - 3 : 0);
  const float gram_weight = grams > 0 ? 1.0f / std::sqrt(static_cast<float>(grams)) : 0.0f;
  for (std::size_t n = 3; n <= 4; ++n) {
    const auto seed = family_seed(n == 3 ? kChar3 : kChar4);
    for (std::size_t i = 0; i + n <= f.size(); ++i) out.add(bucket(hash_folded(f.substr(i, n), seed)), gram_weight);
  }

  const float word_weight = nwords > 0 ? 1.0f / std::sqrt(static_cast<float>(nwords)) : 0.0f;
  for (std::size_t w = 0; w < nwords; ++w) {
    out.add(bucket(hash_folded(words[w], family_seed(kWord))), word_weight);
    out.add(bucket(hash_folded(words[w], family_seed(kWordKind, kind_id))), word_weight);
    if (w + 1 < nwords) {
      const auto h = hash_folded(words[w + 1], hash_folded(words[w], family_seed(kBigram)) ^ 0x20u);
      out.add(bucket(h), word_weight);
    }
  }
  out.add(bucket(hash_folded(s, family_seed(kExactKind, kind_id))), 1.0f);
}

double linear_score(const float* weights, const FeatureVector& x) {
  double z = 0.0;
  for (std::size_t i = 0; i < x.size; ++i) z += static_cast<double>(weights[x.index[i]]) * x.value[i];
  return z;
}

}  // namespace a11y::ml
