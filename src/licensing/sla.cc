#include "licensing/sla.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/text.h"

namespace stm::licensing {
namespace {

using std::chrono::days;
using std::chrono::floor;

constexpr int kMaxTargetWorkingDays = 1000;

// Dates on which the clock is stopped: (first, last] ranges.
struct StoppedRange {
  Date after;  // exclusive
  Date last;   // inclusive
};

bool Stopped(const std::vector<StoppedRange>& ranges, Date d) {
  return std::any_of(ranges.begin(), ranges.end(),
                     [d](const StoppedRange& r) { return d > r.after && d <= r.last; });
}

struct ClockState {
  std::vector<StoppedRange> stopped;
  bool paused = false;
};

Result<ClockState> StoppedRanges(TimePoint submitted, const std::vector<PauseInterval>& pauses,
                                 TimePoint now) {
  ClockState state;
  int open = 0;
  for (size_t i = 0; i < pauses.size(); ++i) {
    const PauseInterval& p = pauses[i];
    if (p.end && *p.end < p.start)
      return Status::InvalidArgument(fmt::format("pauses[{}]: ends ({}) before it starts ({})", i,
                                                 FormatTime(*p.end), FormatTime(p.start)));
    if (!p.end && ++open > 1) return Status::InvalidArgument("pauses: more than one open pause");
    if (p.start > now) continue;  // not begun yet
    TimePoint start = std::max(p.start, submitted);
    bool still_paused = !p.end || *p.end > now;
    TimePoint end = still_paused ? now : *p.end;
    if (end < submitted) continue;  // entirely before the submission
    if (still_paused) state.paused = true;
    // An open pause stops every later date; a closed one up to its resumption date.
    Date last = still_paused ? Date::max() : DateOf(end);
    state.stopped.push_back({DateOf(start), last});
  }
  return state;
}

}  // namespace

Result<Date> ParseDate(std::string_view text) {
  auto bad = [&] { return Status::InvalidArgument(fmt::format("'{}': expected a date YYYY-MM-DD", text)); };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  auto y = ParseInt64(text.substr(0, 4));
  auto m = ParseInt64(text.substr(5, 2));
  auto d = ParseInt64(text.substr(8, 2));
  if (!y || !m || !d) return bad();
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                  std::chrono::month(static_cast<unsigned>(*m)),
                                  std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return Status::InvalidArgument(fmt::format("'{}': not a real date", text));
  return Date(ymd);
}

std::string FormatDate(Date date) {
  std::chrono::year_month_day ymd(date);
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()));
}

Date DateOf(TimePoint t) { return floor<days>(t); }

Result<WorkingCalendar> WorkingCalendar::FromStrings(const std::vector<std::string>& holidays) {
  std::set<Date> dates;
  for (size_t i = 0; i < holidays.size(); ++i) {
    auto d = ParseDate(holidays[i]);
    if (!d.ok()) return d.status().WithContext(fmt::format("holidays[{}]", i));
    dates.insert(*d);
  }
  return WorkingCalendar(std::move(dates));
}

bool WorkingCalendar::IsWorkingDay(Date date) const {
  std::chrono::weekday wd(date);
  if (wd == std::chrono::Saturday || wd == std::chrono::Sunday) return false;
  return !holidays_.contains(date);
}

int WorkingCalendar::WorkingDaysAfter(Date from, Date to) const {
  int n = 0;
  for (Date d = from + days(1); d <= to; d += days(1)) {
    if (IsWorkingDay(d)) ++n;
  }
  return n;
}

Date WorkingCalendar::AddWorkingDays(Date from, int n) const {
  Date d = from;
  while (n > 0) {
    d += days(1);
    if (IsWorkingDay(d)) --n;
  }
  return d;
}

SlaPolicyMap DefaultSlaPolicies() {
  return {{ApplicationType::kIndividual, {20}},
          {ApplicationType::kGlobal, {60}},
          {ApplicationType::kBrokering, {20}},
          {ApplicationType::kTransit, {20}},
          {ApplicationType::kTechnologyTransfer, {20}}};
}

