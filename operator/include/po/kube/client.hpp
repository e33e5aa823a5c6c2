// A Kubernetes API client over cpprestsdk's http_client. Objects are nlohmann::json; failures are ApiError values.
#pragma once
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/kube/config.hpp"
#include "po/kube/error.hpp"
#include "po/kube/resource.hpp"
#include "po/kube/watch.hpp"

namespace po::kube {

using json = nlohmann::json;

enum class PatchType { Merge, JsonPatch, StrategicMerge };

struct ApplyOptions {
  std::string field_manager;  // required by the apiserver for apply
  bool force = true;          // take ownership of conflicting fields
  bool dry_run = false;
};

struct DeleteOptions {
  std::string propagation_policy;                   // "Foreground" | "Background" | "Orphan" | "" (server default)
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::optional<int> grace_period_seconds;
};

struct ListResult {
  std::vector<json> items;
  std::string resource_version;  // of the list, to start a watch from
};

// Called after every request with the HTTP method and the status code ("" when no response), for
// rest_client_requests_total; kube itself knows nothing of metrics.
using RequestObserver = std::function<void(std::string_view method, int code)>;

// When a call must be over, as a Go context's deadline bounds a client-go call.
using Deadline = std::chrono::steady_clock::time_point;

// TCP keepalive on every API connection: probes after `idle` without traffic, then every `interval`;
// after `probes` unanswered ones the kernel drops the connection (a dead peer noticed in about a minute).
struct TcpKeepalive {
  std::chrono::seconds idle{30};  // 0 = keepalive off
  std::chrono::seconds interval{10};
  int probes = 3;
};

struct ClientOptions {
  std::chrono::seconds timeout{30};      // per request (watches use their own idle timeout)
  std::string user_agent = "platform-operator";
  RequestObserver on_request;
  int max_429_retries = 3;               // 429 is retried after Retry-After (capped at max_retry_after)
  std::chrono::seconds max_retry_after{10};
  TcpKeepalive tcp_keepalive{};
};

class Client {
 public:
  // Throws ConfigError when the TLS material in config cannot be loaded.
  explicit Client(Config config, ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  const Config& config() const;

  Result<json> get(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                   std::string_view subresource = {});
  // One page: the List object, metadata.continue set when there is more.
  Result<json> list(const GroupVersionResource& gvr, std::string_view ns, const ListOptions& options = {});
  // Every page (limit = page_size), items concatenated; the list's resourceVersion is the last page's.
  Result<ListResult> list_all(const GroupVersionResource& gvr, std::string_view ns, ListOptions options = {},
                              int page_size = 500);
  Result<json> create(const GroupVersionResource& gvr, std::string_view ns, const json& object);
  // PUT: optimistic concurrency when object.metadata.resourceVersion is set. subresource "status" for status.
  Result<json> replace(const GroupVersionResource& gvr, std::string_view ns, std::string_view name, const json& object,
                       std::string_view subresource = {});
  // Server-side apply (application/apply-patch+yaml; JSON is YAML). subresource "status" applies status.
  Result<json> apply(const GroupVersionResource& gvr, std::string_view ns, std::string_view name, const json& object,
                     const ApplyOptions& options, std::string_view subresource = {});
  Result<json> patch(const GroupVersionResource& gvr, std::string_view ns, std::string_view name, PatchType type,
                     const json& patch, std::string_view subresource = {});
  // The object (deletion may be pending with finalizers) or a Status; NotFound is an error value.
  Result<json> remove(const GroupVersionResource& gvr, std::string_view ns, std::string_view name,
                      const DeleteOptions& options = {});

  // Discovery: the APIResourceList of one group version (404 when it is not served).
  Result<json> server_resources(std::string_view group, std::string_view version);
  // Is group/version/resource served? false (not an error) when the group version is unknown.
  Result<bool> has_resource(std::string_view group, std::string_view version, std::string_view resource);

  // One watch connection: on_event runs for each decoded event until the server ends the stream
  // (timeoutSeconds), on_event returns false, or stop is requested. A malformed line is skipped and
  // counted, never fatal. An HTTP error (e.g. 410) comes back as ApiError; an ERROR event is passed to on_event.
  // With a progress_deadline, a stream that brings no response head, event or bookmark for that long is
  // closed and a retryable transport error returned (a silently dead connection; ask for bookmarks).
  Status watch(const GroupVersionResource& gvr, std::string_view ns, const ListOptions& options,
               const std::function<bool(WatchEvent&&)>& on_event, std::stop_token stop = {},
               std::chrono::milliseconds progress_deadline = std::chrono::milliseconds::zero());
  std::uint64_t malformed_watch_lines() const;

  // Raw request for anything else. body empty = no body. With a deadline, the call (429 retries included)
  // ends by then: a request still in flight is cancelled and a transport error "deadline exceeded" returned.
  Result<json> request(std::string_view method, const std::string& path_and_query, const std::string& body = {},
                       std::string_view content_type = "application/json", std::optional<Deadline> deadline = {});

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace po::kube
