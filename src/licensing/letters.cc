#include "licensing/letters.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <fstream>
#include <sstream>
#include <utility>

#include "common/text.h"

namespace stm::licensing {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::pair<LetterKind, std::string_view>, 5> kKinds = {{
    {LetterKind::kApproval, "approval"},
    {LetterKind::kRefusal, "refusal"},
    {LetterKind::kNoLicenceRequired, "no_licence_required"},
    {LetterKind::kQuery, "query"},
    {LetterKind::kAppealDecision, "appeal_decision"},
}};

int LineOf(std::string_view text, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

// Checks tags are closed and sections balanced; the error names the template and line.
Status Validate(std::string_view name, std::string_view text, int line_offset) {
  std::vector<std::pair<std::string, int>> open;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t end = text.find("}}", pos + 2);
    int line = LineOf(text, pos) + line_offset;
    if (end == std::string_view::npos) {
      return Status::InvalidArgument(fmt::format("letter template {}, line {}: unclosed '{{{{'", name, line));
    }
    std::string tag = Trim(text.substr(pos + 2, end - pos - 2));
    if (tag.empty()) {
      return Status::InvalidArgument(fmt::format("letter template {}, line {}: empty tag", name, line));
    }
    if (tag[0] == '#' || tag[0] == '^') {
      open.emplace_back(Trim(tag.substr(1)), line);
    } else if (tag[0] == '/') {
      std::string closing = Trim(tag.substr(1));
      if (open.empty() || open.back().first != closing) {
        return Status::InvalidArgument(
            fmt::format("letter template {}, line {}: '{{{{/{}}}}}' closes no open section{}", name, line,
                        closing, open.empty() ? "" : fmt::format(" (open: '{}')", open.back().first)));
      }
      open.pop_back();
    }
    pos = end + 2;
  }
  if (!open.empty()) {
    return Status::InvalidArgument(fmt::format("letter template {}, line {}: section '{}' is never closed",
                                               name, open.back().second, open.back().first));
  }
  return Status::Ok();
}

// Looks `path` up through the context stack, innermost first. "." is the innermost value.
const Json* Lookup(const std::vector<const Json*>& stack, const std::string& path) {
  if (path == ".") return stack.back();
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (auto it = stack.rbegin(); it != stack.rend(); ++it) {
    const Json* v = *it;
    if (!v->is_object() || !v->contains(parts[0])) continue;
    v = &(*v)[parts[0]];
    for (size_t i = 1; i < parts.size() && v != nullptr; ++i) {
      v = v->is_object() && v->contains(parts[i]) ? &(*v)[parts[i]] : nullptr;
    }
    return v;
  }
  return nullptr;
}

bool Truthy(const Json* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string()) return !v->get_ref<const std::string&>().empty();
  if (v->is_array() || v->is_object()) return !v->empty();
  return true;
}

// Renders text[begin, end) (already validated) into `out`.
Status RenderRange(std::string_view name, std::string_view text, size_t begin, size_t end,
                   std::vector<const Json*>& stack, std::string& out) {
  size_t pos = begin;
  while (pos < end) {
    size_t open = text.find("{{", pos);
    if (open == std::string_view::npos || open >= end) {
      out.append(text.substr(pos, end - pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    size_t close = text.find("}}", open + 2);
    std::string tag = Trim(text.substr(open + 2, close - open - 2));
    pos = close + 2;
    if (tag[0] == '#' || tag[0] == '^') {
      const bool inverse = tag[0] == '^';
      std::string key = Trim(tag.substr(1));
      // Find the matching close tag, counting nested sections of the same name.
      size_t scan = pos;
      int depth = 1;
      size_t inner_end = pos;
      size_t after = pos;
      while (depth > 0) {
        size_t o = text.find("{{", scan);
        size_t c = text.find("}}", o + 2);
        std::string t = Trim(text.substr(o + 2, c - o - 2));
        if ((t[0] == '#' || t[0] == '^') && Trim(t.substr(1)) == key) ++depth;
        if (t[0] == '/' && Trim(t.substr(1)) == key) --depth;
        if (depth == 0) {
          inner_end = o;
          after = c + 2;
        }
        scan = c + 2;
      }
      const Json* value = Lookup(stack, key);
      if (inverse) {
        if (!Truthy(value)) STM_RETURN_IF_ERROR(RenderRange(name, text, pos, inner_end, stack, out));
      } else if (value != nullptr && value->is_array()) {
        for (const Json& element : *value) {
          stack.push_back(&element);
          Status s = RenderRange(name, text, pos, inner_end, stack, out);
          stack.pop_back();
          STM_RETURN_IF_ERROR(s);
        }
      } else if (Truthy(value)) {
        if (value->is_object()) stack.push_back(value);
        Status s = RenderRange(name, text, pos, inner_end, stack, out);
        if (value->is_object()) stack.pop_back();
        STM_RETURN_IF_ERROR(s);
      }
      pos = after;
      continue;
    }
    const Json* value = Lookup(stack, tag);
    if (value == nullptr) {
      return Status::FailedPrecondition(fmt::format("letter template {}: no value for '{{{{{}}}}}' (line {})",
                                                    name, tag, LineOf(text, open)));
    }
    if (value->is_string()) {
      out += value->get_ref<const std::string&>();
    } else if (value->is_number_float()) {
      // Quantities read as people write them: 2, not 2.0; 15000.5 as given.
      double d = value->get<double>();
      if (std::floor(d) == d && std::fabs(d) < 1e15) {
        out += fmt::format("{}", static_cast<int64_t>(d));
      } else {
        out += fmt::format("{}", d);
      }
    } else if (!value->is_null()) {
      out += value->dump();
    }
  }
  return Status::Ok();
}

// Mustache's standalone rule: a line holding only a section tag leaves no blank line behind.
std::string StripStandaloneLines(std::string_view text) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line =
        text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    std::string trimmed = Trim(line);
    if (!trimmed.empty() && trimmed.back() == '\r') trimmed.pop_back();
    bool standalone = trimmed.size() > 5 && trimmed.rfind("{{", 0) == 0 &&
                      (trimmed[2] == '#' || trimmed[2] == '^' || trimmed[2] == '/') &&
                      trimmed.find("}}") == trimmed.size() - 2;
    if (standalone) {
      out += trimmed;
    } else {
      out.append(line);
      if (eol != std::string_view::npos) out += '\n';
    }
    if (eol == std::string_view::npos) break;
    pos = eol + 1;
  }
  return out;
}

}  // namespace

