#include "server/config.hpp"

#include "server/auth.hpp"

#include <algorithm>
#include <charconv>
#include <thread>
#include <cstdlib>

namespace a11y::server {
namespace {

template <typename T>
T parse_number(const char* name, const std::string& text, T min, T max) {
  T value{};
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size() || value < min || value > max) {
    throw ConfigError(std::string(name) + " must be an integer in [" + std::to_string(min) + ", " +
                      std::to_string(max) + "], got \"" + text + "\"");
  }
  return value;
}

std::string required(const EnvLookup& env, const char* name) {
  auto v = env(name);
  if (!v || v->empty()) throw ConfigError(std::string(name) + " is not set");
  return *v;
}

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::string_view to_string(AiProvider p) {
  switch (p) {
    case AiProvider::OpenAi: return "openai";
    case AiProvider::Gemini: return "gemini";
    case AiProvider::None: break;
  }
  return "none";
}

RedisEndpoint parse_redis_url(const std::string& url) {
  if (!starts_with(url, "redis://")) throw ConfigError("REDIS_URL must start with redis://");
  RedisEndpoint ep;
  std::string rest = url.substr(8);
  if (const auto slash = rest.find('/'); slash != std::string::npos) {
    const std::string db = rest.substr(slash + 1);
    rest.resize(slash);
    if (!db.empty()) ep.db = parse_number<int>("REDIS_URL database", db, 0, 1 << 16);
  }
  if (const auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest.erase(0, at + 1);
    const auto colon = userinfo.find(':');
    ep.password = colon == std::string::npos ? userinfo : userinfo.substr(colon + 1);
  }
  if (rest.empty()) throw ConfigError("REDIS_URL has no host");
  if (rest.front() == '[') {  // [ipv6]:port
    const auto close = rest.find(']');
    if (close == std::string::npos) throw ConfigError("REDIS_URL has an unterminated IPv6 address");
    ep.host = rest.substr(1, close - 1);
    rest.erase(0, close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw ConfigError("REDIS_URL is malformed after the host");
      ep.port = parse_number<std::uint16_t>("REDIS_URL port", rest.substr(1), 1, 65535);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string::npos) {
    ep.host = rest.substr(0, colon);
    ep.port = parse_number<std::uint16_t>("REDIS_URL port", rest.substr(colon + 1), 1, 65535);
  } else {
    ep.host = rest;
  }
  if (ep.host.empty()) throw ConfigError("REDIS_URL has no host");
  return ep;
}

Config load_config(const EnvLookup& env, const std::string& default_model_dir) {
  Config c;
  if (auto v = env("PORT"); v && !v->empty()) c.port = parse_number<std::uint16_t>("PORT", *v, 1, 65535);
  if (auto v = env("BIND_ADDRESS"); v && !v->empty()) c.bind_address = *v;
  if (auto v = env("HTTP_THREADS"); v && !v->empty()) c.http_threads = parse_number<unsigned>("HTTP_THREADS", *v, 1, 1024);
  if (auto v = env("BODY_LIMIT_BYTES"); v && !v->empty()) {
    c.body_limit = parse_number<std::size_t>("BODY_LIMIT_BYTES", *v, 1024, std::size_t{1} << 30);
  }

  c.database_url = required(env, "DATABASE_URL");
  if (!starts_with(c.database_url, "postgres://") && !starts_with(c.database_url, "postgresql://")) {
    throw ConfigError("DATABASE_URL must start with postgres:// or postgresql://");
  }
  if (auto v = env("DB_POOL_SIZE"); v && !v->empty()) c.db_pool_size = parse_number<std::size_t>("DB_POOL_SIZE", *v, 1, 256);
  if (auto v = env("WORKER_THREADS"); v && !v->empty()) {
    c.worker_threads = parse_number<unsigned>("WORKER_THREADS", *v, 1, 1024);
  }
  if (auto v = env("RESULT_CACHE_BYTES"); v && !v->empty()) {
    c.result_cache_bytes = parse_number<std::size_t>("RESULT_CACHE_BYTES", *v, 0, std::size_t{1} << 34);
  }
  if (auto v = env("WORKER_QUEUE"); v && !v->empty()) {
    c.worker_queue = parse_number<std::size_t>("WORKER_QUEUE", *v, 1, 1'000'000);
  }
  if (auto v = env("WORKER_QUEUE_BYTES"); v && !v->empty()) {
    c.worker_queue_bytes = parse_number<std::size_t>("WORKER_QUEUE_BYTES", *v, 1 << 20, std::size_t{1} << 36);
  }
  if (auto v = env("QUEUE_TIMEOUT_MS"); v && !v->empty()) {
    c.queue_timeout = std::chrono::milliseconds(parse_number<int>("QUEUE_TIMEOUT_MS", *v, 10, 600'000));
  }
  if (auto v = env("AUDIT_CPU_BUDGET_MS"); v && !v->empty()) {
    c.audit_cpu_budget = std::chrono::milliseconds(parse_number<int>("AUDIT_CPU_BUDGET_MS", *v, 10, 600'000));
  }
  if (auto v = env("WRITER_QUEUE"); v && !v->empty()) {
    c.writer_queue = parse_number<std::size_t>("WRITER_QUEUE", *v, 1, 1'000'000);
  }
  if (auto v = env("WRITER_QUEUE_BYTES"); v && !v->empty()) {
    c.writer_queue_bytes = parse_number<std::size_t>("WRITER_QUEUE_BYTES", *v, 1 << 20, std::size_t{1} << 36);
  }
  if (auto v = env("MAX_CONNECTIONS"); v && !v->empty()) {
    c.max_connections = parse_number<std::size_t>("MAX_CONNECTIONS", *v, 16, 1'000'000);
  }
  if (auto v = env("INFLIGHT_BODY_BYTES"); v && !v->empty()) {
    c.inflight_body_bytes = parse_number<std::size_t>("INFLIGHT_BODY_BYTES", *v, 1 << 20, std::size_t{1} << 36);
  }
  if (c.inflight_body_bytes < c.body_limit) {
    throw ConfigError("INFLIGHT_BODY_BYTES (" + std::to_string(c.inflight_body_bytes) +
                      ") must be at least BODY_LIMIT_BYTES (" + std::to_string(c.body_limit) + ")");
  }

  c.redis_url = required(env, "REDIS_URL");
  parse_redis_url(c.redis_url);
  if (auto v = env("CACHE_TTL_SECONDS"); v && !v->empty()) {
    c.cache_ttl = std::chrono::seconds(parse_number<int>("CACHE_TTL_SECONDS", *v, 1, 30 * 24 * 3600));
  }

  c.secret_key = required(env, "SECRET_KEY");
  if (c.secret_key.size() < kMinSecretBytes) {
    throw ConfigError("SECRET_KEY must be at least " + std::to_string(kMinSecretBytes) + " bytes long");
  }
  if (auto v = env("JWT_MAX_LIFETIME_SECONDS"); v && !v->empty()) {
    c.jwt_max_lifetime = std::chrono::seconds(parse_number<int>("JWT_MAX_LIFETIME_SECONDS", *v, 60, 365 * 24 * 3600));
  }
  c.jwt_issuer = env("JWT_ISSUER").value_or("");
  c.jwt_audience = env("JWT_AUDIENCE").value_or("");
  c.auth_clients_dir = env("AUTH_CLIENTS_DIR").value_or("");
  if (auto v = env("AUTH_TOKEN_TTL_SECONDS"); v && !v->empty()) {
    c.auth_token_ttl = std::chrono::seconds(parse_number<int>("AUTH_TOKEN_TTL_SECONDS", *v, 60, 365 * 24 * 3600));
    if (c.auth_token_ttl > c.jwt_max_lifetime) {
      throw ConfigError("AUTH_TOKEN_TTL_SECONDS (" + std::to_string(c.auth_token_ttl.count()) +
                        ") must not exceed JWT_MAX_LIFETIME_SECONDS (" + std::to_string(c.jwt_max_lifetime.count()) + ")");
    }
  } else {
    c.auth_token_ttl = std::min(c.auth_token_ttl, c.jwt_max_lifetime);  // the default yields to a shorter maximum
  }

  const auto openai = env("OPENAI_API_KEY").value_or("");
  const auto gemini = env("GEMINI_API_KEY").value_or("");
  const auto provider = env("AI_PROVIDER").value_or("");
  if (provider == "openai") {
    if (openai.empty()) throw ConfigError("AI_PROVIDER=openai needs OPENAI_API_KEY");
    c.ai_provider = AiProvider::OpenAi;
  } else if (provider == "gemini") {
    if (gemini.empty()) throw ConfigError("AI_PROVIDER=gemini needs GEMINI_API_KEY");
    c.ai_provider = AiProvider::Gemini;
  } else if (!provider.empty()) {
    throw ConfigError("AI_PROVIDER must be \"openai\" or \"gemini\", got \"" + provider + "\"");
  } else if (!openai.empty()) {
    c.ai_provider = AiProvider::OpenAi;
  } else if (!gemini.empty()) {
    c.ai_provider = AiProvider::Gemini;
  }
  c.ai_api_key = c.ai_provider == AiProvider::OpenAi ? openai : c.ai_provider == AiProvider::Gemini ? gemini : "";
  c.ai_base_url = env("AI_BASE_URL").value_or("");
  if (c.ai_base_url.empty()) {
    c.ai_base_url = c.ai_provider == AiProvider::Gemini ? "https://generativelanguage.googleapis.com/v1beta"
                                                        : "https://api.openai.com/v1";
  } else if (!starts_with(c.ai_base_url, "https://") && !starts_with(c.ai_base_url, "http://")) {
    throw ConfigError("AI_BASE_URL must be an http:// or https:// URL");
  }
  while (!c.ai_base_url.empty() && c.ai_base_url.back() == '/') c.ai_base_url.pop_back();
  c.ai_model = env("AI_MODEL").value_or("");
  if (c.ai_model.empty()) c.ai_model = c.ai_provider == AiProvider::Gemini ? "gemini-1.5-flash" : "gpt-4o-mini";
  if (auto v = env("AI_TIMEOUT_MS"); v && !v->empty()) {
    c.ai_timeout = std::chrono::milliseconds(parse_number<int>("AI_TIMEOUT_MS", *v, 50, 60'000));
  }
  if (auto v = env("AI_THREADS"); v && !v->empty()) c.ai_threads = parse_number<unsigned>("AI_THREADS", *v, 1, 64);
  if (auto v = env("AI_QUEUE"); v && !v->empty()) c.ai_queue = parse_number<std::size_t>("AI_QUEUE", *v, 1, 10'000);

  if (auto v = env("SHUTDOWN_DELAY_SECONDS"); v && !v->empty()) {
    c.shutdown_delay = std::chrono::seconds(parse_number<int>("SHUTDOWN_DELAY_SECONDS", *v, 0, 300));
  }
  if (auto v = env("FAULT_ERROR_PERCENT"); v && !v->empty()) c.faults.error_percent = parse_number<int>("FAULT_ERROR_PERCENT", *v, 0, 100);
  if (auto v = env("FAULT_DELAY_MS"); v && !v->empty()) {
    c.faults.delay = std::chrono::milliseconds(parse_number<int>("FAULT_DELAY_MS", *v, 0, 60'000));
  }
  if (auto v = env("FAULT_DELAY_PERCENT"); v && !v->empty()) c.faults.delay_percent = parse_number<int>("FAULT_DELAY_PERCENT", *v, 0, 100);
  if (auto v = env("FAULT_PATH_PREFIX"); v && !v->empty()) {
    if (v->front() != '/') throw ConfigError("FAULT_PATH_PREFIX must start with /");
    c.faults.path_prefix = *v;
  }
  c.model_path = env("MODEL_PATH").value_or("");
  c.model_dir = env("MODEL_DIR").value_or(default_model_dir);
  return c;
}

TokenPolicy token_policy(const Config& c) { return TokenPolicy{c.jwt_max_lifetime, c.jwt_issuer, c.jwt_audience}; }

unsigned effective_http_threads(const Config& c) {
  if (c.http_threads) return c.http_threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

unsigned effective_worker_threads(const Config& c) {
  if (c.worker_threads) return c.worker_threads;
  return static_cast<unsigned>(c.db_pool_size);
}

EnvLookup process_environment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

}  // namespace a11y::server
