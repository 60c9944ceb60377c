#include "common/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

namespace stm {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

using EnvVars = std::map<std::string, std::string>;

// A fake environment for Config::LoadEnv.
class FakeEnv {
 public:
  explicit FakeEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  std::function<const char*(const char*)> Getter() {
    return [this](const char* name) -> const char* {
      lookups_.insert(name);
      auto it = vars_.find(name);
      return it == vars_.end() ? nullptr : it->second.c_str();
    };
  }
  const std::set<std::string>& lookups() const { return lookups_; }

 private:
  std::map<std::string, std::string> vars_;
  std::set<std::string> lookups_;
};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("stm_config_test_" + std::to_string(::getpid()) + "_" + info->name() +
                                        "_" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string WriteFile(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    std::ofstream(p) << content;
    return p.string();
  }

  fs::path dir_;
};

std::string EntryValue(const Config& c, const std::string& key) {
  for (const auto& [k, v] : c.Entries()) {
    if (k == key) return v;
  }
  ADD_FAILURE() << "no entry " << key;
  return "";
}

TEST_F(ConfigTest, Defaults) {
  Config c;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.db, "var/stm.db");
  EXPECT_EQ(c.data_dir, "");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_file, "-");
  EXPECT_EQ(c.access_log, "on");
  EXPECT_EQ(c.threads, 0);
  EXPECT_EQ(c.max_body_bytes, 1 << 20);
  EXPECT_EQ(c.max_header_bytes, 16 << 10);
  EXPECT_EQ(c.read_timeout_ms, 15000);
  EXPECT_EQ(c.write_timeout_ms, 15000);
  EXPECT_EQ(c.idle_timeout_ms, 60000);
  EXPECT_EQ(c.max_connections, 1024);
  EXPECT_EQ(c.token_ttl_minutes, 480);
  EXPECT_EQ(c.login_max_failures, 5);
  EXPECT_EQ(c.shutdown_grace_ms, 10000);
}

TEST_F(ConfigTest, KeysAndEntriesCoverEveryFieldOnce) {
  Config c;
  auto keys = Config::Keys();
  auto entries = c.Entries();
  ASSERT_EQ(keys.size(), entries.size());
  std::set<std::string> unique(keys.begin(), keys.end());
  EXPECT_EQ(unique.size(), keys.size());
  EXPECT_EQ(keys.size(), 22u);
  for (size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(entries[i].first, keys[i]);
  EXPECT_EQ(EntryValue(c, "listen"), "127.0.0.1:8080");
  EXPECT_EQ(EntryValue(c, "max_body_bytes"), "1048576");
  EXPECT_EQ(EntryValue(c, "token_ttl_minutes"), "480");
}

TEST_F(ConfigTest, EveryKeyCanBeSetAndIsReflectedInEntries) {
  Config c;
  for (const auto& key : Config::Keys()) {
    const std::string current = EntryValue(c, key);
    const bool numeric = !current.empty() && current.find_first_not_of("0123456789") == std::string::npos;
    std::string value = key == "access_log" ? "off" : numeric ? "7" : "x-" + key;
    ASSERT_TRUE(c.Set(key, value).ok()) << key;
    EXPECT_EQ(EntryValue(c, key), value) << key;
  }
}

TEST_F(ConfigTest, SetParsesTypedValues) {
  Config c;
  ASSERT_TRUE(c.Set("listen", "0.0.0.0:9000").ok());
  ASSERT_TRUE(c.Set("threads", "4").ok());
  ASSERT_TRUE(c.Set("max_body_bytes", "10000000000").ok());  // needs 64 bits
  ASSERT_TRUE(c.Set("access_log", "off").ok());
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.threads, 4);
  EXPECT_EQ(c.max_body_bytes, int64_t{10000000000});
  EXPECT_EQ(c.access_log, "off");
}

TEST_F(ConfigTest, UnknownKeyIsErrorNamingKey) {
  Config c;
  Status s = c.Set("listne", "x");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("listne"));
}

TEST_F(ConfigTest, BadIntegersAreErrorsNamingKeyAndLeaveValueUnchanged) {
  for (const char* bad : {"abc", "", "12abc", " 12", "-1", "1.5", "99999999999"}) {
    Config c;
    Status s = c.Set("threads", bad);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << "'" << bad << "'";
    EXPECT_THAT(s.message(), HasSubstr("threads")) << bad;
    EXPECT_EQ(c.threads, 0) << bad;
  }
  Config c;
  Status s = c.Set("max_body_bytes", "lots");
  EXPECT_THAT(s.message(), HasSubstr("max_body_bytes"));
  EXPECT_THAT(s.message(), HasSubstr("lots"));
  EXPECT_EQ(c.max_body_bytes, 1 << 20);
}

TEST_F(ConfigTest, AccessLogMustBeOnOrOff) {
  Config c;
  Status s = c.Set("access_log", "maybe");
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("access_log"));
  // A failed Set must not change the config (Config::Set once assigned before validating access_log).
  EXPECT_EQ(c.access_log, "on");
}

TEST_F(ConfigTest, LoadFileAppliesStringsAndIntegers) {
  std::string path = WriteFile("c.json", R"({"listen": "0.0.0.0:1234", "threads": 3, "max_body_bytes": "2048",
                                             "db": "/tmp/x.db"})");
  Config c;
  ASSERT_TRUE(c.LoadFile(path).ok());
  EXPECT_EQ(c.listen, "0.0.0.0:1234");
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(c.max_body_bytes, 2048);
  EXPECT_EQ(c.db, "/tmp/x.db");
  // Untouched keys keep their defaults.
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.token_ttl_minutes, 480);
}

