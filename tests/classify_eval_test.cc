// The held-out evaluation set (data/eval/classify_heldout.jsonl, written without looking at the
// transcribed criteria): figures printed, floors asserted.
#include <gtest/gtest.h>

#include <fstream>

#include "classify/classifier.h"
#include "test_data.h"

namespace stm::classify {
namespace {

TEST(ClassifyEval, HeldOutSet) {
  std::string data = stm::testing::SharedDataDir("controls");
  auto c = Classifier::Load({data, stm::testing::ProjectDataDir()});
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::ifstream in(stm::testing::ProjectDataDir() + "/eval/classify_heldout.jsonl");
  ASSERT_TRUE(in) << "data/eval/classify_heldout.jsonl missing";
  int positives = 0, top1 = 0, top1_verdict = 0, top1_not_denied = 0, negatives = 0, negatives_ok = 0,
      errors = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    auto item = ItemFromJson(j);
    ASSERT_TRUE(item.ok()) << j["id"] << ": " << item.status().message();
    auto r = (*c)->Classify(*item, 10);
    if (!r.ok()) {
      ++errors;
      std::cout << "  " << j["id"].get<std::string>() << " error: " << r.status().message() << "\n";
    }
    const auto& expect = j["expect"];
    if (expect["verdict"] == "not") {
      ++negatives;
      bool ok = true;
      if (r.ok()) {
        for (const auto& x : r->candidates) {
          if (x.verdict == Verdict::kControlled) {
            ok = false;
            std::cout << "  " << j["id"].get<std::string>() << " false 'controlled': " << x.code << "\n";
          }
        }
      }
      negatives_ok += ok;
      continue;
    }
    ++positives;
    if (!r.ok() || r->candidates.empty()) continue;
    std::vector<std::string> acceptable{expect["code"].get<std::string>()};
    for (const auto& a : j.value("also_acceptable", nlohmann::json::array()))
      acceptable.push_back(a.get<std::string>());
    const Candidate& first = r->candidates.front();
    bool code_ok = false;
    for (const auto& a : acceptable)
      code_ok |= first.code == a || first.code.starts_with(a + ".") || a.starts_with(first.code + ".");
    top1 += code_ok;
    top1_verdict += code_ok && VerdictName(first.verdict) == expect["verdict"].get<std::string>();
    top1_not_denied += code_ok && first.verdict != Verdict::kNot;
    if (!code_ok)
      std::cout << "  " << j["id"].get<std::string>() << " top-1 " << first.code << ", expected "
                << acceptable[0] << "\n";
  }
  std::cout << "[ classify eval ] catalogue " << (data.empty() ? "absent (criteria only)" : data)
            << "; positives " << positives << ": top-1 code " << top1 << " ("
            << 100.0 * top1 / std::max(1, positives) << " %), top-1 code and not 'not' " << top1_not_denied
            << ", code and exact verdict " << top1_verdict << "; negatives " << negatives
            << ": no false 'controlled' " << negatives_ok << "; input errors " << errors << "\n";
  EXPECT_GE(positives + negatives, 50);
  EXPECT_EQ(negatives_ok, negatives);  // never "controlled" for an uncontrolled item
  if (!data.empty()) {
    EXPECT_GE(top1 * 100, positives * 75);
  }
}

}  // namespace
}  // namespace stm::classify
