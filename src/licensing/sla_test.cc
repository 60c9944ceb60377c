#include "licensing/sla.h"

#include <gtest/gtest.h>

namespace stm::licensing {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

Date D(const char* text) {
  auto d = ParseDate(text);
  EXPECT_TRUE(d.ok()) << text;
  return d.ok() ? *d : Date{};
}

// A UTC time on a date: T("2026-01-05", 10) is 10:00Z on Monday 5 January 2026.
TimePoint T(const char* date, int hour, int minute = 0) {
  return TimePoint(D(date)) + hours(hour) + minutes(minute);
}

SlaClock MakeClock(std::set<Date> holidays = {}, int due_soon = 3) {
  return SlaClock(WorkingCalendar(std::move(holidays)), DefaultSlaPolicies(), due_soon);
}

int Elapsed(const SlaClock& clock, TimePoint submitted, const std::vector<PauseInterval>& pauses,
            TimePoint now) {
  auto r = clock.ElapsedWorkingDays(submitted, pauses, now);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : -1;
}

// ---------------------------------------------------------------- dates and calendar

TEST(SlaDates, ParseAndFormat) {
  EXPECT_EQ(FormatDate(D("2026-01-05")), "2026-01-05");
  EXPECT_EQ(FormatDate(D("2028-02-29")), "2028-02-29");
  for (const char* bad : {"2026-02-30", "2026/01/05", "26-01-05", "2026-1-5", "2026-01-5 ", "", "2026-13-01",
                          "+026-01-05", "2026-0a-05"}) {
    auto r = ParseDate(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(ParseDate("2026-02-30").status().message().find("not a real date"), std::string::npos);
}

TEST(SlaDates, DateOfIsUtc) {
  EXPECT_EQ(DateOf(T("2026-01-05", 0)), D("2026-01-05"));
  EXPECT_EQ(DateOf(T("2026-01-05", 23, 59) + seconds(59)), D("2026-01-05"));
  EXPECT_EQ(DateOf(T("2026-01-06", 0) - std::chrono::microseconds(1)), D("2026-01-05"));
}

TEST(SlaCalendar, WeekendsAndHolidays) {
  WorkingCalendar cal({D("2026-01-07")});
  EXPECT_TRUE(cal.IsWorkingDay(D("2026-01-05")));                        // Monday
  EXPECT_FALSE(cal.IsWorkingDay(D("2026-01-07")));                       // holiday (Wednesday)
  EXPECT_TRUE(cal.IsWorkingDay(D("2026-01-09")));                        // Friday
  EXPECT_FALSE(cal.IsWorkingDay(D("2026-01-10")));                       // Saturday
  EXPECT_FALSE(cal.IsWorkingDay(D("2026-01-11")));                       // Sunday
  EXPECT_EQ(cal.WorkingDaysAfter(D("2026-01-05"), D("2026-01-12")), 4);  // Tue, Thu, Fri, Mon
  EXPECT_EQ(cal.WorkingDaysAfter(D("2026-01-12"), D("2026-01-05")), 0);
  EXPECT_EQ(cal.AddWorkingDays(D("2026-01-09"), 1), D("2026-01-12"));  // Friday + 1 -> Monday
  EXPECT_EQ(cal.AddWorkingDays(D("2026-01-06"), 1), D("2026-01-08"));  // skips the holiday
  EXPECT_EQ(cal.AddWorkingDays(D("2026-01-10"), 0), D("2026-01-10"));
}

TEST(SlaCalendar, FromStrings) {
  auto cal = WorkingCalendar::FromStrings({"2026-12-25", "2026-12-26"});
  ASSERT_TRUE(cal.ok());
  EXPECT_EQ(cal->holidays().size(), 2u);
  EXPECT_FALSE(cal->IsWorkingDay(D("2026-12-25")));
  auto bad = WorkingCalendar::FromStrings({"2026-12-25", "25/12/2026"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("holidays[1]: '25/12/2026'", 0), 0u) << bad.status().message();
}

// ---------------------------------------------------------------- elapsed days

TEST(SlaElapsed, SubmissionDayDoesNotCount) {
  SlaClock clock = MakeClock();
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), {}, T("2026-01-05", 17)), 0);
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), {}, T("2026-01-06", 8)), 1);
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), {}, T("2026-01-12", 8)), 5);  // Mon -> next Mon
  // Now before submission (clock skew): nothing elapsed.
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), {}, T("2026-01-04", 8)), 0);
}

