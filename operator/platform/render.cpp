// The render entry point, object names, the revision digest and the generated-Secret contract.
#include "po/platform/render.hpp"

#include <algorithm>

#include "render_common.hpp"

namespace po::platform {

std::string_view to_string(Tier tier) {
  switch (tier) {
    case Tier::Data: return "data";
    case Tier::App: return "app";
    case Tier::Gateway: return "gateway";
    case Tier::Monitoring: return "monitoring";
  }
  return "unknown";
}

namespace names {
std::string api(const Platform& p) { return p.metadata.name + "-api"; }
std::string frontend(const Platform& p) { return p.metadata.name + "-frontend"; }
std::string gateway(const Platform& p) { return p.metadata.name + "-gateway"; }
std::string postgres(const Platform& p) { return p.metadata.name + "-postgres"; }
std::string backup(const Platform& p) { return p.metadata.name + "-postgres-backup"; }
std::string redis(const Platform& p) { return p.metadata.name + "-redis"; }
std::string prometheus(const Platform& p) { return p.metadata.name + "-prometheus"; }
std::string alertmanager(const Platform& p) { return p.metadata.name + "-alertmanager"; }
std::string grafana(const Platform& p) { return p.metadata.name + "-grafana"; }
std::string grafana_dashboard(const Platform& p) { return p.metadata.name + "-grafana-dashboard"; }
std::string jwt_secret(const Platform& p) { return p.metadata.name + "-jwt"; }
std::string api_clients(const Platform& p) { return p.metadata.name + "-api-clients"; }
}  // namespace names

std::string api_selector(const Platform& p) {
  const auto selector = detail::selector_labels(p, detail::kApi);
  std::string out;
  for (const auto& [key, value] : selector.items()) {
    if (!out.empty()) out += ",";
    out += key + "=" + value.get<std::string>();
  }
  return out;
}

std::vector<DesiredObject> render(const Platform& platform, const RenderOptions& options) {
  std::vector<DesiredObject> out;
  auto append = [&out](std::vector<DesiredObject> part) {
    std::move(part.begin(), part.end(), std::back_inserter(out));
  };
  append(render_network(platform, options));
  append(render_database(platform));
  append(render_cache(platform));
  append(render_api(platform));
  append(render_frontend(platform));
  append(render_gateway(platform));
  append(render_monitoring(platform, options));
  for (DesiredObject& object : out) detail::apply_pod_policy(platform, object.manifest);
  std::stable_sort(out.begin(), out.end(), [](const DesiredObject& a, const DesiredObject& b) { return a.tier < b.tier; });
  return out;
}

std::string revision_digest(const std::vector<DesiredObject>& objects) {
  nlohmann::json stateless = nlohmann::json::array();
  for (const DesiredObject& object : objects) {
    if (!object.stateless) continue;
    nlohmann::json manifest = object.manifest;
    const std::string kind = manifest.value("kind", "");
    if ((kind == "Deployment" || kind == "StatefulSet") && manifest.contains("spec")) manifest["spec"].erase("replicas");
    // The owner's uid is identity, not content: offline `render --revision` and the operator agree.
    manifest["metadata"].erase("ownerReferences");
    stateless.push_back(std::move(manifest));
  }
  return detail::sha256_hex(stateless.dump());
}

std::vector<GeneratedSecret> generated_secrets(const Platform& p) {
  std::vector<GeneratedSecret> out;
  if (p.spec.database.managed) {
    const std::string host = detail::service_host(p, names::postgres(p));
    out.push_back({names::postgres(p), {"password"}, {{"username", "platform"}, {"database", "platform"}},
                   "postgresql://platform:{password}@" + host + ":5432/platform"});
  }
  if (p.spec.cache.managed) {
    const std::string host = detail::service_host(p, names::redis(p));
    out.push_back({names::redis(p), {"password"}, {}, "redis://:{password}@" + host + ":6379/0"});
  }
  out.push_back({names::jwt_secret(p), {"secret-key"}, {}, ""});
  // The client credentials POST /api/v1/auth/token exchanges for a token (key: client id, value: secret).
  out.push_back({names::api_clients(p), {std::string(kApiClientFrontend), std::string(kApiClientUsers)}, {}, ""});
  if (p.spec.monitoring.enabled && p.spec.monitoring.grafanaEnabled)
    out.push_back({names::grafana(p), {"admin-password"}, {{"admin-user", "admin"}}, ""});
  return out;
}

std::map<std::string, std::string> secret_data(const GeneratedSecret& secret, const std::map<std::string, std::string>& random) {
  std::map<std::string, std::string> data = secret.fixedData;
  for (const std::string& key : secret.randomKeys) data[key] = random.at(key);
  if (!secret.urlTemplate.empty()) {
    std::string url = secret.urlTemplate;
    const std::string placeholder = "{password}";
    if (auto pos = url.find(placeholder); pos != std::string::npos) url.replace(pos, placeholder.size(), random.at("password"));
    data["url"] = url;
  }
  return data;
}

}  // namespace po::platform
