#include "http/server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <condition_variable>
#include <mutex>

#include "common/crypto.h"
#include "common/log.h"

namespace stm::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

Status ParseListen(std::string_view listen, ServerOptions* options) {
  size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument(fmt::format("listen address '{}' must be host:port", listen));
  }
  std::string_view host = listen.substr(0, colon);
  std::string_view port = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return Status::InvalidArgument(fmt::format("listen port in '{}' must be 0-65535", listen));
  }
  options->host = std::string(host);
  options->port = static_cast<uint16_t>(value);
  return Status::Ok();
}

namespace {

Method ToMethod(bhttp::verb v) {
  switch (v) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

// Request ids: a random per-process prefix and a counter; cheap and unique across restarts.
std::string NewRequestId() {
  static const std::string prefix = HexEncode(RandomBytes(4));
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}-{:06x}", prefix, ++counter);
}

bool AcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
  }
  return true;
}

}  // namespace

// One io_context per thread, each run by its own thread: a connection stays on one thread for its
// life, so completions never hop threads (measurably cheaper than one shared context on 2 cores).
struct Server::Impl {
  explicit Impl(int threads) {
    for (int i = 0; i < threads; ++i) {
      contexts.push_back(std::make_unique<asio::io_context>(1));
      // Keeps run() going while a context has no connection yet.
      guards.push_back(asio::make_work_guard(*contexts.back()));
    }
  }
  asio::io_context& next_context() { return *contexts[next++ % contexts.size()]; }
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  size_t next = 0;  // only touched by the accept loop
  std::unique_ptr<tcp::acceptor> acceptor;
  std::mutex mu;
  std::condition_variable cv;
  bool stopped = false;  // Shutdown has begun
  bool done = false;     // Shutdown has finished
};

struct ServerAccess {
  static Response Dispatch(Server& s, Request& req) {
    Router::Match match = s.router_.Find(req);
    if (!match.handler) {
      if (match.path_known) {
        Response r = Problem(Status::InvalidArgument(fmt::format("method {} is not allowed on {}",
                                                                 MethodName(req.method), req.path)),
                             req.request_id);
        r.status = 405;
        std::string allow;
        for (const auto& m : match.allowed) allow += (allow.empty() ? "" : ", ") + m;
        r.headers.emplace_back("Allow", allow);
        return r;
      }
      return Problem(Status::NotFound(fmt::format("no route for {} {}", MethodName(req.method), req.path)),
                     req.request_id);
    }
    try {
      return (*match.handler)(req);
    } catch (const std::exception& e) {
      spdlog::error("unhandled exception in {} {}: {}", MethodName(req.method), req.path, e.what());
      return Problem(Status::Internal(e.what()), req.request_id);
    } catch (...) {
      spdlog::error("unhandled non-standard exception in {} {}", MethodName(req.method), req.path);
      return Problem(Status::Internal("unknown exception"), req.request_id);
    }
  }

