// Letters to the exporter (approval, refusal, "no licence required", query, appeal decision) generated from
// templates kept as data (data/letters/<kind>.txt), so an authority words its own letters without a build.
//
// Template: the first line is "Subject: <text>", then one blank line, then the body. Both are rendered with
// a small, strict subset of Mustache over a JSON context:
//   {{a.b}}            the value at a dotted path (strings as they are, numbers and booleans as JSON text);
//   {{#a}}...{{/a}}    a section: repeated for each element of an array (inside, {{.}} is the element and
//                      paths are looked up in the element first, then outside), shown once for a true
//                      non-empty value, hidden for false, null, missing, empty strings and empty arrays;
//   {{^a}}...{{/a}}    the inverse: shown only where the section would be hidden.
// A plain {{name}} whose path is missing is an error naming it: a letter never goes out with a hole.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace stm::licensing {

enum class LetterKind { kApproval, kRefusal, kNoLicenceRequired, kQuery, kAppealDecision };
// "approval", "refusal", "no_licence_required", "query", "appeal_decision" (also the template file stems).
std::string_view LetterKindName(LetterKind k);
std::optional<LetterKind> ParseLetterKind(std::string_view name);
const std::vector<LetterKind>& AllLetterKinds();

struct RenderedLetter {
  std::string subject;
  std::string body;
};

// One parsed template. Immutable; thread-safe.
class LetterTemplate {
 public:
  // kInvalidArgument naming `name` and the line for a missing "Subject:" line, unbalanced or mismatched
  // sections, an unclosed tag.
  static Result<LetterTemplate> Parse(std::string name, std::string_view text);
  // kFailedPrecondition naming the template and the missing path.
  Result<RenderedLetter> Render(const nlohmann::json& context) const;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::string subject_;
  std::string body_;
};

// Renders `text` alone (no subject line) with the rules above; `name` is used in messages.
Result<std::string> RenderTemplateText(std::string_view name, std::string_view text,
                                       const nlohmann::json& context);

// The templates of every letter kind. Immutable after loading; thread-safe.
class LetterTemplates {
 public:
  // Reads <dir>/<kind>.txt for every kind; a missing or malformed file is an error naming it.
  static Result<LetterTemplates> LoadDirectory(const std::string& dir);
  static LetterTemplates FromTemplates(std::map<LetterKind, LetterTemplate> templates);
  // kNotFound when the kind has no template.
  Result<RenderedLetter> Render(LetterKind kind, const nlohmann::json& context) const;
  bool Has(LetterKind kind) const { return templates_.count(kind) > 0; }

 private:
  std::map<LetterKind, LetterTemplate> templates_;
};

}  // namespace stm::licensing
