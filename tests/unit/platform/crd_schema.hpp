// The status schema of the Platform CRD (crds/), as the API server enforces it on status writes.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "platform_test_support.hpp"

namespace po::platform::testing {

// The Platform CRD as committed in crds/.
inline const nlohmann::json& platform_crd() {
  static const nlohmann::json crd = yaml_documents(read_text(source_path("crds/platforms.platform.a11y.dev.yaml"))).front();
  return crd;
}

inline const nlohmann::json& platform_status_schema() {
  static const nlohmann::json schema =
      platform_crd().at(nlohmann::json::json_pointer("/spec/versions/0/schema/openAPIV3Schema/properties/status"));
  return schema;
}

}  // namespace po::platform::testing
