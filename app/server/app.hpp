// The platform-api service: routes, handlers and the components they use. main.cpp only parses
// arguments, builds an App from the Config and runs it under an HttpServer until SIGTERM.
// app.cpp holds the routing, authentication, lanes and errors; each resource's handlers are in their own
// file: app_audits.cpp, app_suggestions.cpp, app_models.cpp, app_auth.cpp, app_health.cpp, app_metrics.cpp.
#pragma once
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "audit/audit.hpp"
#include "ml/text_quality.hpp"
#include "po/common/http_server.hpp"
#include "po/common/metrics.hpp"
#include "server/ai_client.hpp"
#include "server/audit_store.hpp"
#include "server/audit_writer.hpp"
#include "server/auth.hpp"
#include "server/clients.hpp"
#include "server/config.hpp"
#include "server/db_pool.hpp"
#include "server/faults.hpp"
#include "server/health_checks.hpp"
#include "server/redis_cache.hpp"
#include "server/result_lru.hpp"
#include "server/router.hpp"
#include "server/worker_pool.hpp"

namespace a11y::server {

// Where a request runs. The I/O threads (one per core) must never wait: they run only short CPU work
// (auth, routing, models, rules, liveness); readiness, health checks and metrics that touch PostgreSQL or
// Redis go to a small probe lane, so that a slow audit API cannot starve them; the audit API goes to the
// worker pool.
// Ai: POST /api/v1/audits/{id}/suggestions, on its own threads (AI_THREADS) and queue (AI_QUEUE), so that
// calls to the AI provider, which may take up to AI_TIMEOUT_MS each, never hold the audit workers.
enum class Lane { Inline, Probe, Worker, Ai };
Lane lane_for(std::string_view path);
bool is_audit_create(const po::http::Request& req);  // POST /api/v1/audits
// The method label of the request metrics: one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS, or "other".
std::string_view metric_method(std::string_view method);

// The model the server loaded at start, or why there is none.
struct LoadedModel {
  std::shared_ptr<const ml::TextQualityModel> model;
  std::string path;
  std::string error;
};
// MODEL_PATH if set, else the newest text-quality*.json in MODEL_DIR.
LoadedModel load_model(const Config& config);

class App {
 public:
  App(Config config, LoadedModel model);  // throws ConfigError when AUTH_CLIENTS_DIR is unreadable or invalid
  ~App();  // stops the background migrator

  po::http::Response handle(const po::http::Request& req);  // never throws; may block
  // The same, for a request that arrived at `started` (its duration metric counts from then).
  po::http::Response handle(const po::http::Request& req, std::chrono::steady_clock::time_point started);
  // Runs inline requests on the calling (I/O) thread and hands the others to their lane; never throws.
  void handle_async(po::http::Request req, po::http::Responder done);

  // Applies migrations now and, if the database is not reachable, keeps retrying in the background.
  void start_migrations();
  bool migrated() const { return migrated_.load(); }
  void set_draining() { draining_ = true; }  // readiness fails from now on
  // After the HTTP server stopped (and while its io_context still exists): finishes the queued work and
  // joins the threads, so that no response is completed after the server is gone.
  void shutdown();

  po::metrics::Registry& registry() { return registry_; }

 private:
  struct Metrics;
  using Response = po::http::Response;
  using Request = po::http::Request;

  void add_routes();
  void register_health_checks();
  // The route's handler, after authenticating the request once when the route needs a bearer token.
  Response dispatch(const Request& req, const RouteMatch& match);
  // The bearer token's principal, or nullopt with the 401 in `refusal`.
  std::optional<Principal> authenticate(const Request& req, Response& refusal);
  using Finish = std::function<void(Response)>;
  // POST /api/v1/audits: a body seen before is answered from results_ without leaving the calling thread
  // until the writer; otherwise the worker pool parses, consults Redis and runs the engine.
  void post_audit(Request req, po::http::Responder done,
                  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now());
  // FAULT_* (faults.hpp): answers 500 now, or after the delay on a worker thread, or handles it late.
  void inject_fault(Request req, po::http::Responder done, Fault fault);
  AuditOutcome resolve_audit(const std::string& body, bool& cached);  // blocking; throws RequestError
  void store_audit(const std::shared_ptr<const Request>& req, const std::string& owner, AuditOutcome outcome,
                   bool cached, const Finish& finish);  // throws DbUnavailable before the schema exists
  Response error_response(const Request& req, std::exception_ptr error);
  Response overloaded(const Request& req, bool expired);  // 503; expired: waited past queue_timeout
  void record(const Request& req, const std::string& route, int status, std::chrono::steady_clock::time_point started);
  Response get_audit(const Request&, const Principal&, const std::string& id);
  Response list_audits(const Request&, const Principal&);
  Response suggestions(const Request&, const Principal&, const std::string& id);
  Response list_models(const Request&);
  Response predict(const Request&, const std::string& name);
  Response list_rules(const Request&);
  Response issue_token(const Request&);
  Response health(const Request&);
  Response health_check(const HealthChecks::Check& check);  // /health/<name>: 200 or 503
  Response health_ready(const Request&);
  Response metrics(const Request&);

  bool database_ok(std::string& error, std::chrono::milliseconds max_age);  // max_age 0: check now
  bool redis_ok(std::chrono::milliseconds max_age);
  bool database_check(std::string& error);  // with probe_mutex_ held
  std::optional<std::string> load_audit_json(const Principal&, const std::string& id);
  void note_active_user(const std::string& subject);
  void migrate_loop(std::stop_token stop);

  Config config_;
  LoadedModel model_;
  audit::Engine engine_;
  po::metrics::Registry registry_;
  std::unique_ptr<Metrics> metrics_;
  FaultInjector faults_;
  DbPool pool_;
  AuditStore store_;
  RedisCache cache_;
  Authenticator auth_;
  ClientDirectory clients_;  // AUTH_CLIENTS_DIR, read again when it changes (a rotated Secret)
  AiClient ai_;
  HealthChecks health_;  // registered in the constructor, before the routes that serve them
  Router router_;
  std::atomic<bool> migrated_{false};
  std::atomic<bool> draining_{false};

  std::mutex active_mutex_;  // guards active_minute_ and active_seen_
  long long active_minute_ = 0;
  std::unordered_set<std::string> active_seen_;  // subjects already counted in active_minute_

  // Guards probe_conn_ (the health checks' own database connection) and the last check results.
  std::mutex probe_mutex_;
  std::unique_ptr<pqxx::connection> probe_conn_;
  std::chrono::steady_clock::time_point db_checked_at_{}, redis_checked_at_{};
  bool db_ok_ = false, redis_ok_ = false;
  std::string db_error_;

  std::mutex bypass_mutex_;  // guards bypass_reported_
  std::uint64_t bypass_reported_ = 0;

  ResultLru results_;
  AuditWriter writer_;  // after store_ and cache_: joined (after writing its queue) before they go
  std::jthread migrator_;  // stopped and joined before the members above go
  // Last: joined first, after finishing their queues, while everything their jobs use still exists.
  WorkerPool probes_;
  WorkerPool workers_;
  WorkerPool ai_lane_;
};

// The route handlers are written in terms of the principal when the path is under /api/.
std::string sha256_hex(std::string_view data);

}  // namespace a11y::server
