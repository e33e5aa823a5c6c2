#pragma once
#include <string_view>
namespace po {
std::string_view version();  // the project version, from CMake's project(VERSION)
}
