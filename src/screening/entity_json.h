// Reading entities and dates back from their JSON and text forms (the inverse of entity.h's ToJson).
#pragma once

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "screening/entity.h"

namespace stm::screening {

// Reads back what ToJson(Entity) wrote; kDataLoss when the JSON is not an entity.
Result<Entity> EntityFromJson(const nlohmann::json& j);

// A birth or registration date as a caller writes it: "1958", "1958-04", "1958-04-29", "29 Apr 1958"...
std::optional<PartialDate> ParsePartialDate(std::string_view text);

}  // namespace stm::screening
