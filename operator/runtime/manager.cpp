#include "po/runtime/manager.hpp"

#include <charconv>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <spdlog/spdlog.h>

#include "po/common/http_server.hpp"
#include "po/common/signals.hpp"

namespace po::runtime {

namespace {

bool take_value(std::vector<std::string>& args, std::size_t& i, const std::string& flag, std::string& out) {
  const std::string& a = args[i];
  if (a == flag || a == "-" + flag.substr(2)) {
    if (i + 1 >= args.size()) throw std::invalid_argument(flag + " needs a value");
    out = args[i + 1];
    args.erase(args.begin() + static_cast<long>(i), args.begin() + static_cast<long>(i) + 2);
    return true;
  }
  if (a.rfind(flag + "=", 0) == 0) {
    out = a.substr(flag.size() + 1);
    args.erase(args.begin() + static_cast<long>(i));
    return true;
  }
  return false;
}

bool take_bool(std::vector<std::string>& args, std::size_t& i, const std::string& flag, bool& out) {
  const std::string& a = args[i];
  if (a == flag) {
    out = true;
  } else if (a == flag + "=true") {
    out = true;
  } else if (a == flag + "=false") {
    out = false;
  } else {
    return false;
  }
  args.erase(args.begin() + static_cast<long>(i));
  return true;
}

std::chrono::seconds parse_seconds(const std::string& flag, const std::string& v) {
  std::string digits = v;
  if (!digits.empty() && digits.back() == 's') digits.pop_back();
  int n = 0;
  const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || p != digits.data() + digits.size() || n <= 0)
    throw std::invalid_argument(flag + ": \"" + v + "\" is not a positive number of seconds");
  return std::chrono::seconds(n);
}

}  // namespace

ManagerOptions parse_manager_flags(std::vector<std::string>& args) {
  ManagerOptions o;
  for (std::size_t i = 0; i < args.size();) {
    std::string v;
    if (take_value(args, i, "--kubeconfig", o.kubeconfig)) continue;
    if (take_value(args, i, "--metrics-bind-address", o.metrics_bind_address)) continue;
    if (take_value(args, i, "--health-probe-bind-address", o.health_probe_bind_address)) continue;
    if (take_bool(args, i, "--leader-elect", o.leader_elect)) continue;
    if (take_value(args, i, "--leader-election-namespace", o.leader_election_namespace)) continue;
    if (take_value(args, i, "--leader-election-id", o.leader_election_id)) continue;
    if (take_value(args, i, "--leader-election-identity", o.leader_election_identity)) continue;
    if (take_value(args, i, "--namespace", v)) {
      o.namespaces.push_back(v);
      continue;
    }
    if (take_value(args, i, "--log-format", o.log_format)) {
      if (o.log_format != "text" && o.log_format != "json")
        throw std::invalid_argument("--log-format: \"" + o.log_format + "\" is not text or json");
      continue;
    }
    if (take_value(args, i, "--log-level", o.log_level)) continue;
    if (take_value(args, i, "--v", v)) {
      o.log_level = v == "0" ? "info" : "debug";
      continue;
    }
    if (take_value(args, i, "--graceful-shutdown-timeout", v)) {
      o.graceful_shutdown_timeout = parse_seconds("--graceful-shutdown-timeout", v);
      continue;
    }
    if (take_value(args, i, "--leader-election-lease-duration", v)) {
      o.lease_duration = parse_seconds("--leader-election-lease-duration", v);
      continue;
    }
    if (take_value(args, i, "--leader-election-renew-deadline", v)) {
      o.renew_deadline = parse_seconds("--leader-election-renew-deadline", v);
      continue;
    }
    if (take_value(args, i, "--leader-election-retry-period", v)) {
      o.retry_period = parse_seconds("--leader-election-retry-period", v);
      continue;
    }
    if (take_value(args, i, "--request-timeout", v)) {
      o.request_timeout = parse_seconds("--request-timeout", v);
      continue;
    }
    if (take_value(args, i, "--watch-progress-deadline", v)) {
      o.watch_progress_deadline = parse_seconds("--watch-progress-deadline", v);
      continue;
    }
    ++i;
  }
  parse_bind_address(o.metrics_bind_address);
  parse_bind_address(o.health_probe_bind_address);
  if (o.renew_deadline >= o.lease_duration)
    throw std::invalid_argument("--leader-election-renew-deadline must be shorter than the lease duration");
  return o;
}

