// SIGTERM semantics at the server level: stop accepting, finish what is in flight.
#include <atomic>
#include <future>
#include <thread>

#include "http/server.h"
#include "test_server.h"

namespace stm::testing {
namespace {

TEST(GracefulShutdown, InFlightRequestCompletesAndNewConnectionsAreRefused) {
  http::Router router;
  std::atomic<bool> entered{false};
  router.Add(http::Method::kGet, "/slow", [&](http::Request&) {
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    return http::Response::Json(200, {{"done", true}});
  });
  http::ServerOptions options;
  options.port = 0;
  options.threads = 2;
  options.access_log = false;
  http::Server server(options, router);
  ASSERT_TRUE(server.Start().ok());
  uint16_t port = server.port();

  auto slow = std::async(std::launch::async, [port] {
    HttpClient client(port);
    return client.Get("/slow");
  });
  while (!entered) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(server.in_flight(), 1);

  auto stopper = std::async(std::launch::async, [&] { server.Shutdown(std::chrono::seconds(5)); });
  auto result = slow.get();
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.json()["done"], true);
  // The response to an in-flight request during shutdown closes the connection.
  EXPECT_EQ(result.header("connection"), "close");
  stopper.get();
  server.Wait();

  HttpClient late(port);
  EXPECT_ANY_THROW(late.Get("/slow"));
}

TEST(GracefulShutdown, HandlerExceptionBecomes500ProblemAndServerContinues) {
  http::Router router;
  router.Add(http::Method::kGet, "/boom",
             [](http::Request&) -> http::Response { throw std::runtime_error("bug"); });
  router.Add(http::Method::kGet, "/ok", [](http::Request&) {
    return http::Response::Json(200, {{"ok", true}});
  });
  http::ServerOptions options;
  options.port = 0;
  options.threads = 1;
  options.access_log = false;
  http::Server server(options, router);
  ASSERT_TRUE(server.Start().ok());
  HttpClient client(server.port());
  auto r = client.Get("/boom");
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.header("content-type"), "application/problem+json");
  EXPECT_EQ(r.json()["type"], "urn:stm:problem:internal");
  // Internal details are not leaked to the client.
  EXPECT_EQ(r.body.find("bug"), std::string::npos);
  EXPECT_EQ(client.Get("/ok").status, 200);
  server.Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace stm::testing
