// Server configuration, read once at start from the environment the operator sets.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>

#include "server/faults.hpp"

namespace a11y::server {

// A missing or malformed variable; what() is one line naming the variable, for the operator's logs.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

enum class AiProvider { None, OpenAi, Gemini };

struct Config {
  std::string bind_address = "0.0.0.0";       // BIND_ADDRESS
  std::uint16_t port = 8000;                  // PORT
  unsigned http_threads = 0;                  // HTTP_THREADS, 0 = cores (see effective_http_threads)
  unsigned worker_threads = 0;                // WORKER_THREADS, 0 = DB_POOL_SIZE (see effective_worker_threads)
  std::size_t worker_queue = 4096;            // WORKER_QUEUE: blocking jobs waiting beyond this answer 503
  std::size_t worker_queue_bytes = 64 << 20;  // WORKER_QUEUE_BYTES: request bodies held by queued and running jobs
  std::chrono::milliseconds queue_timeout{10'000};  // QUEUE_TIMEOUT_MS: a job that waited longer answers 503 unrun
  std::chrono::milliseconds audit_cpu_budget{2000}; // AUDIT_CPU_BUDGET_MS: CPU per audit, then a partial result
  std::size_t writer_queue = 4096;            // WRITER_QUEUE: audit rows waiting for the group-commit writer
  std::size_t writer_queue_bytes = 64 << 20;  // WRITER_QUEUE_BYTES: result documents held by those rows
  std::size_t max_connections = 4096;         // MAX_CONNECTIONS: open HTTP connections; more are answered 503
  std::size_t inflight_body_bytes = 128 << 20;  // INFLIGHT_BODY_BYTES: request bodies being read or handled
  std::size_t result_cache_bytes = 32 << 20;  // RESULT_CACHE_BYTES: in-process audit results (0 = off)
  std::size_t body_limit = 2 << 20;           // BODY_LIMIT_BYTES
  std::string database_url;                   // DATABASE_URL (required, postgres:// or postgresql://)
  std::size_t db_pool_size = 8;               // DB_POOL_SIZE
  std::string redis_url;                      // REDIS_URL (required, redis://[:password@]host[:port][/db])
  std::chrono::seconds cache_ttl{3600};       // CACHE_TTL_SECONDS
  std::string secret_key;                     // SECRET_KEY (required, >= 32 bytes): JWT HS256 key
  std::chrono::seconds jwt_max_lifetime{24 * 3600};  // JWT_MAX_LIFETIME_SECONDS: tokens must expire within this
  std::string jwt_issuer;                     // JWT_ISSUER: when set, tokens must carry this "iss"
  std::string jwt_audience;                   // JWT_AUDIENCE: when set, tokens must name this "aud"
  std::string auth_clients_dir;               // AUTH_CLIENTS_DIR: client credentials for /api/v1/auth/token
  std::chrono::seconds auth_token_ttl{900};   // AUTH_TOKEN_TTL_SECONDS: lifetime of the tokens it issues
  AiProvider ai_provider = AiProvider::None;  // from AI_PROVIDER, else whichever key is set
  std::string ai_api_key;                     // OPENAI_API_KEY or GEMINI_API_KEY
  std::string ai_base_url;                    // AI_BASE_URL, default per provider
  std::string ai_model;                       // AI_MODEL, default per provider
  std::chrono::milliseconds ai_timeout{2000}; // AI_TIMEOUT_MS: the whole provider call (connect to last byte)
  unsigned ai_threads = 2;                    // AI_THREADS: the suggestions lane's own threads
  std::size_t ai_queue = 16;                  // AI_QUEUE: suggestions waiting beyond this answer 503
  std::string model_path;                     // MODEL_PATH; empty = newest text-quality*.json in MODEL_DIR
  std::string model_dir;                      // MODEL_DIR
  // SHUTDOWN_DELAY_SECONDS: after SIGTERM, keep serving with readiness failing for this long, so that
  // load balancers stop sending new requests before the listener closes; then drain.
  std::chrono::seconds shutdown_delay{0};
  FaultConfig faults;  // FAULT_ERROR_PERCENT, FAULT_DELAY_MS, FAULT_DELAY_PERCENT, FAULT_PATH_PREFIX (faults.hpp)
};

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string password;
  int db = 0;
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Throws ConfigError. default_model_dir is used when MODEL_DIR is unset.
Config load_config(const EnvLookup& env, const std::string& default_model_dir);
EnvLookup process_environment();
RedisEndpoint parse_redis_url(const std::string& url);  // throws ConfigError
std::string_view to_string(AiProvider);
struct TokenPolicy;
TokenPolicy token_policy(const Config&);  // what the Authenticator checks beyond the signature (auth.hpp)
// HTTP I/O threads: one per core; they never block, because work that waits on PostgreSQL, Redis or
// runs the audit engine goes to the worker pool. HTTP_THREADS overrides.
unsigned effective_http_threads(const Config&);
// Worker pool threads: as many as database connections, so that a worker rarely waits for one.
unsigned effective_worker_threads(const Config&);

}  // namespace a11y::server