std::string manager_flags_help() {
  return R"(  --kubeconfig PATH                    kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --metrics-bind-address ADDR          /metrics listen address (default :8080; 0 disables)
  --health-probe-bind-address ADDR     /healthz and /readyz listen address (default :8081; 0 disables)
  --leader-elect                       run only while holding the leader Lease
  --leader-election-namespace NS       namespace of the Lease (default: the kubeconfig's or pod's namespace)
  --leader-election-id NAME            name of the Lease
  --namespace NS                       watch only NS (repeatable; default all namespaces)
  --log-format text|json               log format (default text)
  --v N / --log-level LEVEL            verbosity (0 = info, more = debug)
  --graceful-shutdown-timeout SECONDS  bound for in-flight reconciles on SIGTERM (default 30)
  --leader-election-lease-duration S   how long a lease lasts without renewal (default 15)
  --leader-election-renew-deadline S   the leader gives up when renewals fail this long (default 10)
  --leader-election-retry-period S     between lease attempts (default 2)
  --request-timeout S                  give up on one API request (not a watch) after S seconds (default 30)
  --watch-progress-deadline S          restart a watch without an event or bookmark this long (default 75)
)";
}

std::optional<BindAddress> parse_bind_address(const std::string& text) {
  if (text == "0") return std::nullopt;
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("bind address \"" + text + "\" is not host:port");
  BindAddress b;
  b.host = text.substr(0, colon);
  if (b.host.size() >= 2 && b.host.front() == '[' && b.host.back() == ']') b.host = b.host.substr(1, b.host.size() - 2);
  if (b.host.empty()) b.host = "0.0.0.0";
  const std::string port = text.substr(colon + 1);
  unsigned value = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || value > 65535)
    throw std::invalid_argument("bind address \"" + text + "\" has no valid port");
  b.port = static_cast<std::uint16_t>(value);
  return b;
}

struct Manager::Impl {
  std::unique_ptr<http::HttpServer> metrics_server;
  std::unique_ptr<http::HttpServer> probe_server;
  std::unique_ptr<LeaderElector> elector;
  std::atomic<bool> lost{false};
  std::atomic<bool> elected{false};   // the elector holds the lease (set on the election thread)
  std::atomic<bool> started{false};   // the controllers were started
  std::mutex controllers_mu;          // serialises starting (starter thread) and abandoning (election thread)
  bool probes_share_metrics = false;
};

namespace {
metrics::CounterFamily& reconciles_while_not_leader(metrics::Registry& registry) {
  return registry.counter("platform_operator_reconciles_while_not_leader_total",
                          "Reconciles that ended after this process's lease had run out by its own clock, when "
                          "another replica may have been reconciling too; should stay 0");
}

kube::ClientOptions client_options(metrics::Registry& registry, std::chrono::seconds timeout) {
  kube::ClientOptions o;
  o.timeout = timeout;
  auto& family = registry.counter("rest_client_requests_total",
                                  "Number of HTTP requests, partitioned by status code, method, and host.");
  o.on_request = [&family](std::string_view method, int code) {
    family.with({{"code", code == 0 ? std::string("<error>") : std::to_string(code)}, {"method", std::string(method)}})
        .inc();
  };
  return o;
}
}  // namespace

Manager::Manager(ManagerOptions options) : Manager(options, kube::load_config(options.kubeconfig)) {}

Manager::Manager(ManagerOptions options, kube::Config config)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {
  if (options_.leader_election_namespace.empty()) options_.leader_election_namespace = config.namespace_;
  client_ = std::make_unique<kube::Client>(std::move(config), client_options(registry_, options_.request_timeout));
  events_ = std::make_unique<EventRecorder>(*client_, options_.leader_election_id, default_identity());
}

Manager::~Manager() {
  for (auto& c : controllers_) c->abandon();
  controllers_.clear();
  informers_.clear();
}

Informer& Manager::add_informer(const kube::GroupVersionResource& gvr, kube::WatcherOptions watch) {
  watch.progress_deadline = options_.watch_progress_deadline;
  informers_.push_back(std::make_unique<Informer>(*client_, gvr, options_.namespaces, std::move(watch)));
  return *informers_.back();
}

Controller& Manager::add_controller(Controller::Options options, Reconciler reconciler) {
  controllers_.push_back(std::make_unique<Controller>(std::move(options), std::move(reconciler), &registry_));
  // Exported (as 0) with or without leader election, so dashboards and tests can always assert on it.
  reconciles_while_not_leader(registry_).with({{"controller", controllers_.back()->name()}});
  return *controllers_.back();
}

bool Manager::ready() const {
  for (const auto& i : informers_)
    if (!i->has_synced()) return false;
  return true;
}

std::uint16_t Manager::metrics_port() const { return impl_->metrics_server ? impl_->metrics_server->port() : 0; }
std::uint16_t Manager::probe_port() const {
  if (impl_->probes_share_metrics) return metrics_port();
  return impl_->probe_server ? impl_->probe_server->port() : 0;
}
bool Manager::is_leader() const {
  if (impl_->elector) return impl_->elector->holds_lease();
  return impl_->started.load();
}

