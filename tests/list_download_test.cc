// Official-source downloads against a local HTTP server: a good file is imported; a truncated one is
// rejected and the previous version stays current.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "http/server.h"
#include "screening/download.h"
#include "screening/list_store.h"
#include "store/migrate.h"
#include "store/sqlite_db.h"
#include "test_server.h"

namespace stm::testing {
namespace {

std::string FindDataDir() {
  if (const char* env = std::getenv("STM_DATA_DIR")) return env;
  for (auto p = std::filesystem::current_path(); !p.empty(); p = p.parent_path()) {
    if (std::filesystem::is_directory(p / ".." / "shared" / "data")) return (p / ".." / "shared" / "data").string();
    if (p == p.parent_path()) break;
  }
  return "";
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Answers one connection with a Content-Length larger than the body it sends, then closes.
class LyingServer {
 public:
  explicit LyingServer(std::string body) : acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this, body = std::move(body)] {
      boost::system::error_code ec;
      auto sock = acceptor_.accept(ec);
      if (ec) return;
      char buf[4096];
      sock.read_some(boost::asio::buffer(buf), ec);
      std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: " +
                         std::to_string(body.size() * 2) + "\r\nConnection: close\r\n\r\n";
      boost::asio::write(sock, boost::asio::buffer(head + body), ec);
      sock.close(ec);
    });
  }
  ~LyingServer() { thread_.join(); }
  uint16_t port() const { return port_; }

 private:
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_;
  std::thread thread_;
};

TEST(ListSourcesTest, Parse) {
  auto ok = screening::ParseListSources("un=https://example.invalid/consolidated.xml,ofac_sdn=http://h/sdn.csv");
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->size(), 2u);
  EXPECT_EQ((*ok)[0].first, "un");
  EXPECT_FALSE(screening::ParseListSources("un").ok());
  EXPECT_FALSE(screening::ParseListSources("un=ftp://x/y").ok());
}

TEST(ListDownloadTest, GoodDownloadImportsTruncatedOneKeepsThePreviousVersion) {
  std::string data = FindDataDir();
  if (data.empty()) GTEST_SKIP() << "shared/data not found";
  std::string xml = Slurp(data + "/sanctions/un/UN_consolidated_2026-02-27.xml");
  ASSERT_GT(xml.size(), 1000u);

  http::Router router;
  router.Add(http::Method::kGet, "/consolidated.xml", [&](http::Request&) {
    http::Response r;
    r.content_type = "application/xml";
    r.body = xml;
    return r;
  });
  router.Add(http::Method::kGet, "/half/consolidated.xml", [&](http::Request&) {
    http::Response r;
    r.content_type = "application/xml";
    r.body = xml.substr(0, xml.size() / 2);  // a cut-off file served "successfully"
    return r;
  });
  http::ServerOptions so;
  so.port = 0;
  so.threads = 1;
  so.access_log = false;
  http::Server server(so, router);
  ASSERT_TRUE(server.Start().ok());
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());

  TempDir dir;
  auto db = store::SqliteDatabase::Open({.path = dir.File("t.db")});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(store::Migrate(**db, store::ProjectMigrations("sqlite"), SystemClock::Instance()).ok());
  screening::ListStore lists(**db, SystemClock::Instance());
  auto fetcher = screening::MakeCurlFetcher();

  auto good = screening::DownloadList(*fetcher, base + "/consolidated.xml");
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_EQ(good->size(), 1u);
  EXPECT_EQ(good->front().report.list, "un");
  size_t count = good->front().entities.size();
  ASSERT_TRUE(lists.SaveVersion({"test", "-"}, std::move(good->front()), base).ok());

  auto half = screening::DownloadList(*fetcher, base + "/half/consolidated.xml");
  EXPECT_FALSE(half.ok());
  {
    LyingServer liar(xml.substr(0, 5000));
    auto cut = screening::DownloadList(*fetcher, "http://127.0.0.1:" + std::to_string(liar.port()) + "/consolidated.xml");
    ASSERT_FALSE(cut.ok());
    EXPECT_NE(cut.status().message().find("truncated"), std::string::npos) << cut.status().ToString();
  }
  auto missing = screening::DownloadList(*fetcher, base + "/nope.xml");
  EXPECT_FALSE(missing.ok());

  auto current = lists.Current();
  ASSERT_TRUE(current.ok());
  ASSERT_EQ(current->size(), 1u);
  EXPECT_EQ(current->front().entity_count, static_cast<int64_t>(count));
  server.Shutdown(std::chrono::seconds(1));
}

}  // namespace
}  // namespace stm::testing
