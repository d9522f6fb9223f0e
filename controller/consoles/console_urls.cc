#include "controller/consoles/console_urls.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/url_encoding.h"

namespace porthole::controller {
namespace {

struct SplitUrl {
  std::string_view base;      // up to '?', or the whole URL before '#'
  std::string_view query;     // between '?' and '#', without them
  std::string_view fragment;  // from '#' on, including it
};

SplitUrl Split(std::string_view url) {
  SplitUrl out;
  size_t hash = url.find('#');
  if (hash != std::string_view::npos) {
    out.fragment = url.substr(hash);
    url = url.substr(0, hash);
  }
  size_t question = url.find('?');
  if (question == std::string_view::npos) {
    out.base = url;
  } else {
    out.base = url.substr(0, question);
    out.query = url.substr(question + 1);
  }
  return out;
}

std::string NoVncUrl(const SplitUrl& url, std::string_view token) {
  std::vector<std::string> pieces;
  std::string existing_path;
  std::optional<size_t> path_index;
  for (QueryParam& param : ParseQueryString(url.query)) {
    if (param.key != "path") {
      pieces.push_back(std::move(param.raw));
      continue;
    }
    // Later `path` values are dropped, as Nova's re-encoding does.
    if (path_index.has_value()) continue;
    path_index = pieces.size();
    existing_path = std::move(param.value);
    pieces.emplace_back();  // filled below
  }
  std::string path_param = absl::StrCat(
      "path=",
      QuotePlus(absl::StrCat(existing_path, "?token=", std::string(token))));
  if (path_index.has_value()) {
    pieces[*path_index] = std::move(path_param);
  } else {
    pieces.push_back(std::move(path_param));
  }
  return absl::StrCat(std::string(url.base), "?", absl::StrJoin(pieces, "&"),
                      std::string(url.fragment));
}

std::string TokenParamUrl(const SplitUrl& url, std::string_view token) {
  std::string out(url.base);
  out.push_back('?');
  if (!url.query.empty()) {
    out.append(url.query);
    if (url.query.back() != '&') out.push_back('&');
  }
  absl::StrAppend(&out, "token=", std::string(token),
                  std::string(url.fragment));
  return out;
}

}  // namespace

std::string BuildConsoleUrl(std::string_view console_type,
                            std::string_view base_url, std::string_view token) {
  SplitUrl url = Split(base_url);
  if (console_type == "novnc") return NoVncUrl(url, token);
  return TokenParamUrl(url, token);
}

}  // namespace porthole::controller
