// Regime denial notifications and no-undercut consultations over HTTP (denials_api.cc): thin adapters from
// JSON to policy::DenialService, reached through Deps::denials. Who may do what is checked by the service
// (exporters, referral and customs officers get 403 even on routes open to view_cases).
#pragma once

#include "api/routes.h"
#include "http/message.h"

namespace stm::api {

// GET /v1/denials?direction=inbound|outbound&status=active|draft|issued|revoked|expired&include_expired=true
Result<http::Response> ListDenials(const Deps& d, http::Request& req, const Caller& c);
// POST /v1/denials: records an inbound notification (policy::InboundDenialFromJson); 201 with Location.
Result<http::Response> RecordDenial(const Deps& d, http::Request& req, const Caller& c);
// GET /v1/denials/{id}
Result<http::Response> GetDenial(const Deps& d, http::Request& req, const Caller& c);
// POST /v1/denials/{id}/revoke {"reason"}
Result<http::Response> RevokeDenial(const Deps& d, http::Request& req, const Caller& c);
// POST /v1/denials/{id}/issue {"version"}: a draft outbound denial becomes issued.
Result<http::Response> IssueDenial(const Deps& d, http::Request& req, const Caller& c);
// GET /v1/consultations?status=open|closed&case_id=N
Result<http::Response> ListConsultations(const Deps& d, http::Request& req, const Caller& c);
// GET /v1/consultations/{id}
Result<http::Response> GetConsultation(const Deps& d, http::Request& req, const Caller& c);
// POST /v1/consultations/{id}/outcome {"outcome": "no_objection"|"objection"|"no_reply", "note"?}
Result<http::Response> RecordConsultationOutcome(const Deps& d, http::Request& req, const Caller& c);

}  // namespace stm::api
