// BCP 47 language tags, checked the way html-lang-valid needs: the primary language subtag must be an
// ISO 639 code shape (2-3 letters) or private use ("x-..."), and every further subtag 1-8 letters/digits.
#pragma once
#include <string_view>

namespace a11y::audit {

bool is_valid_language_tag(std::string_view tag);

}  // namespace a11y::audit
