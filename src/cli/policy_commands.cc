#include "cli/policy_commands.h"

#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "api/app.h"
#include "catalog/catalog.h"
#include "policy/determination.h"
#include "screening/countries.h"

namespace stm::cli {

int RunDetermine(const Config& config, const DetermineArgs& args) {
  std::ifstream in(args.input);
  if (!in) {
    std::cerr << "error: cannot read " << args.input << "\n";
    return 2;
  }
  auto data = policy::PolicyData::LoadDirectory(
      ResolveProjectDataDir(config) + "/policy",
      [](std::string_view c) { return !screening::CountryName(c).empty(); });
  if (!data.ok()) {
    std::cerr << "error: " << data.status().ToString() << "\n";
    return 2;
  }
  // The catalogue knows each code's regime; without the data directory the numbering tells it.
  auto classifier = api::LoadClassifier(ResolveDataDir(config), ResolveProjectDataDir(config));
  std::shared_ptr<const classify::Classifier> shared;
  if (classifier.ok()) shared = *classifier;
  policy::DeterminationOptions options;
  options.regimes_of = [shared](std::string_view code) {
    std::vector<std::string> regimes;
    if (shared) {
      if (const catalog::ControlEntry* e = shared->catalog().Find(code)) {
        regimes.emplace_back(catalog::RegimeId(e->regime));
        return regimes;
      }
    }
    if (auto r = catalog::RegimeFromNumbering(code)) regimes.emplace_back(catalog::RegimeId(*r));
    return regimes;
  };
  std::ofstream out(args.output, std::ios::trunc);
  if (!out) {
    std::cerr << "error: cannot write " << args.output << "\n";
    return 2;
  }
  int line_no = 0, errors = 0, done = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    nlohmann::json id = j.is_object() && j.contains("id") ? j["id"] : nlohmann::json(line_no);
    nlohmann::json result;
    Status status;
    if (j.is_discarded()) {
      status = Status::InvalidArgument(fmt::format("line {}: not valid JSON", line_no));
    } else {
      auto input = policy::DeterminationInputFromJson(j);
      if (input.ok() && screening::CountryName(input->destination).empty()) {
        input = Status::InvalidArgument(
            fmt::format("destination: '{}' is not an ISO 3166-1 alpha-2 code", input->destination));
      }
      if (input.ok()) {
        auto d = policy::Determine(*data, options, *input);
        if (d.ok()) {
          result = policy::ToJson(*d);
          result["id"] = id;
        } else {
          status = d.status();
        }
      } else {
        status = input.status();
      }
    }
    if (!status.ok()) {
      ++errors;
      result = {{"id", id}, {"error", status.message()}};
    } else {
      ++done;
    }
    out << result.dump() << "\n";
  }
  std::cerr << fmt::format("determined {} transaction(s), {} error(s)\n", done, errors);
  return errors == 0 ? 0 : 1;
}

}  // namespace stm::cli
