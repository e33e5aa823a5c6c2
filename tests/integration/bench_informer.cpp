// Measures the informer against the envtest apiserver (run by hack/bench/kube_informer.sh, not by ctest):
//   cache memory per 1,000 ConfigMaps of 1 KiB, time from start to synced with N objects,
//   watch events applied per second. Prints one "name value unit" line per figure.
// Usage: bench-informer <kubeconfig> <objects> <updates>
#include <malloc.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "po/kube/client.hpp"
#include "po/runtime/informer.hpp"

using namespace po::kube;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {
long rss_kib() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

void parallel(int n, int threads, const std::function<void(int)>& f) {
  std::atomic<int> next{0};
  std::vector<std::jthread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i = next++; i < n; i = next++) f(i);
    });
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: bench-informer <kubeconfig> <objects> <updates>\n";
    return 2;
  }
  const int objects = std::stoi(argv[2]);
  const int updates = std::stoi(argv[3]);
  Client client(load_kubeconfig(argv[1]));
  const std::string ns = "bench-" + std::to_string(::getpid());
  if (!client.create(resources::kNamespaces, "", {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}})) {
    std::cerr << "cannot create namespace\n";
    return 1;
  }
  const std::string kib(1024, 'x');
  std::atomic<int> failures{0};
  parallel(objects, 8, [&](int i) {
    json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"},
               {"metadata", {{"name", "cm-" + std::to_string(i)}, {"namespace", ns}, {"labels", {{"bench", "true"}}}}},
               {"data", {{"payload", kib}}}};
    if (!client.create(resources::kConfigMaps, ns, cm)) ++failures;
  });
  if (failures > 0) std::cerr << failures << " creates failed\n";

  // Let allocator noise from the creation settle before the baseline.
  std::this_thread::sleep_for(1s);
  const long rss_before = rss_kib();
  const auto start = std::chrono::steady_clock::now();
  po::runtime::Informer informer(client, resources::kConfigMaps, {ns});
  std::atomic<long> applied{0};
  po::runtime::EventHandler counter;
  counter.on_update = [&](const po::runtime::ObjectPtr&, const po::runtime::ObjectPtr&) { ++applied; };
  informer.add_handler(counter);
  informer.start();
  if (!informer.wait_for_sync(300s)) {
    std::cerr << "informer did not sync\n";
    return 1;
  }
  const double sync_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const long rss_after = rss_kib();
  malloc_trim(0);  // hand freed list buffers back, so the second figure is what the cache keeps
  const long rss_trimmed = rss_kib();
  const auto per_1000 = [&](long after) { return (after - rss_before) * 1000.0 / std::max(1, objects) / 1024.0; };
  std::cout << "objects " << informer.cache().size() << " ConfigMaps\n";
  std::cout << "sync_time " << sync_s << " s\n";
  std::cout << "cache_memory_per_1000 " << per_1000(rss_after) << " MiB (RSS growth at sync), " << per_1000(rss_trimmed)
            << " MiB after malloc_trim\n";

  // Watch throughput: updates from 8 writer threads; rate = updates applied to the cache per second.
  const auto w0 = std::chrono::steady_clock::now();
  parallel(updates, 8, [&](int i) {
    client.patch(resources::kConfigMaps, ns, "cm-" + std::to_string(i % objects), PatchType::Merge,
                 {{"data", {{"n", std::to_string(i)}}}});
  });
  const double write_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (applied.load() < updates && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
  const double total_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  std::cout << "watch_events_applied " << applied.load() << " events\n";
  std::cout << "watch_events_per_second " << applied.load() / total_s << " events/s (apiserver accepted writes at "
            << updates / write_s << "/s)\n";
  informer.stop();
  client.remove(resources::kNamespaces, "", ns);
  return 0;
}