TEST(SlaElapsed, AcrossWeekend) {
  SlaClock clock = MakeClock();
  // Friday afternoon -> Monday morning: one working day.
  EXPECT_EQ(Elapsed(clock, T("2026-01-09", 15), {}, T("2026-01-12", 9)), 1);
  // Submitted on a Saturday: Monday is the first working day.
  EXPECT_EQ(Elapsed(clock, T("2026-01-10", 11), {}, T("2026-01-12", 9)), 1);
  EXPECT_EQ(Elapsed(clock, T("2026-01-10", 11), {}, T("2026-01-11", 9)), 0);
}

TEST(SlaElapsed, UtcDateBoundary) {
  SlaClock clock = MakeClock();
  // One second before and after UTC midnight: a new working date has started.
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 23, 59), {}, T("2026-01-06", 0) + seconds(1)), 1);
}

TEST(SlaElapsed, Holidays) {
  SlaClock clock = MakeClock({D("2026-01-07"), D("2026-01-10")});  // a Wednesday and a Saturday
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), {}, T("2026-01-12", 9)), 4);
}

TEST(SlaElapsed, PauseSpanningWeekend) {
  SlaClock clock = MakeClock();
  // Submitted Mon 5th; paused Thu 8th (counts), resumed Tue 13th (day 0 again); now Fri 16th.
  // Working dates 6..16: 6 7 8 9 12 13 14 15 16 = 9; stopped: 9, 12, 13.
  std::vector<PauseInterval> pauses = {{T("2026-01-08", 10), T("2026-01-13", 9)}};
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-16", 12)), 6);
  // A pause opened and closed on the same date stops nothing.
  pauses = {{T("2026-01-08", 10), T("2026-01-08", 16)}};
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-16", 12)), 9);
  // Friday -> Monday pause stops only the Monday.
  pauses = {{T("2026-01-09", 10), T("2026-01-12", 9)}};
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-16", 12)), 8);
}

TEST(SlaElapsed, PauseStillOpenFreezesTheClock) {
  SlaClock clock = MakeClock();
  std::vector<PauseInterval> pauses = {{T("2026-01-07", 12), std::nullopt}};
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-07", 18)), 2);
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-16", 12)), 2);
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-03-16", 12)), 2);
}

TEST(SlaElapsed, SeveralOverlappingAndOutOfRangePauses) {
  SlaClock clock = MakeClock();
  std::vector<PauseInterval> pauses = {
      {T("2026-01-12", 10), T("2026-01-14", 9)},  // stops 13, 14
      {T("2026-01-06", 10), T("2026-01-07", 9)},  // stops 7 (out of order)
      {T("2026-01-13", 10), T("2026-01-15", 9)},  // overlaps: adds 15
      {T("2026-01-01", 10), T("2026-01-02", 9)},  // before submission: ignored
      {T("2026-01-20", 10), std::nullopt},        // after now: not begun
  };
  // Working dates 6..16 = 9; stopped 7, 13, 14, 15 -> 5.
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-16", 12)), 5);
  // A pause begun before submission and ending after it stops dates up to its end.
  pauses = {{T("2026-01-02", 10), T("2026-01-07", 9)}};
  EXPECT_EQ(Elapsed(clock, T("2026-01-05", 9), pauses, T("2026-01-09", 12)), 2);  // 6, 7 stopped
}