int Manager::run() {
  auto handler = [this](const http::Request& req) {
    http::Response resp;
    resp.content_type = "text/plain; charset=utf-8";
    if (req.path == "/healthz" || req.path == "/livez") {
      resp.body = "ok";
    } else if (req.path == "/readyz") {
      if (ready()) {
        resp.body = "ok";
      } else {
        resp.status = 503;
        resp.body = "caches not synced";
      }
    } else if (req.path == "/metrics") {
      resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
      resp.body = registry_.render();
    } else {
      resp.status = 404;
      resp.body = "not found";
    }
    return resp;
  };
  // A bind failure (the port is taken) is a start-up error: one line and exit code 2, nothing thrown.
  std::string start_error;
  auto start_server = [&](const std::string& address, const char* purpose) -> std::unique_ptr<http::HttpServer> {
    auto bind = parse_bind_address(address);
    if (!bind) return nullptr;
    http::ServerOptions so;
    so.address = bind->host;
    so.port = bind->port;
    so.threads = 1;
    so.drain_timeout = std::chrono::seconds(2);
    try {
      auto server = std::make_unique<http::HttpServer>(so, handler);
      server->start();
      return server;
    } catch (const std::exception& e) {
      if (start_error.empty()) start_error = std::string("cannot serve ") + purpose + " on " + address + ": " + e.what();
      return nullptr;
    }
  };
  impl_->metrics_server = start_server(options_.metrics_bind_address, "metrics (--metrics-bind-address)");
  // One listener serves both when they are configured on the same fixed address.
  const auto metrics_bind = parse_bind_address(options_.metrics_bind_address);
  impl_->probes_share_metrics = impl_->metrics_server && metrics_bind->port != 0 &&
                                options_.health_probe_bind_address == options_.metrics_bind_address;
  if (!impl_->probes_share_metrics && start_error.empty()) {
    impl_->probe_server = start_server(options_.health_probe_bind_address, "probes (--health-probe-bind-address)");
  }
  if (!start_error.empty()) {
    spdlog::critical("manager: {}", start_error);
    if (impl_->metrics_server) impl_->metrics_server->stop();
    return 2;
  }
  spdlog::info("manager: metrics on port {}, probes on port {}", metrics_port(), probe_port());

  for (auto& i : informers_) i->start();

  std::jthread election;
  if (options_.leader_elect) {
    LeaderElectionConfig le;
    le.namespace_ = options_.leader_election_namespace;
    le.name = options_.leader_election_id;
    le.identity = options_.leader_election_identity.empty() ? default_identity() : options_.leader_election_identity;
    le.lease_duration = options_.lease_duration;
    le.renew_deadline = options_.renew_deadline;
    le.retry_period = options_.retry_period;
    impl_->elector = std::make_unique<LeaderElector>(*client_, le, &registry_);
    auto& violations = reconciles_while_not_leader(registry_);
    for (auto& c : controllers_)
      c->set_leadership_check([this] { return impl_->elector->holds_lease(); },
                              &violations.with({{"controller", c->name()}}));
    election = std::jthread([this](std::stop_token stop) {
      // The callbacks only flip flags and stop workers: renewals must never wait on anything else.
      const bool clean = impl_->elector->run(
          stop, [this] { impl_->elected = true; },
          [this] {
            impl_->elected = false;
            if (shutdown_requested_) return;
            // Lost: stop reconciling at once; another replica is (or will be) the leader.
            std::scoped_lock lock(impl_->controllers_mu);
            for (auto& c : controllers_) c->abandon();
          });
      if (!clean) impl_->lost = true;
    });
  }
  // Controllers start once this process leads and the caches have synced (reconciling from half-filled
  // caches would delete or recreate objects that exist), on a thread of their own.
  std::jthread starter([this](std::stop_token stop) {
    while (!stop.stop_requested() && !shutdown_requested_ && !impl_->lost) {
      if ((!impl_->elector || impl_->elected) && ready()) {
        {
          std::scoped_lock lock(impl_->controllers_mu);
          if (impl_->lost || (impl_->elector && !impl_->elected)) continue;
          for (auto& c : controllers_) c->start();
          impl_->started = true;
        }
        if (started_leading_hook_) started_leading_hook_();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });

  while (!shutdown_requested_ && !impl_->lost) {
    if (signals::wait_for_shutdown(std::chrono::milliseconds(100))) {
      spdlog::info("manager: shutdown signal received");
      break;
    }
  }
  shutdown_requested_ = true;
  starter.request_stop();
  starter.join();
  if (impl_->lost) {
    // No graceful period: the workers were told to stop, and whatever still runs must not be waited for.
    spdlog::error("manager: leadership lost; stopping now");
    return 1;
  }
  // Stop taking work and let in-flight reconciles finish, then release the lease, then stop watching.
  const auto bound = std::chrono::duration_cast<std::chrono::milliseconds>(options_.graceful_shutdown_timeout);
  for (auto& c : controllers_) {
    if (!c->shutdown(bound)) spdlog::warn("manager: controller {} did not finish within {} s", c->name(), bound.count() / 1000);
  }
  if (election.joinable()) {
    election.request_stop();
    election.join();
  }
  for (auto& i : informers_) i->stop();
  if (impl_->probe_server) impl_->probe_server->stop();
  if (impl_->metrics_server) impl_->metrics_server->stop();
  spdlog::info("manager: stopped");
  return impl_->lost ? 1 : 0;
}

}  // namespace po::runtime
