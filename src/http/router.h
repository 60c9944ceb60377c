// Maps (method, path) to a handler, with `{name}` path parameters: "/v1/users/{id}".
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/message.h"

namespace stm::http {

using Handler = std::function<Response(Request&)>;

// Built once at start-up, then read concurrently (Find is const and thread-safe).
class Router {
 public:
  void Add(Method method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  // null when nothing matched
    bool path_known = false;           // the path exists for another method (405)
    std::vector<std::string> allowed;  // methods allowed on that path
  };
  // Fills request.path_params on a match.
  Match Find(Request& request) const;

 private:
  struct Route {
    Method method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  static bool MatchSegments(const Route& route, const std::vector<std::string_view>& parts,
                            std::map<std::string, std::string, std::less<>>* params);
  std::vector<Route> routes_;
};

}  // namespace stm::http
