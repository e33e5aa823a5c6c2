// HTTP/1.1 server on Boost.Beast: one io_context, N worker threads, one strand per connection. Handlers
// may answer from other threads (AsyncHandler); the response is then written on the connection's strand.
//
// Timeouts (slow clients hold only a socket, never a worker):
//   - a new connection must deliver its whole request head within header_timeout;
//   - an idle keep-alive connection is closed after idle_timeout without a first byte of the next request,
//     and from that first byte the head must be complete within header_timeout (a fixed deadline, so
//     dripping bytes cannot extend it);
//   - the body must arrive, and the response be written, within body_timeout.
#include "po/common/http_server.hpp"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace po::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

std::string_view Request::header(std::string_view lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string_view{} : std::string_view{it->second};
}

Response json_error(int status, std::string_view code, std::string_view message, std::string_view request_id) {
  nlohmann::json body = {{"error", {{"code", code}, {"message", message}, {"requestId", request_id}}}};
  Response r;
  r.status = status;
  // Replace invalid UTF-8 rather than throwing: messages may quote client input.
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  for (int half = 0; half < 2; ++half) {
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i, v >>= 4) id[half * 16 + i] = kHex[v & 0xf];
  }
  return id;
}

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
           c == '.' || c == ':';
  });
}

namespace {

// State shared by the server and its connections; connections hold it by shared_ptr so that it
// outlives every handler still queued in the io_context.
struct Shared {
  ServerOptions options;
  AsyncHandler handler;
  std::atomic<bool> stopping{false};
  std::atomic<bool> closing{false};  // close_after_responses(): no more keep-alive

  std::mutex mutex;                 // guards active and connections
  std::condition_variable drained;  // signalled when active drops to zero
  std::size_t active = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> connections;  // id -> "close if idle" (posted)
  std::uint64_t next_id = 0;

  std::atomic<std::size_t> inflight_body_bytes{0};  // request bodies between head and response, then responses being written

