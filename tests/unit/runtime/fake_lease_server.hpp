// A stand-in API server over real HTTP on 127.0.0.1 for the leader-election tests: it serves one
// coordination.k8s.io/v1 Lease (get, create, update with resourceVersion conflicts) the way the API server
// does, and can be switched to hang every request (a stalled server or network) or to answer 429 with a
// Retry-After (API priority and fairness shedding load). Every other path answers 500, so an informer
// started against it never syncs. Requests go through the real kube::Client, timeouts and retries included.
#pragma once
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "po/common/http_server.hpp"
#include "po/kube/config.hpp"

namespace po::runtime::testing {

class FakeLeaseServer {
 public:
  enum class Mode { Serve, Stall, TooManyRequests };
  using Clock = std::chrono::steady_clock;

  FakeLeaseServer(std::string ns, std::string name) : ns_(std::move(ns)), name_(std::move(name)) {
    po::http::ServerOptions o;
    o.port = 0;
    o.threads = 2;
    o.drain_timeout = std::chrono::milliseconds(200);
    server_ = std::make_unique<po::http::HttpServer>(
        o, [this](po::http::Request req, po::http::Responder respond) { handle(std::move(req), std::move(respond)); });
    server_->start();
  }
  ~FakeLeaseServer() {
    release_stalled();
    server_->stop();
  }
  FakeLeaseServer(const FakeLeaseServer&) = delete;
  FakeLeaseServer& operator=(const FakeLeaseServer&) = delete;

  po::kube::Config config() const {
    po::kube::Config c;
    c.server = "http://127.0.0.1:" + std::to_string(server_->port());
    c.namespace_ = ns_;
    return c;
  }
  void set_mode(Mode mode) {
    std::scoped_lock lock(mu_);
    mode_ = mode;
  }
  // Answers the requests held by Stall (503) so that nothing waits on them any more.
  void release_stalled() {
    std::vector<po::http::Responder> held;
    {
      std::scoped_lock lock(mu_);
      held.swap(stalled_);
    }
    for (auto& r : held) r(status(503, "ServiceUnavailable"));
  }
  // Another candidate holds the lease now (it saw ours expire, e.g. after we were cut off for too long).
  void steal(const std::string& holder) {
    std::scoped_lock lock(mu_);
    lease_["spec"]["holderIdentity"] = holder;
    lease_["metadata"]["resourceVersion"] = std::to_string(++version_);
  }
  int renewals() const {
    std::scoped_lock lock(mu_);
    return renewals_;
  }
  Clock::time_point last_write() const {
    std::scoped_lock lock(mu_);
    return last_write_;
  }
  std::string holder() const {
    std::scoped_lock lock(mu_);
    return lease_.is_null() ? std::string() : lease_["spec"].value("holderIdentity", "");
  }

 private:
  static po::http::Response status(int code, const std::string& reason) {
    po::http::Response r;
    r.status = code;
    r.body = nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"status", "Failure"}, {"reason", reason},
                            {"code", code}}
                 .dump();
    return r;
  }
  static po::http::Response object(int code, const nlohmann::json& o) {
    po::http::Response r;
    r.status = code;
    r.body = o.dump();
    return r;
  }

  void handle(po::http::Request req, po::http::Responder respond) {
    std::unique_lock lock(mu_);
    if (mode_ == Mode::Stall) {
      stalled_.push_back(std::move(respond));
      return;
    }
    if (mode_ == Mode::TooManyRequests) {
      auto r = status(429, "TooManyRequests");
      r.headers["Retry-After"] = "10";
      lock.unlock();
      respond(std::move(r));
      return;
    }
    const std::string collection = "/apis/coordination.k8s.io/v1/namespaces/" + ns_ + "/leases";
    const std::string item = collection + "/" + name_;
    po::http::Response r = status(500, "InternalError");
    if (req.path == item && req.method == "GET") {
      r = lease_.is_null() ? status(404, "NotFound") : object(200, lease_);
    } else if (req.path == collection && req.method == "POST") {
      if (!lease_.is_null()) {
        r = status(409, "AlreadyExists");
      } else {
        lease_ = nlohmann::json::parse(req.body);
        lease_["metadata"]["resourceVersion"] = std::to_string(++version_);
        last_write_ = Clock::now();
        r = object(201, lease_);
      }
    } else if (req.path == item && req.method == "PUT") {
      auto sent = nlohmann::json::parse(req.body);
      if (lease_.is_null()) {
        r = status(404, "NotFound");
      } else if (sent["metadata"].value("resourceVersion", "") != lease_["metadata"].value("resourceVersion", "")) {
        r = status(409, "Conflict");
      } else {
        lease_ = std::move(sent);
        lease_["metadata"]["resourceVersion"] = std::to_string(++version_);
        ++renewals_;
        last_write_ = Clock::now();
        r = object(200, lease_);
      }
    }
    lock.unlock();
    respond(std::move(r));
  }

  std::string ns_, name_;
  mutable std::mutex mu_;  // guards everything below
  Mode mode_ = Mode::Serve;
  nlohmann::json lease_;
  int version_ = 0;
  int renewals_ = 0;
  Clock::time_point last_write_{};
  std::vector<po::http::Responder> stalled_;
  std::unique_ptr<po::http::HttpServer> server_;  // last: stopped before the state it uses goes away
};

}  // namespace po::runtime::testing
