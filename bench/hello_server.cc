// bench_hello_server: the "ceiling" peer for bench/http_bench.sh.
//
// A minimal Boost.Beast HTTP/1.1 server with the same ingredients as `stm serve`
// (Asio io_context run by N threads, one C++20 coroutine per connection,
// keep-alive) but no routing, no auth, no database and no logging. Every request,
// whatever its method or target, gets `200 {"status":"ok"}` as application/json.
// What `stm serve` achieves relative to this server is the figure of merit.
//
// Usage: bench_hello_server --listen 127.0.0.1:PORT [--threads N]
// Prints "listening on HOST:PORT" (the bound port, so PORT 0 works) and flushes.
// Exits 0 on SIGINT/SIGTERM.

// Boost 1.74's asio/awaitable.hpp uses std::exchange without including <utility>,
// so <utility> must come first; keep clang-format's include regrouping away from it.
// clang-format off
#include <utility>
// clang-format on

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <csignal>
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::string_view kBody = R"({"status":"ok"})";

void usage(const char* argv0) { std::cerr << "usage: " << argv0 << " --listen HOST:PORT [--threads N]\n"; }

bool parse_uint(std::string_view s, unsigned& out) {
  const char* first = s.data();
  const char* last = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  return ec == std::errc{} && ptr == last && !s.empty();
}

asio::awaitable<void> session(tcp::socket socket) {
  beast::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // best effort
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    co_await http::async_read(socket, buffer, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // end_of_stream, reset, parse error: drop the connection

    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::server, "bench_hello_server");
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = kBody;
    res.prepare_payload();

    co_await http::async_write(socket, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

asio::awaitable<void> listener(tcp::acceptor& acceptor) {
  for (;;) {
    beast::error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. EMFILE or ECONNABORTED: keep accepting
    auto exec = socket.get_executor();
    asio::co_spawn(exec, session(std::move(socket)), asio::detached);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen;
  unsigned threads = std::thread::hardware_concurrency();
  if (threads == 0) threads = 1;

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if ((arg == "--listen" || arg == "--threads") && i + 1 >= argc) {
      std::cerr << "missing value for " << arg << "\n";
      usage(argv[0]);
      return 2;
    }
    if (arg == "--listen") {
      listen = argv[++i];
    } else if (arg == "--threads") {
      if (!parse_uint(argv[++i], threads) || threads == 0 || threads > 1024) {
        std::cerr << "invalid --threads value: " << argv[i] << "\n";
        return 2;
      }
    } else if (arg == "-h" || arg == "--help") {
      usage(argv[0]);
      return 0;
    } else {
      std::cerr << "unknown argument: " << arg << "\n";
      usage(argv[0]);
      return 2;
    }
  }
  if (listen.empty()) {
    usage(argv[0]);
    return 2;
  }

  const auto colon = listen.rfind(':');
  unsigned port = 0;
  if (colon == std::string::npos || !parse_uint(std::string_view(listen).substr(colon + 1), port) ||
      port > 65535) {
    std::cerr << "invalid --listen value (want HOST:PORT): " << listen << "\n";
    return 2;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);

  try {
    beast::error_code ec;
    const auto address = asio::ip::make_address(host, ec);
    if (ec) {
      std::cerr << "invalid listen address: " << host << "\n";
      return 2;
    }

    asio::io_context ioc{static_cast<int>(threads)};
    tcp::acceptor acceptor{ioc};
    const tcp::endpoint endpoint{address, static_cast<unsigned short>(port)};
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(asio::socket_base::max_listen_connections);

    const auto bound = acceptor.local_endpoint();
    std::cout << "listening on " << (bound.address().is_v6() ? "[" : "") << bound.address().to_string()
              << (bound.address().is_v6() ? "]" : "") << ":" << bound.port() << std::endl;  // flushes

    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    signals.async_wait([&](const beast::error_code&, int) {
      beast::error_code ignored;
      acceptor.close(ignored);
      ioc.stop();
    });

    asio::co_spawn(ioc, listener(acceptor), asio::detached);

    std::vector<std::thread> pool;
    pool.reserve(threads - 1);
    for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&ioc] { ioc.run(); });
    ioc.run();
    for (auto& t : pool) t.join();
  } catch (const std::exception& e) {
    std::cerr << "bench_hello_server: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