  // Reserves bytes of the body budget; false when they do not fit.
  bool reserve_body(std::size_t bytes) {
    if (options.max_inflight_body_bytes == 0 || bytes == 0) return true;
    std::size_t current = inflight_body_bytes.load();
    do {
      if (bytes > options.max_inflight_body_bytes || current > options.max_inflight_body_bytes - bytes) return false;
    } while (!inflight_body_bytes.compare_exchange_weak(current, current + bytes));
    return true;
  }
  // A response is charged when it is written, whether it fits or not (the work is done): while the
  // responses being written fill the budget, new request bodies are refused instead.
  std::size_t charge_response(std::size_t bytes) {
    if (options.max_inflight_body_bytes == 0) return 0;
    inflight_body_bytes += bytes;
    return bytes;
  }
  void release_body(std::size_t bytes) {
    if (options.max_inflight_body_bytes != 0 && bytes != 0) inflight_body_bytes -= bytes;
  }
  bool at_connection_cap() {
    if (options.max_connections == 0) return false;
    std::scoped_lock lock(mutex);
    return active >= options.max_connections;
  }
};

// Past the connection cap: a fixed 503 and close, without reading the request.
void refuse_connection(tcp::socket socket) {
  static const std::string kResponse = [] {
    const std::string body =
        R"({"error":{"code":"overloaded","message":"too many open connections; try again shortly","requestId":""}})";
    return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\n"
           "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  }();
  auto s = std::make_shared<tcp::socket>(std::move(socket));
  net::async_write(*s, net::buffer(kResponse), [s](beast::error_code, std::size_t) {
    boost::system::error_code ec;
    s->shutdown(tcp::socket::shutdown_send, ec);
    s->close(ec);
  });
}

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    boost::system::error_code ec;
    const auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~Connection() {
    shared_->release_body(reserved_body_);
    std::scoped_lock lock(shared_->mutex);
    shared_->connections.erase(id_);
    if (--shared_->active == 0) shared_->drained.notify_all();
  }

  void start() {
    {
      std::scoped_lock lock(shared_->mutex);
      id_ = shared_->next_id++;
      ++shared_->active;
      std::weak_ptr<Connection> weak = shared_from_this();
      shared_->connections.emplace(id_, [weak] {
        if (auto self = weak.lock()) {
          net::post(self->stream_.get_executor(), [self] { self->close_if_idle(); });
        }
      });
    }
    // The first request's head must be complete within header_timeout of the accept.
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->await_request(true); });
  }

 private:
  enum class Phase { Idle, Reading, Handling, Writing };

  void close_if_idle() {
    if (phase_ == Phase::Idle) {
      boost::system::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream_.socket().close(ec);
    }
  }

  // Waits for the first byte of a request: on a new connection the head deadline starts at the accept;
  // on a keep-alive connection the idle deadline applies until the first byte, then the head deadline.
  void await_request(bool first) {
    if (shared_->stopping && !first) return close();
    if (buffer_.size() > 0) {  // pipelined bytes already buffered
      stream_.expires_after(shared_->options.header_timeout);
      return read_head();
    }
    phase_ = Phase::Idle;
    stream_.expires_after(first ? shared_->options.header_timeout : shared_->options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this(), first](beast::error_code ec, std::size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              if (!first) self->stream_.expires_after(self->shared_->options.header_timeout);
                              self->read_head();
                            });
  }

  void read_head() {
    phase_ = Phase::Reading;
    parser_.emplace();
    parser_->header_limit(16 * 1024);
    parser_->body_limit(shared_->options.body_limit);
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_head(ec);
    });
  }

  void on_head(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    take_request_id();
    keep_alive_ = req.keep_alive();

    const auto length = parser_->content_length();
    if (length && *length > shared_->options.body_limit) return reject_too_large();
    const std::size_t body_bytes = length ? static_cast<std::size_t>(*length) : req.chunked() ? shared_->options.body_limit : 0;
    if (!shared_->reserve_body(body_bytes)) {
      keep_alive_ = false;  // the unread body makes the connection unusable
      auto res = json_error(503, "overloaded", "the server holds too many request bodies; try again shortly", id_or_new());
      res.headers["Retry-After"] = "1";
      return respond(std::move(res));
    }
    reserved_body_ = body_bytes;
    stream_.expires_after(shared_->options.body_timeout);
    if (parser_->is_done()) return handle();
    if (beast::iequals(req[bhttp::field::expect], "100-continue")) {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      net::async_write(stream_, net::buffer(*cont), [self = shared_from_this(), cont](beast::error_code wec, std::size_t) {
        if (wec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->handle();
    });
  }

  void take_request_id() {
    request_id_ = std::string(parser_->get()["X-Request-Id"]);
    if (!valid_request_id(request_id_)) request_id_ = new_request_id();
  }

  void on_read_error(beast::error_code ec) {
    // Beast reports an oversized Content-Length while parsing the head; echo the id if it came before.
    if (request_id_.empty() && parser_) take_request_id();
    if (ec == bhttp::error::body_limit) return reject_too_large();
    if (ec == bhttp::error::header_limit) {
      keep_alive_ = false;
      return respond(json_error(431, "headers_too_large", "request headers exceed 16 KiB", id_or_new()));
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset || ec == net::error::bad_descriptor) {
      return close();
    }
    if (ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category()) {
      keep_alive_ = false;  // the stream is out of sync after a parse error
      return respond(json_error(400, "bad_request", "malformed HTTP request: " + ec.message(), id_or_new()));
    }
    close();
  }

  std::string id_or_new() {
    if (request_id_.empty()) request_id_ = new_request_id();
    return request_id_;
  }

  void reject_too_large() {
    keep_alive_ = false;  // the unread body makes the connection unusable
    respond(json_error(413, "payload_too_large",
                       "request body exceeds the limit of " + std::to_string(shared_->options.body_limit) + " bytes",
                       id_or_new()));
  }

  void handle() {
    phase_ = Phase::Handling;
    auto message = parser_->release();
    parser_.reset();
    Request req;
    req.method = std::string(message.method_string());
    req.target = std::string(message.target());
    const auto q = req.target.find('?');
    req.path = req.target.substr(0, q);
    if (q != std::string::npos) req.query = req.target.substr(q + 1);
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      auto [it, inserted] = req.headers.emplace(std::move(name), std::string(field.value()));
      if (!inserted) it->second.append(", ").append(field.value().data(), field.value().size());
    }
    req.body = std::move(message.body());
    req.remote_address = remote_;
    req.request_id = request_id_;
    head_request_ = req.method == "HEAD";

    auto completion = std::make_shared<Completion>(shared_from_this());
    try {
      shared_->handler(std::move(req), [completion](Response res) { completion->complete(std::move(res)); });
    } catch (const std::exception& e) {
      spdlog::error("request {} failed: {}", request_id_, e.what());
      completion->complete(json_error(500, "internal", "internal server error", request_id_));
    } catch (...) {
      spdlog::error("request {} failed with a non-standard exception", request_id_);
      completion->complete(json_error(500, "internal", "internal server error", request_id_));
    }
  }

  // The one answer to a request in the Handling phase, from whichever thread produces it: the response
  // is written on the connection's strand. Destroyed unanswered (a handler lost its responder): 500.
  class Completion {
   public:
    explicit Completion(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}
    Completion(const Completion&) = delete;
    Completion& operator=(const Completion&) = delete;
    ~Completion() {
      if (!answered_.load()) {
        spdlog::error("request {}: the handler dropped its responder without answering", conn_->request_id_);
        complete(json_error(500, "internal", "internal server error", conn_->request_id_));
      }
    }
    void complete(Response res) {
      if (answered_.exchange(true)) return;
      net::dispatch(conn_->stream_.get_executor(),
                    [conn = conn_, res = std::move(res)]() mutable { conn->respond(std::move(res)); });
    }

   private:
    std::shared_ptr<Connection> conn_;
    std::atomic<bool> answered_{false};
  };

  void respond(Response res) {
    phase_ = Phase::Writing;
    shared_->release_body(std::exchange(reserved_body_, 0));   // the handler is done with the body
    reserved_body_ = shared_->charge_response(res.body.size());
    if (shared_->stopping || shared_->closing) keep_alive_ = false;
    auto msg = std::make_shared<bhttp::response<bhttp::string_body>>();
    msg->version(11);
    msg->result(static_cast<unsigned>(res.status));
    if (!res.content_type.empty()) msg->set(bhttp::field::content_type, res.content_type);
    for (const auto& [name, value] : res.headers) msg->set(name, value);
    msg->set("X-Request-Id", request_id_);
    msg->keep_alive(keep_alive_);
    msg->body() = std::move(res.body);
    msg->prepare_payload();
    stream_.expires_after(shared_->options.body_timeout);
    auto write_done = [self = shared_from_this(), msg](beast::error_code ec, std::size_t) {
      self->shared_->release_body(std::exchange(self->reserved_body_, 0));
      if (ec) return self->close();
      if (!self->keep_alive_) return self->linger_close();
      self->request_id_.clear();
      self->await_request(false);
    };
    if (head_request_) {
      head_request_ = false;
      auto sr = std::make_shared<bhttp::response_serializer<bhttp::string_body>>(*msg);
      bhttp::async_write_header(stream_, *sr, [sr, done = std::move(write_done)](beast::error_code ec, std::size_t n) {
        done(ec, n);
      });
      return;
    }
    bhttp::async_write(stream_, *msg, std::move(write_done));
  }

  // After the last response: send FIN, then discard what the client is still sending for a short while,
  // so that closing with unread data (which makes the kernel send RST) cannot destroy the response in flight.
  void linger_close() {
    phase_ = Phase::Idle;
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    stream_.expires_after(std::chrono::seconds(2));
    drain_input();
  }

  void drain_input() {
    buffer_.clear();
    stream_.async_read_some(buffer_.prepare(65536), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain_input();
    });
  }

  void close() {
    phase_ = Phase::Idle;
    boost::system::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  std::string request_id_;
  bool keep_alive_ = false;
  bool head_request_ = false;
  Phase phase_ = Phase::Reading;  // only touched on the connection's strand
  std::size_t reserved_body_ = 0;  // of Shared::inflight_body_bytes; only touched on the strand
  std::uint64_t id_ = 0;
};

}  // namespace

