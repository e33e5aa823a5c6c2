#include "po/platform/render.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;

bool generated_secret_owned(const Platform& platform, const GeneratedSecret& secret) {
  return !(platform.spec.whenDeleted == WhenDeleted::Retain && secret.name == names::postgres(platform));
}

json render_generated_secret(const Platform& platform, const GeneratedSecret& secret,
                             const std::map<std::string, std::string>& random) {
  json out = {{"apiVersion", "v1"},
              {"kind", "Secret"},
              {"type", "Opaque"},
              {"metadata",
               {{"name", secret.name},
                {"namespace", platform.metadata.namespace_},
                {"labels",
                 {{"app.kubernetes.io/instance", platform.metadata.name},
                  {"app.kubernetes.io/part-of", "a11y-platform"},
                  {"app.kubernetes.io/managed-by", "platform-operator"}}}}},
              {"stringData", secret_data(secret, random)}};
  if (generated_secret_owned(platform, secret)) {
    out["metadata"]["ownerReferences"] = json::array({detail::owner_reference(platform)});
  }
  return out;
}

}  // namespace po::platform