  static bhttp::response<bhttp::string_body> ToBeast(const Response& r, unsigned version, bool keep_alive,
                                                     const std::string& request_id, bool head) {
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), version};
    res.set(bhttp::field::server, "stm/" STM_VERSION);
    if (!r.content_type.empty()) res.set(bhttp::field::content_type, r.content_type);
    res.set("X-Request-Id", request_id);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = r.body;
    res.prepare_payload();
    if (head) res.body().clear();
    return res;
  }

  // Writes a problem response for a request that could not be read, then closes gracefully.
  static asio::awaitable<void> RejectAndClose(Server& s, beast::tcp_stream& stream, int status,
                                              Status error) {
    std::string rid = NewRequestId();
    Response r = Problem(error, rid);
    r.status = status;
    auto res = ToBeast(r, 11, false, rid, false);
    stream.expires_after(s.options_.write_timeout);
    beast::error_code ec;
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (s.options_.access_log) {
      ScopedRequestId scoped(rid);
      spdlog::info("access status={} rejected=\"{}\"", status, error.message());
    }
    // Half-close and drain a bounded amount so the client reads the response instead of a reset.
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 16384> scratch;
    size_t drained = 0;
    while (!ec && drained < (8u << 20)) {
      drained += co_await stream.async_read_some(asio::buffer(scratch),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    stream.socket().close(ec);
  }

  static asio::awaitable<void> Session(Server& s, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::string remote;
    beast::error_code ec;
    auto ep = stream.socket().remote_endpoint(ec);
    if (!ec) remote = fmt::format("{}:{}", ep.address().to_string(), ep.port());

    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(s.options_.max_header_bytes);
      parser.body_limit(s.options_.max_body_bytes);
      if (buffer.size() == 0) {
        // Between requests a keep-alive connection may idle; once a request starts, the (shorter) read
        // deadline covers header and body together, so a slow sender cannot hold a connection.
        stream.expires_after(s.options_.idle_timeout);
        size_t n = co_await stream.async_read_some(buffer.prepare(4096), asio::redirect_error(asio::use_awaitable, ec));
        buffer.commit(n);
      }
      if (!ec) {
        stream.expires_after(s.options_.read_timeout);
        co_await bhttp::async_read_header(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (!ec && !parser.is_done()) {
        co_await bhttp::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
      }
      if (ec) {
        if (ec == bhttp::error::body_limit) {
          co_await RejectAndClose(
              s, stream, 413,
              Status::PayloadTooLarge(
                  fmt::format("request body exceeds the limit of {} bytes", s.options_.max_body_bytes)));
        } else if (ec == bhttp::error::header_limit) {
          co_await RejectAndClose(
              s, stream, 431,
              Status::InvalidArgument(
                  fmt::format("request headers exceed the limit of {} bytes", s.options_.max_header_bytes)));
        } else if (ec.category() == bhttp::make_error_code(bhttp::error::end_of_stream).category() &&
                   ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
          co_await RejectAndClose(
              s, stream, 400,
              Status::InvalidArgument(fmt::format("malformed HTTP request: {}", ec.message())));
        }
        break;  // end of stream, timeout, reset: nothing to answer
      }

      auto& breq = parser.get();
      s.in_flight_.fetch_add(1);
      auto started = std::chrono::steady_clock::now();
      Request req;
      req.method = ToMethod(breq.method());
      std::string_view target = breq.target();
      size_t qpos = target.find('?');
      bool path_ok = PercentDecode(target.substr(0, qpos), &req.path, false);
      if (qpos != std::string_view::npos) req.query = ParseQuery(target.substr(qpos + 1));
      for (const auto& field : breq) {
        std::string name(field.name_string());
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        req.headers.emplace_back(std::move(name), std::string(field.value()));
      }
      auto incoming = req.Header("x-request-id");
      req.request_id = incoming && AcceptableRequestId(*incoming) ? std::string(*incoming) : NewRequestId();
      req.remote = remote;
      req.body = std::move(breq.body());

      Response res;
      {
        ScopedRequestId scoped(req.request_id);
        if (!path_ok || req.path.empty() || req.path.front() != '/') {
          res = Problem(Status::InvalidArgument("request target is not a valid path"), req.request_id);
        } else {
          res = Dispatch(s, req);
        }
        if (s.options_.access_log) {
          auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                                          started);
          spdlog::info("access {} {} status={} bytes={} us={} remote={}", MethodName(req.method), req.path,
                       res.status, res.body.size(), us.count(), remote);
        }
      }
      bool keep_alive = breq.keep_alive() && !s.stopping_.load();
      auto bres = ToBeast(res, breq.version(), keep_alive, req.request_id, req.method == Method::kHead);
      stream.expires_after(s.options_.write_timeout);
      co_await bhttp::async_write(stream, bres, asio::redirect_error(asio::use_awaitable, ec));
      s.in_flight_.fetch_sub(1);
      if (ec || !keep_alive) break;
    }
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.socket().close(ec);
    s.connections_.fetch_sub(1);
  }

  static asio::awaitable<void> Listen(Server& s) {
    auto& acceptor = *s.impl_->acceptor;
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(s.impl_->next_context(),
                                                          asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open() || s.stopping_.load()) co_return;
        spdlog::warn("accept failed: {}", ec.message());
        // Typically out of file descriptors: pause briefly instead of spinning.
        asio::steady_timer t(acceptor.get_executor(), std::chrono::milliseconds(50));
        co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
        continue;
      }
      if (s.connections_.fetch_add(1) >= s.options_.max_connections) {
        s.connections_.fetch_sub(1);
        spdlog::warn("connection limit {} reached; refusing a connection", s.options_.max_connections);
        socket.close(ec);
        continue;
      }
      socket.set_option(tcp::no_delay(true), ec);
      auto executor = socket.get_executor();
      asio::co_spawn(executor, Session(s, std::move(socket)), asio::detached);
    }
  }
};

Server::Server(ServerOptions options, const Router& router) : options_(std::move(options)), router_(router) {
  if (options_.threads <= 0)
    options_.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  impl_ = std::make_unique<Impl>(options_.threads);
}

Server::~Server() { Shutdown(std::chrono::milliseconds(0)); }

Status Server::Start() {
  beast::error_code ec;
  auto address = asio::ip::make_address(options_.host, ec);
  if (ec) {
    tcp::resolver resolver(*impl_->contexts[0]);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty()) {
      return Status::InvalidArgument(
          fmt::format("cannot resolve listen host '{}': {}", options_.host, ec.message()));
    }
    address = results.begin()->endpoint().address();
  }
  tcp::endpoint endpoint(address, options_.port);
  auto acceptor = std::make_unique<tcp::acceptor>(*impl_->contexts[0]);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable(
        fmt::format("cannot listen on {}:{}: {}", options_.host, options_.port, ec.message()));
  }
  port_ = acceptor->local_endpoint().port();
  impl_->acceptor = std::move(acceptor);
  asio::co_spawn(*impl_->contexts[0], ServerAccess::Listen(*this), asio::detached);
  for (auto& ctx : impl_->contexts) {
    threads_.emplace_back([c = ctx.get()] { c->run(); });
  }
  return Status::Ok();
}

void Server::Shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
  }
  stopping_.store(true);
  if (impl_->acceptor) {
    // Close on the I/O context so it does not race the pending accept.
    asio::post(*impl_->contexts[0], [this] {
      beast::error_code ec;
      impl_->acceptor->close(ec);
    });
  }
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (in_flight_.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (in_flight_.load() > 0)
    spdlog::warn("shutdown: {} requests still in flight after grace period", in_flight_.load());
  for (auto& ctx : impl_->contexts) ctx->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  std::lock_guard lock(impl_->mu);
  impl_->done = true;
  impl_->cv.notify_all();
}

void Server::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->done; });
}

}  // namespace stm::http