struct HttpServer::Impl {
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
  net::io_context ioc;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::uint16_t port = 0;
  std::mutex lifecycle;  // serialises start/stop
  bool running = false;

  void accept() {
    acceptor->async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted || !acceptor->is_open()) return;
      if (!ec && shared->at_connection_cap()) {
        refuse_connection(std::move(socket));
      } else if (!ec) {
        boost::system::error_code opt_ec;
        socket.set_option(tcp::no_delay(true), opt_ec);
        std::make_shared<Connection>(std::move(socket), shared)->start();
      } else {
        spdlog::warn("http accept failed: {}", ec.message());
      }
      accept();
    });
  }
};

HttpServer::HttpServer(ServerOptions options, AsyncHandler handler) : impl_(std::make_unique<Impl>()) {
  impl_->shared->options = std::move(options);
  impl_->shared->handler = std::move(handler);
}

HttpServer::HttpServer(ServerOptions options, Handler handler)
    : HttpServer(std::move(options), [handler = std::move(handler)](Request req, Responder done) {
        Response res;
        try {
          res = handler(req);
        } catch (const std::exception& e) {
          spdlog::error("request {} {} {} failed: {}", req.request_id, req.method, req.path, e.what());
          res = json_error(500, "internal", "internal server error", req.request_id);
        } catch (...) {
          spdlog::error("request {} {} {} failed with a non-standard exception", req.request_id, req.method, req.path);
          res = json_error(500, "internal", "internal server error", req.request_id);
        }
        done(std::move(res));
      }) {}

