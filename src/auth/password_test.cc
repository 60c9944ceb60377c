#include "auth/password.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace stm::auth {
namespace {

using ::testing::StartsWith;

const PasswordHashParams kFast = PasswordHashParams::Minimum();

TEST(PasswordPolicyTest, LengthBounds) {
  EXPECT_EQ(CheckPasswordPolicy("").code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(CheckPasswordPolicy(std::string(11, 'a')).code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(CheckPasswordPolicy(std::string(12, 'a')).ok());
  EXPECT_TRUE(CheckPasswordPolicy(std::string(1024, 'a')).ok());
  EXPECT_EQ(CheckPasswordPolicy(std::string(1025, 'a')).code(), ErrorCode::kInvalidArgument);
}

TEST(PasswordPolicyTest, CountsBytes) {
  // 4 two-byte characters = 8 bytes: too short whichever way it is counted.
  EXPECT_FALSE(CheckPasswordPolicy("\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9").ok());
  EXPECT_FALSE(CheckPasswordPolicy(std::string(1023, 'a') + "\xC3\xA9").ok());  // 1025 bytes
}

TEST(PasswordHashTest, HashIsArgon2idPhcString) {
  auto hash = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_THAT(*hash, StartsWith("$argon2id$v=19$"));
  // $argon2id$v=19$m=<kib>,t=<ops>,p=<lanes>$<salt>$<hash>, base64 without padding.
  std::regex phc(R"(^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$)");
  EXPECT_TRUE(std::regex_match(*hash, phc)) << *hash;
  EXPECT_EQ(hash->find("correct horse"), std::string::npos);
}

TEST(PasswordHashTest, ParamsAreRecordedInHash) {
  auto fast = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(fast.ok());
  std::string expected =
      "m=" + std::to_string(kFast.mem_limit / 1024) + ",t=" + std::to_string(kFast.ops_limit) + ",";
  EXPECT_NE(fast->find(expected), std::string::npos) << *fast;
}

TEST(PasswordHashTest, CorrectPasswordVerifies) {
  auto hash = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *hash));
}

TEST(PasswordHashTest, WrongPasswordFails) {
  auto hash = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(VerifyPassword("correct horse battery stapl", *hash));
  EXPECT_FALSE(VerifyPassword("correct horse battery staple ", *hash));
  EXPECT_FALSE(VerifyPassword("Correct horse battery staple", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
}

TEST(PasswordHashTest, WholePasswordIsHashedIncludingAfterNul) {
  std::string a("passwordpass\0word-a", 19);
  std::string b("passwordpass\0word-b", 19);
  auto hash = HashPassword(a, kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(a, *hash));
  EXPECT_FALSE(VerifyPassword(b, *hash));
  EXPECT_FALSE(VerifyPassword("passwordpass", *hash));
}

TEST(PasswordHashTest, SaltedSoSamePasswordHashesDiffer) {
  auto h1 = HashPassword("correct horse battery staple", kFast);
  auto h2 = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(h1.ok());
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h1, *h2);
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *h1));
  EXPECT_TRUE(VerifyPassword("correct horse battery staple", *h2));
}

TEST(PasswordHashTest, TamperedHashFails) {
  auto hash = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(hash.ok());
  std::string tampered = *hash;
  char& c = tampered[tampered.size() - 10];  // inside the hash part, all 6 bits significant
  c = c == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", tampered));
}

TEST(PasswordHashTest, NonArgon2idHashesAreRejected) {
  auto hash = HashPassword("correct horse battery staple", kFast);
  ASSERT_TRUE(hash.ok());
  std::string argon2i = *hash;
  argon2i.replace(0, std::string("$argon2id$").size(), "$argon2i$");
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", argon2i));
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", ""));
  EXPECT_FALSE(VerifyPassword("correct horse battery staple", "correct horse battery staple"));
  EXPECT_FALSE(VerifyPassword("x", "$2b$12$abcdefghijklmnopqrstuv"));
  EXPECT_FALSE(VerifyPassword("x", "$argon2id$"));
}

TEST(PasswordHashTest, InteractiveParamsAreStrongerThanMinimum) {
  auto interactive = PasswordHashParams::Interactive();
  EXPECT_GT(interactive.mem_limit, kFast.mem_limit);
  EXPECT_GE(interactive.ops_limit, kFast.ops_limit);
  EXPECT_GE(interactive.mem_limit, size_t{32} << 20);  // at least 32 MiB for production
}

TEST(GeneratePasswordTest, TwentyUrlSafeCharactersThatPassPolicy) {
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    std::string p = GeneratePassword();
    EXPECT_EQ(p.size(), 20u) << p;
    EXPECT_EQ(p.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << p;
    EXPECT_TRUE(CheckPasswordPolicy(p).ok());
    seen.insert(p);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST(GeneratePasswordTest, GeneratedPasswordHashesAndVerifies) {
  std::string p = GeneratePassword();
  auto hash = HashPassword(p, kFast);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(p, *hash));
}

}  // namespace
}  // namespace stm::auth
