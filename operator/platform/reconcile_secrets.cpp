// Phase 4 of a reconcile: the generated Secrets (render_generated_secret), created once from a CSPRNG,
// never rewritten, never logged; their owner follows whenDeleted (generated_secret_owned).
#include "po/platform/reconciler.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <set>

#include "po/platform/child_status.hpp"
#include "po/platform/pod_diagnosis.hpp"
#include "po/platform/conditions.hpp"
#include "po/platform/platform_status.hpp"
#include "po/platform/render.hpp"
#include "po/platform/rollback.hpp"
#include "po/platform/spec.hpp"
#include "po/platform/stateful.hpp"
#include "reconcile_attempt.hpp"
#include "render_common.hpp"

namespace po::platform {

using nlohmann::json;
using runtime::ReconcileResult;
using namespace reconcile;

Step PlatformReconciler::ensure_secrets(Attempt& a) {

  // 4. Generated Secrets: created once, never rewritten, never logged. The PostgreSQL credentials belong
  // with the data: under whenDeleted: Retain they have no owner (the garbage collector and pruning leave
  // them, so retained data keeps its password); under Delete the Platform owns them.
  const auto& secrets = *resource_for("v1", "Secret");
  a.retain_data = a.spec.spec.whenDeleted == WhenDeleted::Retain;
  a.retained_credentials = names::postgres(a.spec);
  for (const auto& gen : generated_secrets(a.spec)) {
    a.generated_names.insert(gen.name);
    const bool owned = generated_secret_owned(a.spec, gen);
    runtime::ObjectPtr hold;
    const json* cached_secret = cached_child(secrets, a.ns + "/" + gen.name, hold);
    std::optional<json> existing_secret;
    if (cached_secret == nullptr) {
      auto existing = api_.get(secrets, a.ns, gen.name);
      if (existing.ok()) {
        existing_secret = std::move(*existing);
        cached_secret = &*existing_secret;
      } else if (!existing.error().not_found()) {
        return ReconcileResult::failed("reading Secret " + gen.name + ": " + existing.error().to_string());
      }
    }
    if (cached_secret != nullptr) {
      if (auto patch = owner_reference_patch(*cached_secret, detail::owner_reference(a.spec), owned)) {
        auto r = writer_.patch(secrets, a.ns, gen.name, kube::PatchType::Merge, *patch);
        if (!r.ok() && !r.error().not_found()) {
          return ReconcileResult::failed("setting the owner of Secret " + gen.name + ": " + r.error().to_string());
        }
      }
      continue;
    }
    std::map<std::string, std::string> random;
    for (const auto& k : gen.randomKeys) random[k] = random_token();
    const json secret = render_generated_secret(a.spec, gen, random);
    auto created = writer_.create(secrets, a.ns, secret);
    if (!created.ok() && !created.error().already_exists()) {
      return ReconcileResult::failed("creating Secret " + gen.name + ": " + created.error().to_string());
    }
    if (created.ok()) events_.record(a.platform, "Normal", "SecretGenerated", "Create", "generated Secret " + gen.name);
  }
  return std::nullopt;
}
}  // namespace po::platform
