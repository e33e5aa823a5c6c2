// platform-operator: reconciles platform.a11y.dev/v1alpha1 Platforms into the whole Accessibility Platform stack.
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "po/common/log.hpp"
#include "po/common/process_metrics.hpp"
#include "po/common/signals.hpp"
#include "po/kube/config.hpp"
#include "po/platform/child_status.hpp"
#include "po/platform/platform_metrics.hpp"
#include "po/platform/pod_diagnosis.hpp"
#include "po/platform/reconciler.hpp"
#include "po/platform/render_command.hpp"
#include "po/runtime/manager.hpp"
#include "po/version.hpp"

namespace {

constexpr std::string_view kUsage = R"(platform-operator - runs the Accessibility Platform stack from one Platform resource

Usage:
  platform-operator [flags]            run the controller
  platform-operator render -f FILE     print a Platform's manifests without a cluster (see render --help)
  platform-operator --version          print the version and exit
  platform-operator --help             print this help and exit

Controller flags:
)";

constexpr std::string_view kOwnFlagsHelp =
    R"(  --workers N                          Platforms reconciled in parallel (default 2)
  --requeue-progressing-ms MS          poll interval while a rollout is under way (default 3000)
  --failure-backoff-seconds S          wait before a new revision after the 2nd failed one in a row; doubles
                                       with each further failure, at most 600 (default 30)
  --credentials-propagation-seconds S  how long a rotation of the client credentials waits between staging
                                       the new secrets and switching clients to them: the kubelet's delay in
                                       updating mounted Secrets, sync period plus cache TTL (default 120)

Environment:
  PO_FAILPOINT_KILL_AFTER_APPLY=Kind/name   testing only: SIGKILL the process right after that object is
                                            applied in a new rollout attempt (the crash-safety e2e test)
)";

struct OperatorFlags {
  int workers = 2;
  std::chrono::milliseconds progressing_requeue{3000};
  std::chrono::seconds failure_backoff{30};
  std::chrono::seconds credentials_propagation{120};
};

int parse_int_flag(std::string_view name, const std::string& value, int min) {
  try {
    std::size_t used = 0;
    const int v = std::stoi(value, &used);
    if (used == value.size() && v >= min) return v;
  } catch (const std::exception&) {
  }
  throw std::invalid_argument(std::string(name) + ": \"" + value + "\" is not an integer >= " + std::to_string(min));
}

// Takes the operator's own flags out of args; what is left must be empty.
OperatorFlags parse_operator_flags(std::vector<std::string>& args) {
  OperatorFlags f;
  for (std::size_t i = 0; i < args.size();) {
    auto take = [&](std::string_view name, auto&& apply) {
      const std::string& a = args[i];
      if (a == name && i + 1 < args.size()) {
        apply(args[i + 1]);
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
        return true;
      }
      if (a.starts_with(std::string(name) + "=")) {
        apply(a.substr(name.size() + 1));
        args.erase(args.begin() + static_cast<std::ptrdiff_t>(i));
        return true;
      }
      return false;
    };
    if (take("--workers", [&](const std::string& v) { f.workers = parse_int_flag("--workers", v, 1); })) continue;
    if (take("--requeue-progressing-ms", [&](const std::string& v) {
          f.progressing_requeue = std::chrono::milliseconds(parse_int_flag("--requeue-progressing-ms", v, 100));
        }))
      continue;
    if (take("--failure-backoff-seconds", [&](const std::string& v) {
          f.failure_backoff = std::chrono::seconds(parse_int_flag("--failure-backoff-seconds", v, 0));
        }))
      continue;
    if (take("--credentials-propagation-seconds", [&](const std::string& v) {
          f.credentials_propagation = std::chrono::seconds(parse_int_flag("--credentials-propagation-seconds", v, 0));
        }))
      continue;
    ++i;
  }
  return f;
}

// "<8 hex digits of this process>-<sequence>": unique across restarts, ordered within one process.
std::string next_reconcile_id() {
  static const std::string prefix = [] {
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(std::random_device{}()));
    return std::string(buf);
  }();
  static std::atomic<std::uint64_t> sequence{0};
  return prefix + "-" + std::to_string(++sequence);
}

