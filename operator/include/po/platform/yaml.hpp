// YAML <-> JSON for manifests: reading Platform files and printing rendered objects.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace po::platform {

// Every document of a YAML stream as JSON. Plain scalars become null/bool/int/float where YAML 1.2's
// core schema says so; quoted scalars stay strings. Throws std::runtime_error with line and column
// on a syntax error.
std::vector<nlohmann::json> yaml_documents(std::string_view text);

// One JSON value as block-style YAML. Keys come out sorted (nlohmann::json's order); multi-line strings
// as literal blocks; strings that would read back as another type are quoted.
std::string to_yaml(const nlohmann::json& value);

}  // namespace po::platform
