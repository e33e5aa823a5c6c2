// platform-api: audits HTML for accessibility problems and serves the ML models behind those audits.
//
//   platform-api [--log-format json|text] [--log-level info]   serve (configuration from the environment)
//   platform-api token --sub NAME [--ttl SECONDS]              print a JWT signed with SECRET_KEY
//   platform-api healthcheck                                   exit 0 when GET /health/live on $PORT answers 200
//   platform-api --version
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <thread>

#include <spdlog/spdlog.h>

#include "po/common/http_server.hpp"
#include "po/common/log.hpp"
#include "po/common/signals.hpp"
#include "server/app.hpp"
#include "server/auth.hpp"
#include "server/config.hpp"

namespace {

constexpr int kUsageError = 2;

int usage(std::string_view problem) {
  std::cerr << "platform-api: " << problem << "\n"
            << "usage: platform-api [--log-format json|text] [--log-level LEVEL] | token --sub NAME [--ttl SECONDS] | --version\n";
  return kUsageError;
}

int mint_token(int argc, char** argv) {
  std::string sub;
  long ttl = 3600;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--sub" && i + 1 < argc) {
      sub = argv[++i];
    } else if (arg == "--ttl" && i + 1 < argc) {
      char* end = nullptr;
      ttl = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || ttl <= 0) return usage("--ttl must be a positive number of seconds");
    } else {
      return usage("unknown token argument " + std::string(arg));
    }
  }
  if (sub.empty()) return usage("token needs --sub NAME");
  const char* secret = std::getenv("SECRET_KEY");
  if (!secret || std::string_view(secret).size() < a11y::server::kMinSecretBytes) {
    std::cerr << "platform-api: configuration error: SECRET_KEY must be set and at least "
              << a11y::server::kMinSecretBytes << " bytes long\n";
    return kUsageError;
  }
  // The server's own policy, so that it accepts what this mints (and refuses a lifetime it would refuse).
  a11y::server::TokenPolicy policy;
  const auto env = a11y::server::process_environment();
  policy.issuer = env("JWT_ISSUER").value_or("");
  policy.audience = env("JWT_AUDIENCE").value_or("");
  if (auto v = env("JWT_MAX_LIFETIME_SECONDS"); v && !v->empty()) policy.max_lifetime = std::chrono::seconds(std::atol(v->c_str()));
  if (std::chrono::seconds(ttl) > policy.max_lifetime) {
    return usage("--ttl must not exceed JWT_MAX_LIFETIME_SECONDS (" + std::to_string(policy.max_lifetime.count()) + ")");
  }
  std::cout << a11y::server::Authenticator(secret, policy).issue(sub, std::chrono::seconds(ttl)) << "\n";
  return 0;
}

// For the container HEALTHCHECK (the slim image has no curl): one request to /health/live on loopback.
int healthcheck() {
  long port = 8000;
  if (const char* p = std::getenv("PORT"); p && *p) port = std::strtol(p, nullptr, 10);
  if (port <= 0 || port > 65535) return 1;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int result = 1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    const std::string_view req = "GET /health/live HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    pollfd pfd{fd, POLLIN, 0};
    char buf[64] = {};
    if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()) &&
        ::poll(&pfd, 1, 2000) == 1 && ::recv(fd, buf, sizeof buf - 1, 0) >= 12) {
      result = std::string_view(buf).substr(9, 3) == "200" ? 0 : 1;
    }
  }
  ::close(fd);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  po::log::Format log_format = po::log::Format::Text;
  std::string log_level = "info";
  if (const char* f = std::getenv("LOG_FORMAT"); f && *f) {
    try {
      log_format = po::log::parse_format(f);
    } catch (const std::exception& e) {
      return usage(std::string("LOG_FORMAT: ") + e.what());
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--version") {
      std::cout << "platform-api " << PO_VERSION << "\n";
      return 0;
    }
    if (i == 1 && arg == "token") return mint_token(argc, argv);
    if (i == 1 && arg == "healthcheck") return healthcheck();
    if ((arg == "--log-format" || arg == "--log-level") && i + 1 < argc) {
      const std::string value = argv[++i];
      if (arg == "--log-level") {
        log_level = value;
        continue;
      }
      try {
        log_format = po::log::parse_format(value);
      } catch (const std::exception& e) {
        return usage(e.what());
      }
      continue;
    }
    return usage("unknown argument " + std::string(arg));
  }

  po::signals::block_shutdown_signals();  // before any thread starts, so every thread inherits the mask
  po::log::init("platform-api", log_format, log_level);

  a11y::server::Config config;
  try {
    config = a11y::server::load_config(a11y::server::process_environment(), PO_APP_MODEL_DIR);
  } catch (const a11y::server::ConfigError& e) {
    std::cerr << "platform-api: configuration error: " << e.what() << "\n";
    return kUsageError;
  }

  auto model = a11y::server::load_model(config);
  if (model.model) {
    spdlog::info("loaded model {} {} from {}", model.model->name(), model.model->version(), model.path);
  } else {
    spdlog::warn("text-quality model not loaded ({}); audits use the built-in heuristics", model.error);
  }

  try {
    a11y::server::App app(config, std::move(model));
    app.start_migrations();

    po::http::ServerOptions options;
    options.address = config.bind_address;
    options.port = config.port;
    options.threads = a11y::server::effective_http_threads(config);
    options.body_limit = config.body_limit;
    options.max_connections = config.max_connections;
    options.max_inflight_body_bytes = config.inflight_body_bytes;
    po::http::HttpServer server(options, [&app](po::http::Request req, po::http::Responder done) {
      app.handle_async(std::move(req), std::move(done));
    });
    server.start();
    spdlog::info("platform-api {} listening on {}:{} with {} HTTP threads and {} worker threads (AI suggestions: {})",
                 PO_VERSION, config.bind_address, server.port(), options.threads,
                 a11y::server::effective_worker_threads(config), to_string(config.ai_provider));

    const int sig = po::signals::wait_for_shutdown();
    spdlog::info("received signal {}, draining", sig);
    app.set_draining();
    // Keep-alive connections (the gateway's upstream pool) are closed after their next response, so that
    // the proxy reconnects through the Service (to a pod that is not leaving) during the delay. Without
    // this, stop() closes a kept-alive connection on which the proxy may just have sent a request, and the
    // proxy answers that request 502 (nginx does not retry a POST).
    server.close_after_responses();
    if (config.shutdown_delay.count() > 0) {
      spdlog::info("readiness now fails; serving {} s more before closing the listener", config.shutdown_delay.count());
      std::this_thread::sleep_for(config.shutdown_delay);
    }
    server.stop();
    app.shutdown();
    spdlog::info("stopped");
  } catch (const a11y::server::ConfigError& e) {
    std::cerr << "platform-api: configuration error: " << e.what() << "\n";
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::critical("platform-api failed: {}", e.what());
    spdlog::default_logger()->flush();
    return 1;
  }
  spdlog::default_logger()->flush();
  return 0;
}
