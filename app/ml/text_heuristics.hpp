// Hand-written signals for non-descriptive link and alt text. They are the audit engine's fallback
// when no model is loaded, and dense input features of the text-quality model.
#pragma once
#include <string_view>

#include "ml/text_quality.hpp"

namespace a11y::ml {

// The whole text (after trimming and case folding) is a generic phrase: "click here", "image", "more".
bool is_stop_phrase(std::string_view text);
// Ends in a file extension people paste as alt/link text: "IMG_2031.jpg", "report.pdf".
bool has_file_extension(std::string_view text);
// Looks like an address: "https://...", "www.example.com", "example.com/path".
bool looks_like_url(std::string_view text);
// One token of letters, digits and separators with a run of digits: "IMG_2031", "DSC-0042", "photo1".
bool looks_like_file_name(std::string_view text);
// Nothing a person could read: empty, only whitespace, punctuation or symbols.
bool is_empty_ish(std::string_view text);

struct TextSignals {
  bool stop_phrase = false, file_extension = false, url = false, file_name = false, empty_ish = false;
};
// All of the above at once, for text that already went through normalize_text (no second normalisation).
TextSignals signals_of_normalized(std::string_view normalized);

// The built-in verdict used when no model is loaded.
bool heuristic_non_descriptive(std::string_view text, TextKind kind);

}  // namespace a11y::ml
