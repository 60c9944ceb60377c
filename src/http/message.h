// Transport-neutral request and response types that handlers see. No Beast types leak past here.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace stm::http {

enum class Method { kGet, kHead, kPost, kPut, kPatch, kDelete, kOptions, kOther };

std::string_view MethodName(Method m);

struct Request {
  Method method = Method::kGet;
  std::string path;                                          // decoded path without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::map<std::string, std::string, std::less<>> path_params;
  std::string body;
  std::string request_id;
  std::string remote;  // peer address

  // First value of a header (name is matched case-insensitively).
  std::optional<std::string_view> Header(std::string_view name) const;
  std::optional<std::string> QueryParam(std::string_view name) const;
  std::string PathParam(std::string_view name) const;
  // Parses the body as a JSON object; a clear kInvalidArgument otherwise.
  Result<nlohmann::json> JsonBody() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  static Response Json(int status, const nlohmann::json& body);
  static Response NoContent();
};

// The single place that turns an error into an HTTP status and an RFC 9457 problem+json body:
// {"type","title","status","detail","request_id"}. `members`, when an object, adds extension members
// (e.g. "errors": [{"path","message"}]) without replacing the standard ones; `http_status` (0: from the
// code) overrides the status, e.g. 422 for a well-formed request whose content cannot be processed.
int HttpStatusFor(ErrorCode code);
Response Problem(const Status& status, std::string_view request_id, const nlohmann::json& members = nullptr,
                 int http_status = 0);

// Splits "a=1&b=x%20y" into decoded pairs. Malformed escapes are kept literally.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);
// Percent-decodes; false when an escape is malformed.
bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space);

}  // namespace stm::http
