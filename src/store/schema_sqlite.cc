// The project's schema for SQLite, as forward-only migrations. Append new migrations at the end;
// never edit one that has shipped (the checksum check refuses it).
#include "store/migrate.h"

namespace stm::store {

const std::vector<Migration>& ProjectMigrations(std::string_view dialect) {
  static const std::vector<Migration> kSqlite = {
      {1, "organisations, users, sessions, api keys, login throttling", R"sql(
CREATE TABLE organisations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('exporter', 'broker', 'licensing_authority', 'referral_agency', 'customs')),
  country TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL,
  org_id INTEGER REFERENCES organisations(id),
  password_hash TEXT,
  active INTEGER NOT NULL DEFAULT 1,
  created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE INDEX sessions_user ON sessions(user_id);
CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY,
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  name TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE login_failures (
  username TEXT PRIMARY KEY,
  failures INTEGER NOT NULL,
  locked_until INTEGER NOT NULL
);
)sql"},
      {2, "hash-chained audit trail", R"sql(
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  request_id TEXT NOT NULL,
  summary TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_events_target ON audit_events(target);
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL
);
)sql"},
      {3, "login_failures.updated_at for purging stale counters", R"sql(
ALTER TABLE login_failures ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX login_failures_updated ON login_failures(updated_at);
)sql"},
      {4, "restricted-party list versions, content-addressed entities, monitored parties, alerts", R"sql(
CREATE TABLE list_versions (
  id INTEGER PRIMARY KEY,
  list TEXT NOT NULL,
  version TEXT NOT NULL,
  format TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at INTEGER NOT NULL,
  imported_by TEXT NOT NULL,
  entity_count INTEGER NOT NULL,
  added INTEGER NOT NULL,
  removed INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  report TEXT NOT NULL,
  is_current INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX list_versions_list ON list_versions(list, id);
CREATE TABLE entity_bodies (
  digest TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE list_version_entities (
  version_id INTEGER NOT NULL REFERENCES list_versions(id),
  source_id TEXT NOT NULL,
  digest TEXT NOT NULL REFERENCES entity_bodies(digest),
  PRIMARY KEY (version_id, source_id)
);
CREATE TABLE screening_parties (
  id INTEGER PRIMARY KEY,
  org_id INTEGER REFERENCES organisations(id),
  reference TEXT NOT NULL,
  name TEXT NOT NULL,
  schema TEXT NOT NULL,
  country TEXT NOT NULL,
  birth_date TEXT NOT NULL,
  identifiers TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE screening_alerts (
  id INTEGER PRIMARY KEY,
  party_id INTEGER NOT NULL REFERENCES screening_parties(id),
  list TEXT NOT NULL,
  source_id TEXT NOT NULL,
  entity_digest TEXT NOT NULL,
  entity_name TEXT NOT NULL,
  score REAL NOT NULL,
  explanation TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'true_match', 'false_positive')),
  reason TEXT NOT NULL DEFAULT '',
  decided_by TEXT,
  decided_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (party_id, list, source_id, entity_digest)
);
CREATE INDEX screening_alerts_status ON screening_alerts(status, id);
)sql"},
      {5, "control-list catalogue versions, content-addressed control entries", R"sql(
CREATE TABLE control_list_versions (
  id INTEGER PRIMARY KEY,
  list TEXT NOT NULL,
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  source TEXT NOT NULL,
  imported_at INTEGER NOT NULL,
  imported_by TEXT NOT NULL,
  entry_count INTEGER NOT NULL,
  added INTEGER NOT NULL,
  removed INTEGER NOT NULL,
  changed INTEGER NOT NULL,
  report TEXT NOT NULL,
  digest TEXT NOT NULL,
  is_current INTEGER NOT NULL DEFAULT 0,
  UNIQUE (list, version)
);
CREATE INDEX control_list_versions_list ON control_list_versions(list, id);
CREATE TABLE control_entry_bodies (
  digest TEXT PRIMARY KEY,
  body TEXT NOT NULL
);
CREATE TABLE control_entry_versions (
  version_id INTEGER NOT NULL REFERENCES control_list_versions(id),
  code TEXT NOT NULL,
  position INTEGER NOT NULL,
  digest TEXT NOT NULL REFERENCES control_entry_bodies(digest),
  PRIMARY KEY (version_id, code)
);
)sql"},
      {6, "classification requests and officers' official rulings", R"sql(
CREATE TABLE classification_requests (
  id INTEGER PRIMARY KEY,
  org_id INTEGER REFERENCES organisations(id),
  user_id INTEGER REFERENCES users(id),
  created_by TEXT NOT NULL,
  reference TEXT NOT NULL DEFAULT '',
  item TEXT NOT NULL,
  automatic TEXT NOT NULL,
  catalog_version TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('open', 'answered')),
  created_at INTEGER NOT NULL,
  ruling_code TEXT,
  ruling_verdict TEXT CHECK (ruling_verdict IN ('controlled', 'not')),
  ruling_reasoning TEXT,
  ruled_by TEXT,
  ruled_at INTEGER
);
CREATE INDEX classification_requests_org ON classification_requests(org_id, id);
CREATE INDEX classification_requests_status ON classification_requests(status, id);
)sql"},
      {7, "licence applications, their documents, and licensing cases", R"sql(
CREATE TABLE applications (
  id INTEGER PRIMARY KEY,
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  created_by INTEGER REFERENCES users(id),
  type TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'withdrawn')),
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  submitted_at INTEGER
);
CREATE INDEX applications_org ON applications(org_id, id);
CREATE INDEX applications_status ON applications(status, id);
CREATE TABLE application_documents (
  id INTEGER PRIMARY KEY,
  application_id INTEGER NOT NULL REFERENCES applications(id),
  kind TEXT NOT NULL CHECK (kind IN ('end_user_certificate', 'contract', 'other')),
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  content BLOB NOT NULL,
  uploaded_by INTEGER REFERENCES users(id),
  uploaded_at INTEGER NOT NULL
);
CREATE INDEX application_documents_application ON application_documents(application_id, id);
CREATE TABLE cases (
  id INTEGER PRIMARY KEY,
  application_id INTEGER NOT NULL UNIQUE REFERENCES applications(id),
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  reference TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  outcome TEXT CHECK (outcome IN ('approved', 'refused', 'no_licence_required')),
  version INTEGER NOT NULL,
  assigned_officer INTEGER REFERENCES users(id),
  recommendation TEXT CHECK (recommendation IN ('approved', 'refused', 'no_licence_required')),
  needs_countersign INTEGER NOT NULL DEFAULT 0,
  countersigns_done INTEGER NOT NULL DEFAULT 0,
  first_countersigner INTEGER REFERENCES users(id),
  appeal_window_open INTEGER NOT NULL DEFAULT 0,
  has_blocking_flags INTEGER NOT NULL DEFAULT 0,
  referrals_awaiting_advice INTEGER NOT NULL DEFAULT 0,
  sla_started_at INTEGER NOT NULL,
  sla_stopped_at INTEGER,
  sla_pauses TEXT NOT NULL DEFAULT '[]',
  risk TEXT NOT NULL DEFAULT '{}',
  submitted_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX cases_org ON cases(org_id, id);
CREATE INDEX cases_state ON cases(state, id);
CREATE INDEX cases_officer ON cases(assigned_officer, id);
)sql"},
      {8, "referrals to advisory agencies with their advice, and issued licences", R"sql(
CREATE TABLE referrals (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  status TEXT NOT NULL CHECK (status IN ('open', 'answered')),
  deadline TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  advice TEXT,
  summary TEXT,
  answered_by INTEGER REFERENCES users(id),
  answered_at INTEGER
);
CREATE INDEX referrals_case ON referrals(case_id, id);
CREATE INDEX referrals_org ON referrals(org_id, case_id);
CREATE TABLE licences (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  type TEXT NOT NULL,
  year INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('active', 'suspended', 'revoked', 'surrendered', 'expired', 'exhausted')),
  version INTEGER NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  conditions TEXT NOT NULL DEFAULT '',
  lines TEXT NOT NULL DEFAULT '[]',
  supersedes TEXT REFERENCES licences(number),
  issued_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (type, year, sequence)
);
CREATE INDEX licences_case ON licences(case_id);
CREATE INDEX licences_org ON licences(org_id, id);
)sql"},
      {9, "licence amendments (superseded status), usage against licences, letters", R"sql(
CREATE TABLE licences_new (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  org_id INTEGER NOT NULL REFERENCES organisations(id),
  type TEXT NOT NULL,
  year INTEGER NOT NULL,
  sequence INTEGER NOT NULL,
  status TEXT NOT NULL
    CHECK (status IN ('active', 'suspended', 'revoked', 'surrendered', 'expired', 'exhausted', 'superseded')),
  version INTEGER NOT NULL,
  valid_from INTEGER NOT NULL,
  valid_until INTEGER NOT NULL,
  conditions TEXT NOT NULL DEFAULT '',
  lines TEXT NOT NULL DEFAULT '[]',
  supersedes TEXT REFERENCES licences_new(number),
  superseded_by TEXT,
  amendment INTEGER NOT NULL DEFAULT 0,
  issued_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO licences_new (id, number, case_id, org_id, type, year, sequence, status, version, valid_from,
  valid_until, conditions, lines, supersedes, issued_at, updated_at)
  SELECT id, number, case_id, org_id, type, year, sequence, status, version, valid_from, valid_until,
    conditions, lines, supersedes, issued_at, updated_at FROM licences;
DROP TABLE licences;
ALTER TABLE licences_new RENAME TO licences;
CREATE UNIQUE INDEX licences_sequence ON licences(type, year, sequence, amendment);
CREATE INDEX licences_case ON licences(case_id);
CREATE INDEX licences_org ON licences(org_id, id);
CREATE INDEX licences_status_until ON licences(status, valid_until);
CREATE TABLE licence_usage (
  id INTEGER PRIMARY KEY,
  licence_id INTEGER NOT NULL REFERENCES licences(id),
  line INTEGER NOT NULL,
  quantity REAL NOT NULL,
  value REAL NOT NULL DEFAULT 0,
  reference TEXT NOT NULL,
  recorded_by INTEGER REFERENCES users(id),
  recorded_at INTEGER NOT NULL,
  UNIQUE (licence_id, reference, line)
);
CREATE INDEX licence_usage_licence ON licence_usage(licence_id, id);
CREATE TABLE letters (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  kind TEXT NOT NULL,
  template TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX letters_case ON letters(case_id, id);
ALTER TABLE cases ADD COLUMN appeal_deadline INTEGER;
)sql"},
      {10, "teams, work queues, routing rules, flag definitions, case flags and case placements", R"sql(
CREATE TABLE teams (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE team_members (
  team_id INTEGER NOT NULL REFERENCES teams(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  added_at INTEGER NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members(user_id);
CREATE TABLE queues (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  team_id INTEGER NOT NULL REFERENCES teams(id),
  is_default INTEGER NOT NULL DEFAULT 0,
  description TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX queues_one_default ON queues(is_default) WHERE is_default = 1;
CREATE TABLE routing_rules (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  description TEXT NOT NULL DEFAULT '',
  priority INTEGER NOT NULL,
  queue_id INTEGER NOT NULL REFERENCES queues(id),
  enabled INTEGER NOT NULL,
  match TEXT NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX routing_rules_priority ON routing_rules(priority, id);
CREATE TABLE flag_definitions (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  level TEXT NOT NULL CHECK (level IN ('case', 'good', 'party', 'destination')),
  blocks_finalising INTEGER NOT NULL,
  removable_by TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE TABLE case_flags (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  flag_id INTEGER NOT NULL REFERENCES flag_definitions(id),
  subject TEXT NOT NULL,
  reason TEXT NOT NULL,
  active INTEGER NOT NULL,
  added_by TEXT NOT NULL,
  added_at INTEGER NOT NULL,
  removed_by TEXT,
  removed_at INTEGER,
  removal_reason TEXT
);
CREATE INDEX case_flags_case ON case_flags(case_id, active, id);
CREATE UNIQUE INDEX case_flags_one_active ON case_flags(case_id, flag_id, subject) WHERE active = 1;
CREATE TABLE case_queues (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  queue_id INTEGER NOT NULL REFERENCES queues(id),
  rule_id INTEGER,
  active INTEGER NOT NULL,
  explanation TEXT NOT NULL,
  routed_at INTEGER NOT NULL
);
CREATE INDEX case_queues_queue ON case_queues(queue_id, active, case_id);
CREATE INDEX case_queues_case ON case_queues(case_id, active);
CREATE TABLE case_routing (
  case_id INTEGER PRIMARY KEY REFERENCES cases(id),
  decision TEXT NOT NULL,
  routed_at INTEGER NOT NULL
);
)sql"},
      {11, "regime denial notifications and no-undercut consultations", R"sql(
-- Denial notifications: inbound (from other states; active or revoked, expired by date when expires_on has
-- passed, which is computed) and outbound (this authority's refusals; draft, issued, revoked). Dates are
-- "YYYY-MM-DD"; items and parties are JSON arrays.
CREATE TABLE denials (
  id INTEGER PRIMARY KEY,
  direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
  status TEXT NOT NULL,
  notifying_state TEXT NOT NULL,
  regime TEXT NOT NULL CHECK (regime IN ('nsg', 'mtcr', 'ag', 'wassenaar', 'other')),
  reference TEXT NOT NULL,
  denied_on TEXT NOT NULL,
  expires_on TEXT NOT NULL,
  items TEXT NOT NULL,
  parties TEXT NOT NULL,
  reason TEXT NOT NULL,
  case_id INTEGER REFERENCES cases(id),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  version INTEGER NOT NULL,
  revoked_on TEXT,
  revocation_reason TEXT,
  CHECK ((direction = 'inbound' AND status IN ('active', 'revoked')) OR
         (direction = 'outbound' AND status IN ('draft', 'issued', 'revoked')))
);
CREATE UNIQUE INDEX denials_reference ON denials(direction, notifying_state, reference);
CREATE INDEX denials_direction_status ON denials(direction, status, expires_on);
CREATE INDEX denials_case ON denials(case_id);
-- A consultation of the state that notified an essentially identical denial; its blocking case flag is
-- removed when the outcome is recorded.
CREATE TABLE consultations (
  id INTEGER PRIMARY KEY,
  case_id INTEGER NOT NULL REFERENCES cases(id),
  denial_id INTEGER NOT NULL REFERENCES denials(id),
  addressed_state TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  deadline TEXT NOT NULL,
  outcome TEXT CHECK (outcome IS NULL OR outcome IN ('no_objection', 'objection', 'no_reply')),
  note TEXT NOT NULL DEFAULT '',
  opened_at INTEGER NOT NULL,
  closed_at INTEGER,
  closed_by TEXT,
  flag_id INTEGER REFERENCES case_flags(id),
  match TEXT NOT NULL
);
CREATE INDEX consultations_case ON consultations(case_id, status);
CREATE INDEX consultations_status ON consultations(status, deadline);
CREATE UNIQUE INDEX consultations_one_open ON consultations(case_id, denial_id) WHERE status = 'open';
)sql"},
  };
  static const std::vector<Migration> kNone;
  return dialect == "sqlite" ? kSqlite : kNone;
}

}  // namespace stm::store