int run_controller(std::vector<std::string> args) {
  po::runtime::ManagerOptions options;
  OperatorFlags flags;
  try {
    options = po::runtime::parse_manager_flags(args);
    flags = parse_operator_flags(args);
    if (!args.empty()) throw std::invalid_argument("unknown flag " + args.front() + " (see --help)");
  } catch (const std::invalid_argument& e) {
    std::cerr << "platform-operator: " << e.what() << "\n";
    return 2;
  }
  po::log::init("platform-operator", po::log::parse_format(options.log_format), options.log_level);
  po::signals::block_shutdown_signals();
  // glibc gives each thread that allocates its own arena (up to 8 per core), and each arena keeps freed
  // memory for itself; the cache is shared, so two arenas hold the same data in less resident memory.
  mallopt(M_ARENA_MAX, 2);

  std::unique_ptr<po::runtime::Manager> manager;
  try {
    manager = std::make_unique<po::runtime::Manager>(options);
  } catch (const po::kube::ConfigError& e) {
    std::cerr << "platform-operator: " << e.what() << "\n";
    return 2;
  }

  po::kube::WatcherOptions children_watch;
  children_watch.selector.label_selector = std::string(po::platform::kManagedBySelector);
  auto& platforms = manager->add_informer(po::platform::kPlatforms);
  std::map<std::string, const po::runtime::Informer*> informers{{po::platform::kPlatforms.resource, &platforms}};
  std::vector<po::runtime::Informer*> child_informers;
  for (const auto& kind : po::platform::watched_child_kinds()) {
    auto& informer = manager->add_informer(kind.gvr, children_watch);
    informer.set_transform(po::platform::slim_child);
    informers[kind.gvr.resource] = &informer;
    child_informers.push_back(&informer);
  }
  // The Platforms' pods, slimmed to their status, so the Platform can say why a workload is not ready.
  auto& pods = manager->add_informer(po::kube::GroupVersionResource{"", "v1", "pods", true}, children_watch);
  pods.set_transform(po::platform::slim_pod);
  informers["pods"] = &pods;

  po::platform::ReconcilerOptions reconciler_options;
  reconciler_options.progressing_requeue = flags.progressing_requeue;
  reconciler_options.failure_backoff = flags.failure_backoff;
  reconciler_options.credentials_propagation = flags.credentials_propagation;
  if (const char* failpoint = std::getenv("PO_FAILPOINT_KILL_AFTER_APPLY"); failpoint != nullptr && *failpoint != 0) {
    reconciler_options.failpoint_kill_after_apply = failpoint;
    spdlog::warn("failpoint armed: the process kills itself after applying {} in a new rollout attempt", failpoint);
  }
  po::runtime::ClusterClient cluster(manager->client());
  const po::runtime::InformerReader cache(std::move(informers));
  // The operator's own metrics: process_*, its build, and per-Platform state and counts.
  auto& registry = manager->metrics();
  po::metrics::register_process_metrics(registry);
  registry.gauge("platform_operator_build_info", "The operator's version (label version); always 1.")
      .with({{"version", std::string(po::version())}})
      .set(1);
  registry.add_collector([&platforms] {
    std::vector<nlohmann::json> items;
    for (const auto& object : platforms.cache().list()) items.push_back(*object);
    return po::platform::platform_state_metrics(items);
  });
  po::platform::MetricsEventSink events(manager->events(), registry);
  po::platform::PlatformReconciler reconciler(cluster, cluster, cache, events, reconciler_options);
  po::runtime::Controller::Options controller_options;
  controller_options.name = "platform";
  controller_options.workers = flags.workers;
  auto& controller = manager->add_controller(
      controller_options, [&](const std::string& key, std::stop_token stop) {
        // Every log line of this reconcile carries the Platform and an id that tells reconciles apart.
        const auto slash = key.find('/');
        po::log::ScopedFields fields({{"platform_namespace", key.substr(0, slash)},
                                      {"platform_name", slash == std::string::npos ? key : key.substr(slash + 1)},
                                      {"reconcile_id", next_reconcile_id()}});
        return reconciler.reconcile(key, stop);
      });
  platforms.add_handler(po::runtime::enqueue_object(controller.queue()));
  for (auto* informer : child_informers) {
    informer->add_handler(po::runtime::enqueue_controller_owner(controller.queue(), "Platform"));
  }
  pods.add_handler(po::runtime::enqueue_by_label(controller.queue(), "app.kubernetes.io/instance"));

  spdlog::info("platform-operator {} starting: {} workers, {} child kinds watched", po::version(), flags.workers,
               child_informers.size());
  const int code = manager->run();
  if (code == 1) {
    // Leadership lost: another replica leads now. Exit at once, as controller-runtime does; a reconcile
    // still in flight must not go on writing beside the new leader, nor may we wait for it.
    spdlog::default_logger()->flush();
    std::_Exit(1);
  }
  // The controllers' workers use the reconciler: they are joined (with the manager) before it goes.
  manager.reset();
  return code;
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc >= 2 && std::string_view(argv[1]) == "render") {
    const std::vector<std::string_view> args(argv + 2, argv + argc);
    return po::platform::run_render_command(args, std::cout, std::cerr);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--version" || arg == "version") {
      std::cout << "platform-operator " << po::version() << "\n";
      return 0;
    }
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << kUsage << po::runtime::manager_flags_help() << kOwnFlagsHelp;
      return 0;
    }
  }
  return run_controller(std::move(args));
} catch (const std::exception& e) {
  // Whatever else fails while starting: one line, no core dump.
  std::cerr << "platform-operator: " << e.what() << "\n";
  return 1;
}
