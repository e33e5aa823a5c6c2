// <regex> for this library. GCC 12 reports a false -Wmaybe-uninitialized inside <regex> (std::function
// moves in the NFA builder) when sanitizers are on, which -Werror turns into a failed PO_SANITIZE build.
#pragma once
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
