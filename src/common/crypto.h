// Small wrappers over libsodium: hashing, randomness, encodings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace stm {

// Initialises libsodium once; safe to call from any thread, any number of times.
void EnsureCryptoInitialised();

// Lowercase hex SHA-256 of the bytes.
std::string Sha256Hex(std::string_view data);
// `n` cryptographically random bytes.
std::string RandomBytes(size_t n);
// URL-safe base64 without padding.
std::string Base64UrlEncode(std::string_view data);
std::string HexEncode(std::string_view data);
// Constant-time equality for secrets of equal length; false if lengths differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Injected source of randomness (tokens, ids, generated passwords); tests may substitute.
class Random {
 public:
  virtual ~Random() = default;
  virtual std::string Bytes(size_t n) = 0;
};

// libsodium's CSPRNG. Thread-safe.
class SecureRandom final : public Random {
 public:
  std::string Bytes(size_t n) override { return RandomBytes(n); }
};

}  // namespace stm