Result<SlaPolicyMap> SlaPoliciesFromJson(const nlohmann::json& j) {
  SlaPolicyMap out = DefaultSlaPolicies();
  if (j.is_null()) return out;
  if (!j.is_object()) return Status::InvalidArgument("sla: expected an object keyed by application type");
  for (const auto& [key, v] : j.items()) {
    auto type = ParseApplicationType(key);
    if (!type) return Status::InvalidArgument(fmt::format("sla.{}: unknown application type", key));
    const nlohmann::json* days_json = &v;
    std::string path = "sla." + key;
    if (v.is_object()) {
      path += ".target_working_days";
      if (!v.contains("target_working_days")) return Status::InvalidArgument(path + ": required");
      days_json = &v["target_working_days"];
    }
    if (!days_json->is_number_integer())
      return Status::InvalidArgument(path + ": expected a whole number of working days");
    int64_t n = days_json->get<int64_t>();
    if (n < 0 || n > kMaxTargetWorkingDays)
      return Status::InvalidArgument(
          fmt::format("{}: must be between 0 and {}", path, kMaxTargetWorkingDays));
    out[*type] = SlaPolicy{static_cast<int>(n)};
  }
  return out;
}

std::string_view SlaStateName(SlaState state) {
  switch (state) {
    case SlaState::kOnTrack:
      return "on_track";
    case SlaState::kDueSoon:
      return "due_soon";
    case SlaState::kOverdue:
      return "overdue";
  }
  return "?";
}

nlohmann::json ToJson(const SlaReport& r) {
  return {{"target_working_days", r.target_working_days},
          {"elapsed_working_days", r.elapsed_working_days},
          {"remaining_working_days", r.remaining_working_days},
          {"paused", r.paused},
          {"due_date", r.due_date ? nlohmann::json(FormatDate(*r.due_date)) : nlohmann::json(nullptr)},
          {"state", SlaStateName(r.state)}};
}

Result<int> SlaClock::ElapsedWorkingDays(TimePoint submitted, const std::vector<PauseInterval>& pauses,
                                         TimePoint now) const {
  STM_ASSIGN_OR_RETURN(SlaReport r, Compute(SlaPolicy{0}, submitted, pauses, now));
  return r.elapsed_working_days;
}

Result<SlaReport> SlaClock::Compute(ApplicationType type, TimePoint submitted,
                                    const std::vector<PauseInterval>& pauses, TimePoint now) const {
  auto it = policies_.find(type);
  if (it == policies_.end())
    return Status::FailedPrecondition(fmt::format("no SLA policy for {}", ApplicationTypeName(type)));
  return Compute(it->second, submitted, pauses, now);
}

Result<SlaReport> SlaClock::Compute(const SlaPolicy& policy, TimePoint submitted,
                                    const std::vector<PauseInterval>& pauses, TimePoint now) const {
  if (policy.target_working_days < 0) return Status::InvalidArgument("target_working_days: negative");
  STM_ASSIGN_OR_RETURN(ClockState state, StoppedRanges(submitted, pauses, now));
  SlaReport r;
  r.target_working_days = policy.target_working_days;
  r.paused = state.paused;
  for (Date d = DateOf(submitted) + days(1); d <= DateOf(now); d += days(1)) {
    if (calendar_.IsWorkingDay(d) && !Stopped(state.stopped, d)) ++r.elapsed_working_days;
  }
  r.remaining_working_days = r.target_working_days - r.elapsed_working_days;
  if (!state.paused) {
    // No open pause: only closed ranges stop the clock, so the walk ends.
    Date d = DateOf(submitted);
    for (int counted = 0; counted < policy.target_working_days;) {
      d += days(1);
      if (calendar_.IsWorkingDay(d) && !Stopped(state.stopped, d)) ++counted;
    }
    r.due_date = d;
  }
  if (r.remaining_working_days < 0) {
    r.state = SlaState::kOverdue;
  } else if (r.remaining_working_days <= due_soon_) {
    r.state = SlaState::kDueSoon;
  } else {
    r.state = SlaState::kOnTrack;
  }
  return r;
}

}  // namespace stm::licensing
