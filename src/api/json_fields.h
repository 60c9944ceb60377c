// Reading typed fields out of a JSON request body with clear, field-named errors.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"

namespace stm::api {

// A required string field; kInvalidArgument naming the field when it is missing or not a string.
Result<std::string> RequireString(const nlohmann::json& body, const char* field, size_t max_len = 4096);
// An optional string field: nullopt when absent or null; an error when present with another type.
Result<std::optional<std::string>> OptionalString(const nlohmann::json& body, const char* field,
                                                  size_t max_len = 4096);
Result<std::optional<int64_t>> OptionalInt(const nlohmann::json& body, const char* field);
// Refuses fields other than `allowed`, so a typo in a request does not pass silently.
Status OnlyFields(const nlohmann::json& body, std::initializer_list<const char*> allowed);

}  // namespace stm::api
