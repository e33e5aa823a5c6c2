#include "po/kube/watcher.hpp"

#include <spdlog/spdlog.h>

namespace po::kube {
WatcherStats run_watcher(Client& client, const GroupVersionResource& gvr, const std::string& namespace_,
                         const WatcherOptions& options, const WatcherHandlers& handlers, std::stop_token stop) {
  WatcherStats stats;
  ReconnectBackoff backoff(options.backoff);
  std::string resource_version = options.initial_resource_version;  // empty: (re)list needed
  const std::string what = gvr.resource + (namespace_.empty() ? "" : " in " + namespace_);

  auto fail = [&](const ApiError& err) -> bool {
    if (handlers.on_error) handlers.on_error(err);
    Millis delay = backoff.next(ReconnectBackoff::Clock::now(), unit_random());
    if (err.retry_after) delay = std::max<Millis>(delay, *err.retry_after);
    spdlog::warn("watcher {}: {} (retrying in {} ms)", what, err.to_string(), delay.count());
    return sleep_unless_stopped(delay, stop);
  };

  while (!stop.stop_requested()) {
    if (resource_version.empty()) {
      ListOptions list_options = options.selector;
      auto listed = client.list_all(gvr, namespace_, list_options, options.page_size);
      ++stats.lists;
      if (!listed) {
        if (!fail(listed.error())) break;
        continue;
      }
      resource_version = listed->resource_version;
      if (handlers.on_list) handlers.on_list(std::move(listed->items), resource_version);
    }

    ListOptions watch_options = options.selector;
    watch_options.resource_version = resource_version;
    watch_options.allow_watch_bookmarks = true;
    watch_options.timeout_seconds = options.min_timeout_seconds +
        static_cast<int>(unit_random() * (options.max_timeout_seconds - options.min_timeout_seconds + 1));
    if (*watch_options.timeout_seconds > options.max_timeout_seconds)
      watch_options.timeout_seconds = options.max_timeout_seconds;
    ++stats.watches;
    bool gone = false;
    std::optional<ApiError> event_error;
    Status result = client.watch(
        gvr, namespace_, watch_options,
        [&](WatchEvent&& event) {
          switch (event.type) {
            case WatchEventType::Bookmark:
              ++stats.bookmarks;
              if (auto rv = event.resource_version(); !rv.empty()) resource_version = rv;
              return true;
            case WatchEventType::Error: {
              const int code = watch_error_code(event);
              if (code == 410) {
                gone = true;
              } else {
                event_error = classify_response(code, event.object.dump());
              }
              return false;
            }
            default:
              if (auto rv = event.resource_version(); !rv.empty()) resource_version = rv;
              if (handlers.on_event) handlers.on_event(std::move(event));
              return true;
          }
        },
        stop, options.progress_deadline);
    if (stop.stop_requested()) break;
    if (!result && result.error().gone()) gone = true;
    if (gone) {
      // Our resourceVersion was compacted away: start over from a fresh list (no backoff, like client-go).
      spdlog::info("watcher {}: resourceVersion {} is too old, relisting", what, resource_version);
      ++stats.relists_after_gone;
      resource_version.clear();
      continue;
    }
    if (!result) {
      if (!fail(result.error())) break;
      continue;
    }
    if (event_error) {
      if (!fail(*event_error)) break;
    }
    // A clean end (server timeout): watch again from where we are, at once.
  }
  return stats;
}

}  // namespace po::kube
