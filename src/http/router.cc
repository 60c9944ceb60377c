#include "http/router.h"

namespace stm::http {
namespace {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    parts.push_back(path.substr(i, j - i));
    i = j;
  }
  return parts;
}

}  // namespace

void Router::Add(Method method, std::string pattern, Handler handler) {
  Route r{method, pattern, {}, std::move(handler)};
  for (auto part : SplitPath(pattern)) r.segments.emplace_back(part);
  routes_.push_back(std::move(r));
}

bool Router::MatchSegments(const Route& route, const std::vector<std::string_view>& parts,
                           std::map<std::string, std::string, std::less<>>* params) {
  if (route.segments.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (seg.size() >= 2 && seg.front() == '{' && seg.back() == '}') {
      if (params) params->emplace(seg.substr(1, seg.size() - 2), std::string(parts[i]));
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::Find(Request& request) const {
  auto parts = SplitPath(request.path);
  Match match;
  for (const auto& route : routes_) {
    if (!MatchSegments(route, parts, nullptr)) continue;
    Method want = request.method == Method::kHead ? Method::kGet : request.method;
    if (route.method == want) {
      request.path_params.clear();
      MatchSegments(route, parts, &request.path_params);
      match.handler = &route.handler;
      return match;
    }
    match.path_known = true;
    match.allowed.emplace_back(MethodName(route.method));
  }
  return match;
}

}  // namespace stm::http