std::string_view LetterKindName(LetterKind k) {
  for (const auto& [kind, name] : kKinds) {
    if (kind == k) return name;
  }
  return "unknown";
}

std::optional<LetterKind> ParseLetterKind(std::string_view name) {
  for (const auto& [kind, n] : kKinds) {
    if (n == name) return kind;
  }
  return std::nullopt;
}

const std::vector<LetterKind>& AllLetterKinds() {
  static const std::vector<LetterKind> kAll = [] {
    std::vector<LetterKind> v;
    for (const auto& [kind, name] : kKinds) v.push_back(kind);
    return v;
  }();
  return kAll;
}

Result<std::string> RenderTemplateText(std::string_view name, std::string_view text, const Json& context) {
  STM_RETURN_IF_ERROR(Validate(name, text, 0));
  std::string out;
  std::vector<const Json*> stack{&context};
  STM_RETURN_IF_ERROR(RenderRange(name, text, 0, text.size(), stack, out));
  return out;
}

Result<LetterTemplate> LetterTemplate::Parse(std::string name, std::string_view text) {
  constexpr std::string_view kSubject = "Subject:";
  size_t eol = text.find('\n');
  std::string_view first = text.substr(0, eol);
  if (!first.empty() && first.back() == '\r') first.remove_suffix(1);
  if (first.substr(0, kSubject.size()) != kSubject) {
    return Status::InvalidArgument(
        fmt::format("letter template {}, line 1: must start with 'Subject: <text>'", name));
  }
  LetterTemplate t;
  t.subject_ = Trim(first.substr(kSubject.size()));
  if (t.subject_.empty()) {
    return Status::InvalidArgument(fmt::format("letter template {}, line 1: the subject is empty", name));
  }
  std::string_view rest = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
  if (!rest.empty() && rest[0] != '\n' && rest.substr(0, 2) != "\r\n") {
    return Status::InvalidArgument(
        fmt::format("letter template {}, line 2: a blank line must follow the subject", name));
  }
  rest.remove_prefix(rest.empty() ? 0 : (rest[0] == '\n' ? 1 : 2));
  STM_RETURN_IF_ERROR(Validate(name, t.subject_, 0));
  STM_RETURN_IF_ERROR(Validate(name, rest, 2));
  t.name_ = std::move(name);
  t.body_ = StripStandaloneLines(rest);
  return t;
}

Result<RenderedLetter> LetterTemplate::Render(const Json& context) const {
  RenderedLetter letter;
  STM_ASSIGN_OR_RETURN(letter.subject, RenderTemplateText(name_, subject_, context));
  STM_ASSIGN_OR_RETURN(letter.body, RenderTemplateText(name_, body_, context));
  return letter;
}

Result<LetterTemplates> LetterTemplates::LoadDirectory(const std::string& dir) {
  std::map<LetterKind, LetterTemplate> templates;
  for (LetterKind kind : AllLetterKinds()) {
    std::string path = fmt::format("{}/{}.txt", dir, LetterKindName(kind));
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("letter template {} cannot be read", path));
    std::stringstream buffer;
    buffer << in.rdbuf();
    STM_ASSIGN_OR_RETURN(auto t, LetterTemplate::Parse(path, buffer.str()));
    templates.emplace(kind, std::move(t));
  }
  return FromTemplates(std::move(templates));
}

LetterTemplates LetterTemplates::FromTemplates(std::map<LetterKind, LetterTemplate> templates) {
  LetterTemplates t;
  t.templates_ = std::move(templates);
  return t;
}

Result<RenderedLetter> LetterTemplates::Render(LetterKind kind, const Json& context) const {
  auto it = templates_.find(kind);
  if (it == templates_.end()) {
    return Status::NotFound(fmt::format("no letter template for '{}'", LetterKindName(kind)));
  }
  return it->second.Render(context);
}

}  // namespace stm::licensing
