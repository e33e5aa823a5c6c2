#include "po/kube/client.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

// spdlog (fmt) before cpprestsdk: cpprestsdk defines a macro U() that breaks fmt's headers.
#include <spdlog/spdlog.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <pplx/pplxtasks.h>

namespace po::kube {
namespace {

namespace http = web::http;
namespace hc = web::http::client;

// Loads our CA and client certificate into a TLS context; used by every connection cpprestsdk opens.
// With a CA configured, it is the only one trusted (as client-go does): cpprestsdk loads the system's
// roots into every context first, so the store is replaced rather than added to.
void configure_tls(boost::asio::ssl::context& ctx, const std::string& ca_pem, const Credentials& creds) {
  if (!ca_pem.empty()) {
    X509_STORE* only_ours = X509_STORE_new();
    if (only_ours == nullptr) throw std::runtime_error("X509_STORE_new failed");
    SSL_CTX_set_cert_store(ctx.native_handle(), only_ours);  // the context owns it now
    ctx.add_certificate_authority(boost::asio::buffer(ca_pem.data(), ca_pem.size()));
  }
  if (!creds.client_cert_pem.empty()) {
    ctx.use_certificate_chain(boost::asio::buffer(creds.client_cert_pem.data(), creds.client_cert_pem.size()));
    ctx.use_private_key(boost::asio::buffer(creds.client_key_pem.data(), creds.client_key_pem.size()),
                        boost::asio::ssl::context::pem);
  }
}

// Turns TCP keepalive on for a connection's socket, so a peer that vanished (a dropped NAT entry, a node
// gone) is noticed by the kernel instead of leaving a read waiting forever.
void set_keepalive(boost::asio::ip::tcp::socket& socket, const std::string& host, const TcpKeepalive& k) {
  if (!socket.is_open()) {
    // A new connection: cpprestsdk calls us before it connects. asio connects an open socket as it is,
    // so open it here, for the address family of a literal host; a host name is resolved later by
    // cpprestsdk, and its connections get keepalive when they are reused.
    boost::system::error_code ec;
    const auto address = boost::asio::ip::make_address(host.size() > 2 && host.front() == '[' ? host.substr(1, host.size() - 2) : host, ec);
    if (ec) return;
    socket.open(address.is_v6() ? boost::asio::ip::tcp::v6() : boost::asio::ip::tcp::v4(), ec);
    if (ec) return;
  }
  const int fd = socket.native_handle();
  const int on = 1, idle = static_cast<int>(k.idle.count()), interval = static_cast<int>(k.interval.count()),
            count = k.probes;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

// Waits for a task until `until`; false when it is still running then (the task goes on).
template <class T>
bool wait_until(const pplx::task<T>& task, std::chrono::steady_clock::time_point until) {
  if (task.is_done()) return true;
  auto done = std::make_shared<std::promise<void>>();
  auto finished = done->get_future();
  task.then([done](const pplx::task<T>&) { done->set_value(); });
  return finished.wait_until(until) == std::future_status::ready;
}

// client-go's context deadline for cpprestsdk: waits for task, cancelling the request at the deadline;
// then the task ends at once (the connection is closed) and get() throws.
template <class T>
T get_by(const pplx::task<T>& task, std::optional<Deadline> deadline, pplx::cancellation_token_source& cancel) {
  if (deadline && !wait_until(task, *deadline)) cancel.cancel();
  return task.get();
}

std::string content_type_for(PatchType type) {
  switch (type) {
    case PatchType::Merge: return "application/merge-patch+json";
    case PatchType::JsonPatch: return "application/json-patch+json";
    case PatchType::StrategicMerge: return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

}  // namespace

struct Client::Impl {
  Config config;
  ClientOptions options;
  CredentialSource credentials;
  std::atomic<std::uint64_t> malformed_lines{0};

  std::mutex mu;  // guards client and client_cert (rebuilt when an exec plugin hands out a new certificate)
  std::shared_ptr<hc::http_client> client;
  std::string client_cert;

  Impl(Config c, ClientOptions o) : config(c), options(std::move(o)), credentials(std::move(c)) {}

  hc::http_client_config client_config(std::chrono::seconds timeout, const Credentials& creds) const {
    hc::http_client_config cfg;
    cfg.set_timeout(timeout);
    cfg.set_validate_certificates(!config.insecure_skip_tls_verify);
    const bool https = config.server.rfind("https://", 0) == 0;
    if (options.tcp_keepalive.idle.count() > 0) {
      // No proxy is configured, so the handle's type follows the scheme (cpprestsdk's documented contract).
      cfg.set_nativehandle_options([https, host = web::uri(config.server).host(), k = options.tcp_keepalive](hc::native_handle h) {
        if (https) {
          set_keepalive(static_cast<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>*>(h)->next_layer(), host, k);
        } else {
          set_keepalive(*static_cast<boost::asio::ip::tcp::socket*>(h), host, k);
        }
      });
    }
    if (https) {
      cfg.set_ssl_context_callback([ca = config.ca_pem, creds](boost::asio::ssl::context& ctx) {
        configure_tls(ctx, ca, creds);
      });
    }
    return cfg;
  }

  // The shared client for ordinary requests, plus the credentials to send with this request.
  std::pair<std::shared_ptr<hc::http_client>, Credentials> acquire() {
    Credentials creds = credentials.current();
    std::scoped_lock lock(mu);
    if (!client || client_cert != creds.client_cert_pem) {
      client = std::make_shared<hc::http_client>(web::uri(config.server), client_config(options.timeout, creds));
      client_cert = creds.client_cert_pem;
    }
    return {client, creds};
  }

  http::http_request make_request(std::string_view method, const std::string& path_and_query, const Credentials& creds,
                                  const std::string& body, std::string_view content_type) const {
    http::http_request req{http::method(std::string(method))};
    req.set_request_uri(web::uri(path_and_query));
    req.headers().add("Accept", "application/json");
    req.headers().add("User-Agent", options.user_agent);
    // tls-server-name: cpprestsdk takes the name it sends (SNI) and verifies the certificate against from
    // the Host header; the API server does not route by Host.
    if (!config.tls_server_name.empty()) req.headers().add("Host", config.tls_server_name);
    if (!creds.token.empty()) req.headers().add("Authorization", "Bearer " + creds.token);
    if (!body.empty()) {
      // A byte vector, not a std::string: cpprestsdk's string overload reinterprets a char stream as a
      // byte stream (undefined behaviour that UBSan reports). Content-Type first, so it is kept.
      req.headers().set_content_type(std::string(content_type));
      req.set_body(std::vector<unsigned char>(body.begin(), body.end()));
    }
    return req;
  }

  void observe(std::string_view method, int code) const {
    if (options.on_request) options.on_request(method, code);
  }
};

Client::Client(Config config, ClientOptions options) : impl_(std::make_unique<Impl>(std::move(config), std::move(options))) {
  // Fail at start-up, with one clear line, if the CA or client certificate cannot be loaded.
  try {
    boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
    Credentials creds;
    creds.client_cert_pem = impl_->config.client_cert_pem;
    creds.client_key_pem = impl_->config.client_key_pem;
    configure_tls(ctx, impl_->config.ca_pem, creds);
  } catch (const std::exception& e) {
    throw ConfigError(std::string("TLS material in the config cannot be loaded: ") + e.what());
  }
}

Client::~Client() = default;

const Config& Client::config() const { return impl_->config; }

std::uint64_t Client::malformed_watch_lines() const { return impl_->malformed_lines.load(); }

Result<json> Client::request(std::string_view method, const std::string& path_and_query, const std::string& body,
                             std::string_view content_type, std::optional<Deadline> deadline) {
  auto past_deadline = [&] { return deadline && std::chrono::steady_clock::now() >= *deadline; };
  auto deadline_error = [&] { return transport_error(std::string(method) + " " + path_and_query + ": deadline exceeded"); };
  bool reauthenticated = false;
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<hc::http_client> client;
    Credentials creds;
    try {
      std::tie(client, creds) = impl_->acquire();
    } catch (const ConfigError& e) {
      return transport_error(e.what());
    }
    if (past_deadline()) return deadline_error();
    int code = 0;
    std::string text;
    std::string retry_after;
    try {
      pplx::cancellation_token_source cancel;
      http::http_response resp = get_by(
          client->request(impl_->make_request(method, path_and_query, creds, body, content_type), cancel.get_token()),
          deadline, cancel);
      code = resp.status_code();
      text = get_by(resp.extract_utf8string(true), deadline, cancel);
      if (auto it = resp.headers().find("Retry-After"); it != resp.headers().end()) retry_after = it->second;
    } catch (const std::exception& e) {
      impl_->observe(method, 0);
      if (past_deadline()) return deadline_error();
      return transport_error(std::string(method) + " " + path_and_query + ": " + e.what());
    }
    impl_->observe(method, code);
    if (code >= 200 && code < 300) {
      if (text.empty()) return json::object();
      json parsed = json::parse(text, nullptr, false);
      if (parsed.is_discarded()) return transport_error("response to " + path_and_query + " is not JSON");
      return parsed;
    }
    ApiError err = classify_response(code, text, retry_after);
    if (code == 401 && !reauthenticated && (impl_->config.exec || !impl_->config.token_file.empty())) {
      // The token may have rotated or expired: refresh the credentials once and retry.
      impl_->credentials.invalidate();
      reauthenticated = true;
      continue;
    }
    if (code == 429 && attempt < impl_->options.max_429_retries) {
      const auto wait = std::min(err.retry_after.value_or(std::chrono::seconds(1)), impl_->options.max_retry_after);
      if (deadline && std::chrono::steady_clock::now() + wait >= *deadline) return err;  // no time to wait it out
      std::this_thread::sleep_for(wait);
      continue;
    }
    return err;
  }
}

Result<json> Client::get(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                         std::string_view subresource) {
  return request("GET", resource_path(gvr, ns, name, subresource));
}

Result<json> Client::list(const GroupVersionResource& gvr, std::string_view ns, const ListOptions& options) {
  return request("GET", resource_path(gvr, ns) + list_query(options));
}

Result<ListResult> Client::list_all(const GroupVersionResource& gvr, std::string_view ns, ListOptions options,
                                    int page_size) {
  ListResult out;
  options.limit = page_size;
  options.watch = false;
  options.continue_token.clear();
  for (;;) {
    auto page = list(gvr, ns, options);
    if (!page) return page.error();
    if (auto items = page->find("items"); items != page->end() && items->is_array())
      for (auto& item : *items) out.items.push_back(std::move(item));
    const json& meta = (*page)["metadata"];
    out.resource_version = meta.value("resourceVersion", "");
    const std::string next = meta.value("continue", "");
    if (next.empty()) return out;
    options.continue_token = next;
    // Later pages are served from the first page's snapshot; a resourceVersion must not be sent with continue.
    options.resource_version.clear();
    options.resource_version_match.clear();
  }
}

Result<json> Client::create(const GroupVersionResource& gvr, std::string_view ns, const json& object) {
  return request("POST", resource_path(gvr, ns), object.dump());
}

Result<json> Client::replace(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                             const json& object, std::string_view subresource) {
  return request("PUT", resource_path(gvr, ns, name, subresource), object.dump());
}

Result<json> Client::apply(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                           const json& object, const ApplyOptions& options, std::string_view subresource) {
  std::string path = resource_path(gvr, ns, name, subresource) + "?fieldManager=" + percent_encode(options.field_manager);
  if (options.force) path += "&force=true";
  if (options.dry_run) path += "&dryRun=All";
  return request("PATCH", path, object.dump(), "application/apply-patch+yaml");
}

Result<json> Client::patch(const GroupVersionResource& gvr, std::string_view ns, std::string_view name, PatchType type,
                           const json& patch, std::string_view subresource) {
  return request("PATCH", resource_path(gvr, ns, name, subresource), patch.dump(), content_type_for(type));
}

Result<json> Client::remove(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                            const DeleteOptions& options) {
  json body = {{"apiVersion", "v1"}, {"kind", "DeleteOptions"}};
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.precondition_uid) body["preconditions"]["uid"] = *options.precondition_uid;
  if (options.precondition_resource_version)
    body["preconditions"]["resourceVersion"] = *options.precondition_resource_version;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  return request("DELETE", resource_path(gvr, ns, name), body.dump());
}

Result<json> Client::server_resources(std::string_view group, std::string_view version) {
  return request("GET", group_version_path(group, version));
}

Result<bool> Client::has_resource(std::string_view group, std::string_view version, std::string_view resource) {
  auto list = server_resources(group, version);
  if (!list) {
    if (list.error().code == 404) return false;
    return list.error();
  }
  if (auto resources = list->find("resources"); resources != list->end() && resources->is_array())
    for (const auto& r : *resources)
      if (r.value("name", "") == resource) return true;
  return false;
}

Status Client::watch(const GroupVersionResource& gvr, std::string_view ns, const ListOptions& options,
                     const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop,
                     std::chrono::milliseconds progress_deadline) {
  ListOptions opts = options;
  opts.watch = true;
  opts.limit = 0;
  opts.continue_token.clear();
  if (!opts.timeout_seconds) opts.timeout_seconds = random_watch_timeout();
  const std::string path = resource_path(gvr, ns) + list_query(opts);

  Credentials creds;
  try {
    creds = impl_->credentials.current();
  } catch (const ConfigError& e) {
    return transport_error(e.what());
  }
  // A client of its own: the idle timeout sits above the server's timeoutSeconds so a quiet watch is
  // ended by the server, and a dead connection by us.
  const auto idle = std::chrono::seconds(*opts.timeout_seconds + 30);
  hc::http_client client(web::uri(impl_->config.server), impl_->client_config(idle, creds));
  pplx::cancellation_token_source cancel;
  std::stop_callback on_stop(stop, [&cancel] { cancel.cancel(); });

  // Progress: the response head, then every complete line (an event or a bookmark). A stream with none
  // for progress_deadline is cancelled as dead; the apiserver sends a bookmark about once a minute.
  using Clock = std::chrono::steady_clock;
  const bool bounded = progress_deadline > std::chrono::milliseconds::zero();
  auto last_progress = Clock::now();
  bool stalled = false;
  auto wait_for_progress = [&](const auto& task) {
    if (bounded && !wait_until(task, last_progress + progress_deadline)) {
      stalled = true;
      cancel.cancel();
    }
  };
  auto stalled_error = [&] {
    return transport_error("watch " + path + ": no event or bookmark for " +
                           std::to_string(progress_deadline.count()) + " ms; the connection is taken as dead");
  };
  try {
    auto response = client.request(impl_->make_request("GET", path, creds, {}, {}), cancel.get_token());
    wait_for_progress(response);
    http::http_response resp = response.get();
    last_progress = Clock::now();
    const int code = resp.status_code();
    impl_->observe("WATCH", code);
    if (code != 200) {
      if (code == 401) impl_->credentials.invalidate();
      std::string retry_after;
      if (auto it = resp.headers().find("Retry-After"); it != resp.headers().end()) retry_after = it->second;
      return classify_response(code, resp.extract_utf8string(true).get(), retry_after);
    }
    auto buf = resp.body().streambuf();
    std::vector<std::uint8_t> chunk(64 * 1024);
    LineSplitter splitter;
    bool keep_going = true;
    while (keep_going && !stop.stop_requested()) {
      // Read what has arrived (at least one byte) so events are handled as they come, not at the end.
      const std::size_t avail = static_cast<std::size_t>(std::max<std::streamsize>(buf.in_avail(), 1));
      auto read = buf.getn(chunk.data(), std::min(avail, chunk.size()));
      wait_for_progress(read);
      const std::size_t n = read.get();  // after a cancel: returns or throws at once (the connection is closed)
      if (stalled) return stalled_error();
      if (n == 0) break;  // the server ended the watch
      splitter.feed(std::string_view(reinterpret_cast<const char*>(chunk.data()), n), [&](std::string_view line) {
        if (!keep_going) return;
        std::string error;
        auto event = parse_watch_line(line, &error);
        if (!event) {
          impl_->malformed_lines.fetch_add(1);
          spdlog::warn("watch {}: skipping a malformed event: {}", path, error);
          return;
        }
        last_progress = Clock::now();
        keep_going = on_event(std::move(*event));
      });
    }
    cancel.cancel();  // close the connection if we stopped early
  } catch (const pplx::task_canceled&) {
    if (stalled) return stalled_error();
    return Ok{};  // stop requested
  } catch (const std::exception& e) {
    if (stalled) return stalled_error();
    if (stop.stop_requested()) return Ok{};
    return transport_error("watch " + path + ": " + e.what());
  }
  return Ok{};
}

}  // namespace po::kube
