// Handler functions defined outside routes.cc, grouped by domain. The route table in routes.cc binds
// them to paths and permissions.
#pragma once

#include "api/routes.h"

namespace stm::api {

using http::Request;
using http::Response;

// Screening (screening_api.cc)
Result<Response> Screen(const Deps& d, Request& req, const Caller& c);
Result<Response> ListLists(const Deps& d, Request& req, const Caller& c);
Result<Response> ImportList(const Deps& d, Request& req, const Caller& c);
Result<Response> ListAlerts(const Deps& d, Request& req, const Caller& c);
Result<Response> DecideAlert(const Deps& d, Request& req, const Caller& c);

}  // namespace stm::api
