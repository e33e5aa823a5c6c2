// `platform-operator render`: prints a Platform's manifests offline, like `helm template`.
#pragma once
#include <iosfwd>
#include <span>
#include <string_view>

namespace po::platform {

// args are the words after "render". Returns the process exit code: 0 printed, 1 invalid Platform or
// unreadable file, 2 wrong usage.
int run_render_command(std::span<const std::string_view> args, std::ostream& out, std::ostream& err);

}  // namespace po::platform
