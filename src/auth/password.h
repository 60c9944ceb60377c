// Password hashing with Argon2id (libsodium), in the PHC string format.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace stm::auth {

struct PasswordHashParams {
  unsigned long long ops_limit;  // NOLINT(runtime/int): libsodium's type
  size_t mem_limit;
  // libsodium's "interactive" settings; the default for production.
  static PasswordHashParams Interactive();
  // The minimum; for tests only (fast, still Argon2id).
  static PasswordHashParams Minimum();
};

// Rejects passwords shorter than 12 characters or longer than 1024 bytes.
Status CheckPasswordPolicy(std::string_view password);
Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params);
bool VerifyPassword(std::string_view password, const std::string& hash);
// A random password of 20 URL-safe characters (about 120 bits).
std::string GeneratePassword();

}  // namespace stm::auth
