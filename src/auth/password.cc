#include "auth/password.h"

#include <fmt/format.h>
#include <sodium.h>

#include "common/crypto.h"

namespace stm::auth {

PasswordHashParams PasswordHashParams::Interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordHashParams PasswordHashParams::Minimum() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

Status CheckPasswordPolicy(std::string_view password) {
  if (password.size() < 12) return Status::InvalidArgument("password must be at least 12 characters long");
  if (password.size() > 1024) return Status::InvalidArgument("password must be at most 1024 bytes long");
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password, const PasswordHashParams& params) {
  EnsureCryptoInitialised();
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_argon2id_str(out, password.data(), password.size(), params.ops_limit, params.mem_limit) !=
      0) {
    return Status::Unavailable("out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view password, const std::string& hash) {
  EnsureCryptoInitialised();
  if (hash.rfind("$argon2id$", 0) != 0) return false;
  return crypto_pwhash_argon2id_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string GeneratePassword() { return Base64UrlEncode(RandomBytes(15)); }

}  // namespace stm::auth
