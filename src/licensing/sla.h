// Service-level clock for licence cases, in working days.
//
// Days are calendar dates in UTC: a TimePoint belongs to the UTC date it falls on, whatever the
// authority's or exporter's local time zone. A working day is a date that is neither a Saturday, a
// Sunday, nor one of the calendar's holidays.
//
// Counting rule (like "day 0" for the day of receipt): the submission date does not count; each later
// working date up to and including today's date counts one, except dates on which the clock is stopped.
// A pause (awaiting the exporter) from time P to time R stops the clock on the dates after P's date up to
// and including R's date: the day the case is paused still counts (work was done on it), and the day it
// resumes is, like the submission date, day 0 of the restarted clock. A pause still open stops the clock
// on every date after its start, so the elapsed count stays frozen until it is closed.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "licensing/application.h"

namespace stm::licensing {

using Date = std::chrono::sys_days;

// "YYYY-MM-DD" (exactly, a real date) -> Date; kInvalidArgument naming the text otherwise.
Result<Date> ParseDate(std::string_view text);
std::string FormatDate(Date date);
// The UTC calendar date of a time.
Date DateOf(TimePoint t);

// Weekends (Saturday, Sunday) plus a configurable set of holidays. Immutable after construction;
// copyable and safe to share between threads.
class WorkingCalendar {
 public:
  WorkingCalendar() = default;  // weekends only
  explicit WorkingCalendar(std::set<Date> holidays) : holidays_(std::move(holidays)) {}
  // From "YYYY-MM-DD" strings; the error names the bad entry ("holidays[2]: ...").
  static Result<WorkingCalendar> FromStrings(const std::vector<std::string>& holidays);

  bool IsWorkingDay(Date date) const;
  // Working dates d with from < d <= to (0 when to <= from).
  int WorkingDaysAfter(Date from, Date to) const;
  // The date of the n-th working day after `from` (n <= 0: `from` itself).
  Date AddWorkingDays(Date from, int n) const;
  const std::set<Date>& holidays() const { return holidays_; }

 private:
  std::set<Date> holidays_;
};

struct SlaPolicy {
  int target_working_days = 20;
  bool operator==(const SlaPolicy&) const = default;
};
using SlaPolicyMap = std::map<ApplicationType, SlaPolicy>;

// Defaults: individual 20, global 60, brokering 20, transit 20, technology_transfer 20 working days.
SlaPolicyMap DefaultSlaPolicies();
// Overrides the defaults from {"individual": {"target_working_days": 15}, "global": 40, ...} (an object
// or a bare integer per type). Errors name the key: unknown type, non-integer, negative or over 1000.
Result<SlaPolicyMap> SlaPoliciesFromJson(const nlohmann::json& j);

// A period awaiting the exporter. `end` absent: still paused.
struct PauseInterval {
  TimePoint start;
  std::optional<TimePoint> end;
};

// Names: "on_track", "due_soon", "overdue".
enum class SlaState { kOnTrack, kDueSoon, kOverdue };
std::string_view SlaStateName(SlaState state);

struct SlaReport {
  int target_working_days = 0;
  int elapsed_working_days = 0;
  int remaining_working_days = 0;  // target - elapsed; negative when overdue
  bool paused = false;             // a pause is open at `now`
  // The date on which the target is reached, given the pauses so far; absent while paused (the clock is
  // stopped, so the date is not known until the case resumes).
  std::optional<Date> due_date;
  SlaState state = SlaState::kOnTrack;
};
// {"target_working_days", "elapsed_working_days", "remaining_working_days", "paused",
//  "due_date": "YYYY-MM-DD" | null, "state"}
nlohmann::json ToJson(const SlaReport& report);

// Computes SLA status for cases. Immutable; thread-safe.
class SlaClock {
 public:
  // `due_soon_working_days`: a case whose remaining working days are at most this (and not negative) is
  // due_soon; 0 means due_soon only on the due date itself.
  SlaClock(WorkingCalendar calendar, SlaPolicyMap policies = DefaultSlaPolicies(),
           int due_soon_working_days = 3)
      : calendar_(std::move(calendar)), policies_(std::move(policies)), due_soon_(due_soon_working_days) {}

  // Working days elapsed between `submitted` and `now` under the counting rule in the file comment.
  // Pauses may be in any order and may overlap; parts before the submission date or after `now` are
  // ignored. Errors (kInvalidArgument): a pause ending before it starts, more than one open pause.
  Result<int> ElapsedWorkingDays(TimePoint submitted, const std::vector<PauseInterval>& pauses,
                                 TimePoint now) const;

  // The full report for a case of `type` (kFailedPrecondition when the map has no policy for it), or
  // with an explicit policy (kInvalidArgument for a negative target).
  Result<SlaReport> Compute(ApplicationType type, TimePoint submitted,
                            const std::vector<PauseInterval>& pauses, TimePoint now) const;
  Result<SlaReport> Compute(const SlaPolicy& policy, TimePoint submitted,
                            const std::vector<PauseInterval>& pauses, TimePoint now) const;

  const WorkingCalendar& calendar() const { return calendar_; }
  const SlaPolicyMap& policies() const { return policies_; }

 private:
  WorkingCalendar calendar_;
  SlaPolicyMap policies_;
  int due_soon_;
};

}  // namespace stm::licensing
