#include "http/message.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace stm::http {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string_view MethodName(Method m) {
  switch (m) {
    case Method::kGet:
      return "GET";
    case Method::kHead:
      return "HEAD";
    case Method::kPost:
      return "POST";
    case Method::kPut:
      return "PUT";
    case Method::kPatch:
      return "PATCH";
    case Method::kDelete:
      return "DELETE";
    case Method::kOptions:
      return "OPTIONS";
    case Method::kOther:
      return "OTHER";
  }
  return "OTHER";
}

std::optional<std::string_view> Request::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (IEquals(k, name)) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<std::string> Request::QueryParam(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string Request::PathParam(std::string_view name) const {
  auto it = path_params.find(name);
  return it == path_params.end() ? std::string() : it->second;
}

Result<nlohmann::json> Request::JsonBody() const {
  auto ct = Header("content-type");
  std::string media(ct.value_or(""));
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ct && media.find("json") == std::string::npos) {
    return Status::InvalidArgument(
        fmt::format("expected a JSON body (Content-Type: application/json), got '{}'", *ct));
  }
  if (body.empty()) return Status::InvalidArgument("request body is empty; expected a JSON object");
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::InvalidArgument("request body is not valid JSON");
  if (!doc.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return doc;
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response Response::NoContent() {
  Response r;
  r.status = 204;
  r.content_type.clear();
  return r;
}

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kTooManyRequests:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDataLoss:
      return 500;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

namespace {
std::string_view TitleFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "Invalid request";
    case ErrorCode::kUnauthenticated:
      return "Authentication required";
    case ErrorCode::kPermissionDenied:
      return "Permission denied";
    case ErrorCode::kNotFound:
      return "Not found";
    case ErrorCode::kAlreadyExists:
      return "Already exists";
    case ErrorCode::kConflict:
      return "Conflict";
    case ErrorCode::kFailedPrecondition:
      return "Not allowed in the current state";
    case ErrorCode::kPayloadTooLarge:
      return "Payload too large";
    case ErrorCode::kTooManyRequests:
      return "Too many requests";
    case ErrorCode::kUnavailable:
      return "Service unavailable";
    case ErrorCode::kDataLoss:
      return "Data integrity error";
    case ErrorCode::kInternal:
      return "Internal server error";
    case ErrorCode::kOk:
      return "OK";
  }
  return "Error";
}
}  // namespace

Response Problem(const Status& status, std::string_view request_id, const nlohmann::json& members,
                 int http_status) {
  int code = http_status != 0 ? http_status : HttpStatusFor(status.code());
  if (code >= 500) spdlog::error("responding {}: {}", code, status.ToString());
  // Internal details stay in the log; the client gets the request id to quote.
  std::string detail = code >= 500 && status.code() != ErrorCode::kUnavailable
                           ? "an internal error occurred; quote the request id to the administrator"
                           : status.message();
  nlohmann::json body = {
      {"type", fmt::format("urn:stm:problem:{}", ErrorCodeName(status.code()))},
      {"title", TitleFor(status.code())},
      {"status", code},
      {"detail", detail},
      {"request_id", request_id},
  };
  if (members.is_object()) {
    for (const auto& [key, value] : members.items()) {
      if (!body.contains(key)) body[key] = value;
    }
  }
  Response r = Response::Json(code, body);
  r.content_type = "application/problem+json";
  if (status.code() == ErrorCode::kUnauthenticated) r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space) {
  out->clear();
  out->reserve(in.size());
  bool ok = true;
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out->push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
      ok = false;
    } else if (c == '%') {
      ok = false;
    }
    out->push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return ok;
}

std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string k, v;
    PercentDecode(part.substr(0, eq), &k, true);
    if (eq != std::string_view::npos) PercentDecode(part.substr(eq + 1), &v, true);
    out.emplace_back(std::move(k), std::move(v));
  }
  return out;
}

}  // namespace stm::http
