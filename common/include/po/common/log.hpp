// Structured logging setup shared by both binaries. Implemented in common/log.cpp.
#pragma once
#include <string_view>

namespace po::log {
enum class Format { Text, Json };
// Configures spdlog's default logger: Json writes one JSON object per line
// ({"ts":..., "level":..., "logger":..., "msg":...}); level names as spdlog's ("info", "debug", ...).
void init(std::string_view component, Format format, std::string_view level = "info");
Format parse_format(std::string_view s);  // "json" | "text"; throws std::invalid_argument otherwise
}  // namespace po::log
