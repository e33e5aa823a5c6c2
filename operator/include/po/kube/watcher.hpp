// List, then watch from the list's resourceVersion, forever: the reflector loop of client-go.
// Resumes from the last seen resourceVersion (bookmarks keep it fresh), relists on 410 Gone,
// reconnects with jittered backoff, and stops promptly when its stop_token is requested.
#pragma once
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include "po/kube/backoff.hpp"
#include "po/kube/client.hpp"

namespace po::kube {

struct WatcherOptions {
  ListOptions selector;           // label/field selectors only; versions are managed by the watcher
  int page_size = 500;
  int min_timeout_seconds = 300;  // server-side timeoutSeconds is drawn from [min, max]
  int max_timeout_seconds = 600;
  ReconnectBackoff::Options backoff{};
  // A watch with no event or bookmark for this long is closed as dead and resumed (0 = never). The
  // apiserver sends each watch a bookmark about once a minute.
  std::chrono::milliseconds progress_deadline{75'000};
  // Start by watching from this resourceVersion instead of listing (a restart that kept its cache).
  std::string initial_resource_version;
};

struct WatcherHandlers {
  // A full list (first start and every relist): the complete set of objects now.
  std::function<void(std::vector<json>&& items, const std::string& resource_version)> on_list;
  // Added / Modified / Deleted events (bookmarks and errors are handled inside).
  std::function<void(WatchEvent&& event)> on_event;
  // Diagnostics: a list or watch failed (the watcher retries on its own).
  std::function<void(const ApiError& error)> on_error;
};

struct WatcherStats {
  std::uint64_t lists = 0;
  std::uint64_t watches = 0;
  std::uint64_t bookmarks = 0;
  std::uint64_t relists_after_gone = 0;
};

// Runs until stop is requested. Thread: the caller's.
WatcherStats run_watcher(Client& client, const GroupVersionResource& gvr, const std::string& namespace_,
                         const WatcherOptions& options, const WatcherHandlers& handlers, std::stop_token stop);

}  // namespace po::kube
