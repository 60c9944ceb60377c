// HTTP/1.1 server on Boost.Beast with Asio C++20 coroutines.
//
// Handlers run synchronously on the I/O threads (they are short, and the store serialises writes
// anyway), so a blocking handler holds one of `threads` workers. Every error response is problem+json.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "http/router.h"

namespace stm::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;  // 0 picks a free port; see Server::port()
  int threads = 0;       // 0 = hardware concurrency
  uint64_t max_body_bytes = 1 << 20;
  uint32_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds read_timeout{15000};
  std::chrono::milliseconds write_timeout{15000};
  std::chrono::milliseconds idle_timeout{60000};
  int max_connections = 1024;
  bool access_log = true;
};

// Parses "host:port" (IPv4, [IPv6] or a name) into options.host/port.
Status ParseListen(std::string_view listen, ServerOptions* options);

class Server {
 public:
  // `router` must outlive the server and is only read after Start.
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads; returns once the port is listening.
  Status Start();
  uint16_t port() const { return port_; }
  // Graceful stop: stop accepting, let in-flight requests finish (at most `grace`), close connections,
  // join the threads. Safe to call from any thread except an I/O thread; idempotent.
  void Shutdown(std::chrono::milliseconds grace);
  // Blocks until Shutdown has completed.
  void Wait();

  int64_t in_flight() const { return in_flight_.load(); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  ServerOptions options_;
  const Router& router_;
  uint16_t port_ = 0;
  std::atomic<int64_t> in_flight_{0};
  std::atomic<int> connections_{0};
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
  friend struct ServerAccess;
};

}  // namespace stm::http