TEST(SlaElapsed, InvalidPauses) {
  SlaClock clock = MakeClock();
  auto r = clock.ElapsedWorkingDays(T("2026-01-05", 9), {{T("2026-01-08", 10), T("2026-01-07", 10)}},
                                    T("2026-01-16", 12));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.status().message().rfind("pauses[0]: ends (2026-01-07T10:00:00.000000Z) before", 0), 0u)
      << r.status().message();
  r = clock.ElapsedWorkingDays(T("2026-01-05", 9), {{T("2026-01-06", 10), {}}, {T("2026-01-08", 10), {}}},
                               T("2026-01-16", 12));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "pauses: more than one open pause");
}

// ---------------------------------------------------------------- reports

TEST(SlaReports, DueDateSkipsWeekendsHolidaysAndPauses) {
  SlaClock clock = MakeClock();
  auto r = clock.Compute(ApplicationType::kIndividual, T("2026-01-05", 9), {}, T("2026-01-06", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->target_working_days, 20);
  EXPECT_EQ(r->elapsed_working_days, 1);
  EXPECT_EQ(r->remaining_working_days, 19);
  ASSERT_TRUE(r->due_date.has_value());
  EXPECT_EQ(FormatDate(*r->due_date), "2026-02-02");  // 20th working day after Mon 5 Jan
  EXPECT_EQ(r->state, SlaState::kOnTrack);
  EXPECT_FALSE(r->paused);

  SlaClock with_holiday = MakeClock({D("2026-01-19")});
  r = with_holiday.Compute(ApplicationType::kIndividual, T("2026-01-05", 9), {}, T("2026-01-06", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatDate(*r->due_date), "2026-02-03");

  // A closed pause Thu 8 -> Tue 13 stops three working dates: due three working days later.
  r = clock.Compute(ApplicationType::kIndividual, T("2026-01-05", 9),
                    {{T("2026-01-08", 10), T("2026-01-13", 9)}}, T("2026-01-16", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatDate(*r->due_date), "2026-02-05");

  // Global licences have a longer default target.
  r = clock.Compute(ApplicationType::kGlobal, T("2026-01-05", 9), {}, T("2026-01-06", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->target_working_days, 60);
}

TEST(SlaReports, StatesOnTrackDueSoonOverdue) {
  SlaClock clock = MakeClock({}, /*due_soon=*/2);
  SlaPolicy five{5};
  auto state_at = [&](TimePoint now) {
    auto r = clock.Compute(five, T("2026-01-05", 9), {}, now);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : SlaReport{};
  };
  SlaReport r = state_at(T("2026-01-07", 9));  // 2 elapsed, 3 left
  EXPECT_EQ(r.state, SlaState::kOnTrack);
  EXPECT_EQ(FormatDate(*r.due_date), "2026-01-12");
  r = state_at(T("2026-01-08", 9));  // 3 elapsed, 2 left
  EXPECT_EQ(r.state, SlaState::kDueSoon);
  r = state_at(T("2026-01-10", 9));  // Saturday: still 4 elapsed
  EXPECT_EQ(r.elapsed_working_days, 4);
  EXPECT_EQ(r.state, SlaState::kDueSoon);
  r = state_at(T("2026-01-12", 23));  // the due date itself
  EXPECT_EQ(r.remaining_working_days, 0);
  EXPECT_EQ(r.state, SlaState::kDueSoon);
  r = state_at(T("2026-01-13", 0));  // the day after
  EXPECT_EQ(r.remaining_working_days, -1);
  EXPECT_EQ(r.state, SlaState::kOverdue);
}

TEST(SlaReports, OpenPauseHasNoDueDate) {
  SlaClock clock = MakeClock();
  auto r = clock.Compute(SlaPolicy{10}, T("2026-01-05", 9), {{T("2026-01-07", 12), std::nullopt}},
                         T("2026-02-20", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->paused);
  EXPECT_FALSE(r->due_date.has_value());
  EXPECT_EQ(r->elapsed_working_days, 2);
  EXPECT_EQ(r->remaining_working_days, 8);
  EXPECT_EQ(r->state, SlaState::kOnTrack);
  // A pause whose end is still in the future is open at `now`.
  r = clock.Compute(SlaPolicy{5}, T("2026-01-05", 9), {{T("2026-01-07", 12), T("2026-03-01", 0)}},
                    T("2026-02-20", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->paused);
  EXPECT_EQ(r->elapsed_working_days, 2);
  // Overdue before the pause stays overdue while paused.
  r = clock.Compute(SlaPolicy{1}, T("2026-01-05", 9), {{T("2026-01-07", 12), std::nullopt}},
                    T("2026-01-20", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, SlaState::kOverdue);
}

TEST(SlaReports, ZeroTargetIsDueOnSubmission) {
  SlaClock clock = MakeClock();
  auto r = clock.Compute(SlaPolicy{0}, T("2026-01-05", 9), {}, T("2026-01-05", 10));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r->due_date, D("2026-01-05"));
  EXPECT_EQ(r->state, SlaState::kDueSoon);
}

TEST(SlaReports, Errors) {
  SlaClock clock(WorkingCalendar(), SlaPolicyMap{{ApplicationType::kIndividual, {10}}});
  auto r = clock.Compute(ApplicationType::kTransit, T("2026-01-05", 9), {}, T("2026-01-06", 9));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "no SLA policy for transit");
  r = clock.Compute(SlaPolicy{-1}, T("2026-01-05", 9), {}, T("2026-01-06", 9));
  EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
}

TEST(SlaReports, ToJson) {
  SlaClock clock = MakeClock();
  auto r = clock.Compute(SlaPolicy{5}, T("2026-01-05", 9), {}, T("2026-01-06", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(ToJson(*r), nlohmann::json::parse(R"({"target_working_days":5,"elapsed_working_days":1,
      "remaining_working_days":4,"paused":false,"due_date":"2026-01-12","state":"on_track"})"));
  r = clock.Compute(SlaPolicy{5}, T("2026-01-05", 9), {{T("2026-01-05", 10), {}}}, T("2026-01-06", 9));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(ToJson(*r)["due_date"].is_null());
  EXPECT_EQ(SlaStateName(SlaState::kOverdue), "overdue");
  EXPECT_EQ(SlaStateName(SlaState::kDueSoon), "due_soon");
}

// ---------------------------------------------------------------- policies

TEST(SlaPolicies, DefaultsCoverEveryType) {
  SlaPolicyMap m = DefaultSlaPolicies();
  for (ApplicationType t : AllApplicationTypes()) EXPECT_TRUE(m.contains(t)) << ApplicationTypeName(t);
}

TEST(SlaPolicies, FromJson) {
  auto m = SlaPoliciesFromJson(
      nlohmann::json::parse(R"({"individual": {"target_working_days": 15}, "transit": 10})"));
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->at(ApplicationType::kIndividual).target_working_days, 15);
  EXPECT_EQ(m->at(ApplicationType::kTransit).target_working_days, 10);
  EXPECT_EQ(m->at(ApplicationType::kGlobal).target_working_days, 60);  // default kept
  EXPECT_TRUE(SlaPoliciesFromJson(nlohmann::json()).ok());

  struct Bad {
    const char* json;
    const char* message;
  };
  for (const Bad& b : {
           Bad{R"([1])", "sla: expected an object keyed by application type"},
           Bad{R"({"ogel": 5})", "sla.ogel: unknown application type"},
           Bad{R"({"global": "5"})", "sla.global: expected a whole number of working days"},
           Bad{R"({"global": 5.5})", "sla.global: expected a whole number of working days"},
           Bad{R"({"global": -1})", "sla.global: must be between 0 and 1000"},
           Bad{R"({"global": {}})", "sla.global.target_working_days: required"},
           Bad{R"({"global": {"target_working_days": 1001}})",
               "sla.global.target_working_days: must be between 0 and 1000"},
       }) {
    auto r = SlaPoliciesFromJson(nlohmann::json::parse(b.json));
    ASSERT_FALSE(r.ok()) << b.json;
    EXPECT_EQ(r.status().message(), b.message) << b.json;
  }
}

}  // namespace
}  // namespace stm::licensing
