#include "api/json_fields.h"

#include <fmt/format.h>

#include <cstring>

namespace stm::api {
namespace {

std::string_view TypeName(const nlohmann::json& v) { return v.type_name(); }

}  // namespace

Result<std::string> RequireString(const nlohmann::json& body, const char* field, size_t max_len) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null())
    return Status::InvalidArgument(fmt::format("field '{}' is required", field));
  if (!it->is_string()) {
    return Status::InvalidArgument(fmt::format("field '{}' must be a string, got {}", field, TypeName(*it)));
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_len) {
    return Status::InvalidArgument(fmt::format("field '{}' is longer than {} bytes", field, max_len));
  }
  return s;
}

Result<std::optional<std::string>> OptionalString(const nlohmann::json& body, const char* field,
                                                  size_t max_len) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<std::string>();
  STM_ASSIGN_OR_RETURN(std::string s, RequireString(body, field, max_len));
  return std::optional<std::string>(std::move(s));
}

Result<std::optional<int64_t>> OptionalInt(const nlohmann::json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::optional<int64_t>();
  if (!it->is_number_integer()) {
    return Status::InvalidArgument(
        fmt::format("field '{}' must be an integer, got {}", field, TypeName(*it)));
  }
  return std::optional<int64_t>(it->get<int64_t>());
}

Status OnlyFields(const nlohmann::json& body, std::initializer_list<const char*> allowed) {
  for (const auto& [key, value] : body.items()) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      std::string list;
      for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Status::InvalidArgument(fmt::format("unknown field '{}' (allowed: {})", key, list));
    }
  }
  return Status::Ok();
}

}  // namespace stm::api
