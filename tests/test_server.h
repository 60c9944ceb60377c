// Integration-test support: the real server on an ephemeral port, and a small HTTP client.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api/app.h"
#include "common/crypto.h"

namespace stm::testing {

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() / ("stm-test-" + HexEncode(RandomBytes(6)));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  nlohmann::json json() const { return nlohmann::json::parse(body, nullptr, false); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// One keep-alive connection to 127.0.0.1:port. Not thread-safe.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : port_(port) {}

  HttpResult Send(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) {
    namespace http = boost::beast::http;
    Connect();
    http::request<http::string_body> req{http::string_to_verb(method), target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(true);
    http::write(*stream_, req);
    return ReadResponse(method == "HEAD");
  }

  HttpResult Json(const std::string& method, const std::string& target, const nlohmann::json& body,
                  const std::string& token = "") {
    std::map<std::string, std::string> h;
    if (!token.empty()) h["Authorization"] = "Bearer " + token;
    return Send(method, target, body.is_null() ? "" : body.dump(), h);
  }
  HttpResult Get(const std::string& target, const std::string& token = "") {
    return Json("GET", target, nullptr, token);
  }

  // Writes raw bytes on a new connection and reads one response (for malformed requests).
  HttpResult Raw(const std::string& bytes) {
    Close();
    Connect();
    boost::asio::write(stream_->socket(), boost::asio::buffer(bytes));
    return ReadResponse(false);
  }

  void Close() {
    if (stream_) {
      boost::beast::error_code ec;
      stream_->socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      stream_.reset();
    }
    buffer_.clear();
  }

 private:
  void Connect() {
    if (stream_) return;
    stream_ = std::make_unique<boost::beast::tcp_stream>(ioc_);
    stream_->connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port_));
  }

  HttpResult ReadResponse(bool head) {
    namespace http = boost::beast::http;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    parser.skip(head);
    http::read(*stream_, buffer_, parser);
    auto& res = parser.get();
    HttpResult out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) {
      std::string name(f.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.headers[name] = std::string(f.value());
    }
    out.body = res.body();
    if (!res.keep_alive()) Close();
    return out;
  }

  uint16_t port_;
  boost::asio::io_context ioc_;
  std::unique_ptr<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

constexpr char kAdminPassword[] = "admin-password-for-tests";

// Starts the real server on an ephemeral port with a fresh database and an administrator.
class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  // `configure` may adjust the configuration; `db` replaces the store (already migrated).
  void StartServer(std::function<void(Config&)> configure, std::unique_ptr<store::Database> db = nullptr) {
    app_.reset();
    Config cfg;
    cfg.db = dir_.File("stm.db");
    cfg.listen = "127.0.0.1:0";
    cfg.threads = 2;
    cfg.access_log = "off";
    cfg.max_body_bytes = 64 * 1024;
    cfg.shutdown_grace_ms = 5000;
    if (configure) configure(cfg);
    api::AppOptions options{.config = cfg};
    options.hash_params = auth::PasswordHashParams::Minimum();
    options.db = std::move(db);
    auto app = api::App::Open(std::move(options));
    ASSERT_TRUE(app.ok()) << app.status().ToString();
    app_ = std::move(app).value();
    auto admin = app_->BootstrapAdmin(std::string(kAdminPassword));
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    ASSERT_TRUE(app_->Start().ok());
    client_ = std::make_unique<HttpClient>(app_->port());
  }

  void TearDown() override {
    client_.reset();
    app_.reset();
  }

  std::string Login(const std::string& user, const std::string& password) {
    auto r = client_->Json("POST", "/v1/auth/login", {{"username", user}, {"password", password}});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json().value("token", "");
  }
  std::string AdminToken() { return Login("admin", kAdminPassword); }

  int64_t CreateOrg(const std::string& token, const std::string& name, const std::string& kind) {
    auto r = client_->Json("POST", "/v1/organisations", {{"name", name}, {"kind", kind}}, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", int64_t{0});
  }
  int64_t CreateUser(const std::string& token, const std::string& username, const std::string& role,
                     std::optional<int64_t> org, const std::string& password) {
    nlohmann::json body = {{"username", username}, {"role", role}, {"password", password}};
    if (org) body["org_id"] = *org;
    auto r = client_->Json("POST", "/v1/users", body, token);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("id", int64_t{0});
  }

  TempDir dir_;
  std::unique_ptr<api::App> app_;
  std::unique_ptr<HttpClient> client_;
};

}  // namespace stm::testing
