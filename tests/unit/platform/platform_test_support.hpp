// Helpers shared by the platform unit tests: loading samples and finding rendered objects.
#pragma once
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "po/platform/render.hpp"
#include "po/platform/spec.hpp"
#include "po/platform/yaml.hpp"

namespace po::platform::testing {

inline std::string source_path(const std::string& relative) { return std::string(PO_SOURCE_DIR) + "/" + relative; }

inline std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// A Platform from YAML text, parsed and validated; throws when invalid. A uid is set so that
// owner references are rendered, as they are in the cluster.
inline Platform platform_from_yaml(const std::string& text, const std::string& uid = "5f0c7e1a-0000-4000-8000-000000000001") {
  auto docs = yaml_documents(text);
  if (docs.size() != 1) throw std::runtime_error("expected one document");
  ParseResult parsed = parse_and_validate(docs.front());
  if (!parsed.ok()) throw std::runtime_error("invalid platform: " + to_string(parsed.errors));
  parsed.platform.metadata.uid = uid;
  return parsed.platform;
}

inline Platform sample(const std::string& file = "platform.yaml") { return platform_from_yaml(read_text(source_path("config/samples/" + file))); }
inline Platform minimal() { return sample("platform-minimal.yaml"); }

// The object of this kind and name (a copy, so temporaries may be passed); throws when absent.
inline nlohmann::json find(const std::vector<DesiredObject>& objects, const std::string& kind, const std::string& name) {
  for (const auto& o : objects)
    if (o.manifest.value("kind", "") == kind && o.manifest["metadata"].value("name", "") == name) return o.manifest;
  throw std::runtime_error("no " + kind + " named " + name);
}
inline bool has(const std::vector<DesiredObject>& objects, const std::string& kind, const std::string& name) {
  for (const auto& o : objects)
    if (o.manifest.value("kind", "") == kind && o.manifest["metadata"].value("name", "") == name) return true;
  return false;
}
inline std::size_t count_kind(const std::vector<DesiredObject>& objects, const std::string& kind) {
  std::size_t n = 0;
  for (const auto& o : objects) n += o.manifest.value("kind", "") == kind ? 1 : 0;
  return n;
}
inline nlohmann::json container(const nlohmann::json& workload, const std::string& name) {
  const auto& pod = workload.at("kind") == "CronJob" ? workload["spec"]["jobTemplate"]["spec"]["template"]["spec"] : workload["spec"]["template"]["spec"];
  for (const auto& c : pod["containers"])
    if (c["name"] == name) return c;
  throw std::runtime_error("no container " + name);
}
inline bool contains(const std::string& text, const std::string& needle) { return text.find(needle) != std::string::npos; }

// The value of an env var, or its valueFrom as compact JSON.
inline std::string env_value(const nlohmann::json& c, const std::string& name) {
  for (const auto& e : c["env"])
    if (e["name"] == name) return e.contains("value") ? e["value"].get<std::string>() : e["valueFrom"].dump();
  throw std::runtime_error("no env " + name);
}

}  // namespace po::platform::testing
