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
  const Route* best = nullptr;
  int best_literals = -1;
  Method want = request.method == Method::kHead ? Method::kGet : request.method;
  for (const auto& route : routes_) {
    if (!MatchSegments(route, parts, nullptr)) continue;
    if (route.method != want) {
      match.path_known = true;
      match.allowed.emplace_back(MethodName(route.method));
      continue;
    }
    // The most specific route wins: "/v1/users/me" over "/v1/users/{id}", whatever the order added.
    int literals = 0;
    for (const auto& seg : route.segments) literals += seg.empty() || seg.front() != '{';
    if (literals > best_literals) {
      best = &route;
      best_literals = literals;
    }
  }
  if (best) {
    request.path_params.clear();
    MatchSegments(*best, parts, &request.path_params);
    match.handler = &best->handler;
  }
  return match;
}

}  // namespace stm::http
