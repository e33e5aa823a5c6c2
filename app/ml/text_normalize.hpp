// Case folding and whitespace/punctuation trimming shared by the heuristics, the model's features
// and the training tool, so that training and serving see the same string. No allocation.
#pragma once
#include <cstddef>
#include <string_view>

namespace a11y::ml {

inline constexpr std::size_t kMaxNormalizedBytes = 120;

// Writes into buf (capacity >= kMaxNormalizedBytes): ASCII lower-cased, runs of whitespace (incl. NBSP)
// collapsed to one space, leading/trailing punctuation and arrow/ellipsis symbols removed, cut at a UTF-8
// boundary. Returns a view into buf.
std::string_view normalize_text(std::string_view text, char* buf);

}  // namespace a11y::ml