TEST_F(ConfigTest, LoadFileUnknownKeyIsErrorNamingKeyAndFile) {
  std::string path = WriteFile("c.json", R"({"listen": "a:1", "thredas": 3})");
  Config c;
  Status s = c.LoadFile(path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("thredas"));
  EXPECT_THAT(s.message(), HasSubstr(path));
}

TEST_F(ConfigTest, LoadFileBadIntegerIsErrorNamingKey) {
  std::string path = WriteFile("c.json", R"({"max_connections": "many"})");
  Config c;
  Status s = c.LoadFile(path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("max_connections"));
  EXPECT_EQ(c.max_connections, 1024);
}

TEST_F(ConfigTest, LoadFileNegativeIntegerIsError) {
  std::string path = WriteFile("c.json", R"({"threads": -2})");
  Config c;
  Status s = c.LoadFile(path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("threads"));
  EXPECT_EQ(c.threads, 0);
}

TEST_F(ConfigTest, LoadFileRejectsNonStringNonIntegerValuesNamingKey) {
  for (const char* doc : {R"({"threads": 1.5})", R"({"access_log": true})", R"({"listen": null})",
                          R"({"listen": ["a"]})", R"({"listen": {"host": "a"}})"}) {
    std::string path = WriteFile("c.json", doc);
    Config c;
    Status s = c.LoadFile(path);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << doc;
    EXPECT_TRUE(s.message().find("threads") != std::string::npos ||
                s.message().find("access_log") != std::string::npos ||
                s.message().find("listen") != std::string::npos)
        << s.message();
  }
}

TEST_F(ConfigTest, LoadFileThatIsNotAnObjectIsError) {
  for (const char* doc : {"[1, 2]", "\"listen\"", "42", "null", "{\"listen\": ", "", "not json"}) {
    std::string path = WriteFile("c.json", doc);
    Config c;
    Status s = c.LoadFile(path);
    EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument) << "'" << doc << "'";
    EXPECT_THAT(s.message(), HasSubstr("not a JSON object")) << doc;
    EXPECT_EQ(c.listen, "127.0.0.1:8080");
  }
}

TEST_F(ConfigTest, LoadFileMissingFileIsError) {
  Config c;
  std::string path = (dir_ / "does-not-exist.json").string();
  Status s = c.LoadFile(path);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr(path));
}

TEST_F(ConfigTest, LoadFileEmptyObjectChangesNothing) {
  std::string path = WriteFile("c.json", "{}");
  Config c;
  ASSERT_TRUE(c.LoadFile(path).ok());
  Config defaults;
  EXPECT_EQ(c.Entries(), defaults.Entries());
}

TEST_F(ConfigTest, LoadEnvReadsUpperCasedStmVariables) {
  FakeEnv env(EnvVars{{"STM_LISTEN", "10.0.0.1:80"},
                      {"STM_TOKEN_TTL_MINUTES", "15"},
                      {"STM_ACCESS_LOG", "off"},
                      {"listen", "ignored:1"},         // wrong case
                      {"STM_UNRELATED", "ignored"}});  // not a key: simply not read
  Config c;
  ASSERT_TRUE(c.LoadEnv(env.Getter()).ok());
  EXPECT_EQ(c.listen, "10.0.0.1:80");
  EXPECT_EQ(c.token_ttl_minutes, 15);
  EXPECT_EQ(c.access_log, "off");
  EXPECT_EQ(c.db, "var/stm.db");
  // Every key is looked up under its STM_ name.
  for (const auto& key : Config::Keys()) {
    std::string name = "STM_";
    for (char ch : key) name.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(ch))));
    EXPECT_TRUE(env.lookups().count(name)) << name;
  }
}

TEST_F(ConfigTest, LoadEnvBadIntegerIsErrorNamingKeyAndVariable) {
  FakeEnv env(EnvVars{{"STM_READ_TIMEOUT_MS", "soon"}});
  Config c;
  Status s = c.LoadEnv(env.Getter());
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("read_timeout_ms"));
  EXPECT_THAT(s.message(), HasSubstr("STM_READ_TIMEOUT_MS"));
  EXPECT_EQ(c.read_timeout_ms, 15000);
}

TEST_F(ConfigTest, EmptyEnvironmentChangesNothing) {
  FakeEnv env(EnvVars{});
  Config c;
  ASSERT_TRUE(c.LoadEnv(env.Getter()).ok());
  Config defaults;
  EXPECT_EQ(c.Entries(), defaults.Entries());
}

TEST_F(ConfigTest, PrecedenceFileThenEnvThenExplicitSet) {
  std::string path =
      WriteFile("c.json", R"({"listen": "file:1", "db": "file.db", "threads": 2, "log_level": "debug"})");
  FakeEnv env(EnvVars{{"STM_LISTEN", "env:2"}, {"STM_THREADS", "6"}});
  Config c;
  ASSERT_TRUE(c.LoadFile(path).ok());
  ASSERT_TRUE(c.LoadEnv(env.Getter()).ok());
  ASSERT_TRUE(c.Set("threads", "9").ok());  // a command-line flag
  EXPECT_EQ(c.listen, "env:2");             // env beats file
  EXPECT_EQ(c.db, "file.db");               // file beats default
  EXPECT_EQ(c.threads, 9);                  // flag beats env and file
  EXPECT_EQ(c.log_level, "debug");          // file only
  EXPECT_EQ(c.max_connections, 1024);       // default only
}

TEST_F(ConfigTest, ResolveDataDirPrefersConfigured) {
  Config c;
  c.data_dir = "/some/where";
  EXPECT_EQ(ResolveDataDir(c), "/some/where");
}

}  // namespace
}  // namespace stm
