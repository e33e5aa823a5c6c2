#include "po/platform/render.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;

std::string controller_revision_name(const std::string& platform_name, const std::string& revision) {
  return platform_name + "-" + revision.substr(0, 10);
}

json render_controller_revision(const Platform& platform, const std::string& revision, const std::vector<json>& stateless,
                                std::int64_t sequence) {
  return {{"apiVersion", "apps/v1"},
          {"kind", "ControllerRevision"},
          {"metadata",
           {{"name", controller_revision_name(platform.metadata.name, revision)},
            {"namespace", platform.metadata.namespace_},
            {"labels",
             {{"app.kubernetes.io/instance", platform.metadata.name},
              {"app.kubernetes.io/managed-by", "platform-operator"},
              {"platform.a11y.dev/revision", revision.substr(0, 63)}}},
            {"ownerReferences", json::array({detail::owner_reference(platform)})}}},
          {"data", {{"revision", revision}, {"objects", stateless}}},
          {"revision", sequence}};
}

}  // namespace po::platform