HttpServer::~HttpServer() { stop(); }

void HttpServer::start() {
  std::scoped_lock lock(impl_->lifecycle);
  if (impl_->running) return;
  const auto& opts = impl_->shared->options;
  const auto address = net::ip::make_address(opts.address);
  tcp::endpoint endpoint{address, opts.port};
  auto& acceptor = impl_->acceptor.emplace(impl_->ioc);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(net::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen(net::socket_base::max_listen_connections);
  impl_->port = acceptor.local_endpoint().port();
  impl_->shared->stopping = false;
  impl_->shared->closing = false;
  impl_->ioc.restart();
  impl_->accept();
  unsigned n = opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) impl_->threads.emplace_back([this] { impl_->ioc.run(); });
  impl_->running = true;
}

void HttpServer::close_after_responses() { impl_->shared->closing = true; }

void HttpServer::stop() {
  std::scoped_lock lock(impl_->lifecycle);
  if (!impl_->running) return;
  auto& shared = *impl_->shared;
  shared.stopping = true;
  net::post(impl_->ioc, [this] {
    boost::system::error_code ec;
    impl_->acceptor->close(ec);
  });
  std::vector<std::function<void()>> closers;
  {
    std::scoped_lock lk(shared.mutex);
    for (auto& [id, close_if_idle] : shared.connections) closers.push_back(close_if_idle);
  }
  for (auto& close_if_idle : closers) close_if_idle();
  {
    std::unique_lock lk(shared.mutex);
    if (!shared.drained.wait_for(lk, shared.options.drain_timeout, [&] { return shared.active == 0; })) {
      spdlog::warn("http server: {} connection(s) still open after the drain timeout", shared.active);
    }
  }
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->acceptor.reset();
  impl_->running = false;
}

std::uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace po::http
