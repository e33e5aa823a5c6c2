// The manager owns what every controller shares: the API client, informers, controllers, leader election,
// the probes (/healthz, /readyz) and /metrics servers, and the shutdown sequence.
#pragma once
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "po/common/metrics.hpp"
#include "po/kube/client.hpp"
#include "po/runtime/controller.hpp"
#include "po/runtime/events.hpp"
#include "po/runtime/informer.hpp"
#include "po/runtime/leader_election.hpp"

namespace po::runtime {

// Flags named as kubebuilder-made operators name them.
struct ManagerOptions {
  std::string kubeconfig;                          // --kubeconfig
  std::string metrics_bind_address = ":8080";      // --metrics-bind-address ("0" disables)
  std::string health_probe_bind_address = ":8081"; // --health-probe-bind-address ("0" disables)
  bool leader_elect = false;                       // --leader-elect
  std::string leader_election_namespace;           // --leader-election-namespace (default: the config's namespace)
  std::string leader_election_id = "platform-operator.platform.a11y.dev";  // --leader-election-id
  std::string leader_election_identity;            // --leader-election-identity (default hostname_random)
  std::vector<std::string> namespaces;             // --namespace (repeatable; empty = all)
  std::string log_format = "text";                 // --log-format=text|json
  std::string log_level = "info";                  // --v / --log-level
  std::chrono::seconds graceful_shutdown_timeout{30};
  std::chrono::seconds request_timeout{30};        // --request-timeout: one API request (not watches)
  std::chrono::seconds lease_duration{15};
  std::chrono::seconds renew_deadline{10};
  std::chrono::seconds retry_period{2};
  // A watch with no event or bookmark for this long is taken as dead and started again. The apiserver
  // sends each watch a bookmark about once a minute, so this stays above a minute.
  std::chrono::seconds watch_progress_deadline{75};
};

// Consumes the flags it knows from args (both "--flag=value" and "--flag value"); leaves the rest.
// Throws std::invalid_argument naming a bad value.
ManagerOptions parse_manager_flags(std::vector<std::string>& args);
std::string manager_flags_help();

// "host:port" / ":port" -> address and port ("0.0.0.0" for an empty host); nullopt for "0" (disabled).
struct BindAddress {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<BindAddress> parse_bind_address(const std::string& text);  // throws std::invalid_argument

class Manager {
 public:
  // Loads the config (throws kube::ConfigError with one clear line) and builds the client.
  explicit Manager(ManagerOptions options);
  // For tests: an explicit config instead of the kubeconfig rules.
  Manager(ManagerOptions options, kube::Config config);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  kube::Client& client() { return *client_; }
  metrics::Registry& metrics() { return registry_; }
  EventRecorder& events() { return *events_; }
  const ManagerOptions& options() const { return options_; }

  Informer& add_informer(const kube::GroupVersionResource& gvr, kube::WatcherOptions watch = {});
  Controller& add_controller(Controller::Options options, Reconciler reconciler);
  // Runs once this process leads (right away without --leader-elect), after caches synced.
  void on_started_leading(std::function<void()> hook) { started_leading_hook_ = std::move(hook); }

  // Blocks until SIGTERM/SIGINT (block them first with po::signals::block_shutdown_signals) or
  // request_shutdown(). Returns the exit code: 0 after a clean shutdown, 1 when leadership was lost,
  // 2 when it could not start (a metrics or probe port in use; logged as one line).
  // Leadership lost returns at once: the controllers are told to stop but not waited for, since another
  // replica leads now; the process should exit right away (reconciles still in flight die with it).
  int run();
  void request_shutdown() { shutdown_requested_ = true; }

  bool ready() const;  // every informer has synced
  std::uint16_t metrics_port() const;
  std::uint16_t probe_port() const;
  bool is_leader() const;  // controllers may run: the lease is held (or no leader election)

 private:
  struct Impl;
  ManagerOptions options_;
  metrics::Registry registry_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<EventRecorder> events_;
  std::vector<std::unique_ptr<Informer>> informers_;
  std::vector<std::unique_ptr<Controller>> controllers_;
  std::function<void()> started_leading_hook_;
  std::atomic<bool> shutdown_requested_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace po::runtime
