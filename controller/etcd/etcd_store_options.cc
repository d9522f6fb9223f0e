#include "controller/etcd/etcd_store_options.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/url_encoding.h"

namespace porthole::controller {
namespace {

constexpr absl::string_view kPlainScheme = "etcd://";
constexpr absl::string_view kTlsScheme = "etcds://";

absl::Status BadUrl(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("token store URL '", url, "': ", why,
                   "; expected etcd://HOST:PORT[,HOST:PORT...]/PREFIX or "
                   "etcds://...?cert=FILE&key=FILE&ca=FILE"));
}

}  // namespace

absl::StatusOr<EtcdStoreOptions> ParseEtcdStoreUrl(std::string_view text) {
  // Debian's abseil has a string_view of its own.
  const absl::string_view url(text.data(), text.size());
  EtcdStoreOptions options;
  absl::string_view rest = url;
  if (absl::ConsumePrefix(&rest, kTlsScheme)) {
    options.tls = true;
  } else if (!absl::ConsumePrefix(&rest, kPlainScheme)) {
    return BadUrl(url, "not an etcd:// or etcds:// URL");
  }
  absl::string_view query;
  if (size_t mark = rest.find('?'); mark != absl::string_view::npos) {
    query = rest.substr(mark + 1);
    rest = rest.substr(0, mark);
  }
  if (rest.find('#') != absl::string_view::npos) {
    return BadUrl(url, "a fragment ('#') is not allowed");
  }
  absl::string_view hosts = rest;
  absl::string_view path;
  if (size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    hosts = rest.substr(0, slash);
    path = rest.substr(slash);
  }
  if (hosts.empty()) return BadUrl(url, "no etcd endpoint");
  for (absl::string_view endpoint : absl::StrSplit(hosts, ',')) {
    absl::StatusOr<HostPort> parsed =
        ParseHostPort(std::string_view(endpoint.data(), endpoint.size()),
                      EtcdStoreOptions::kDefaultPort);
    if (!parsed.ok() || parsed->host.empty() || parsed->port == 0) {
      return BadUrl(url, absl::StrCat("bad endpoint '", endpoint, "'"));
    }
    options.endpoints.push_back(*std::move(parsed));
  }
  std::string prefix(absl::StripSuffix(path, "/"));
  while (prefix.ends_with('/')) prefix.pop_back();
  if (!prefix.empty()) {
    if (prefix.find("//") != std::string::npos) {
      return BadUrl(url, "empty segment in the key prefix");
    }
    options.prefix = prefix;
  }
  for (const QueryParam& param :
       ParseQueryString(std::string_view(query.data(), query.size()))) {
    if (!options.tls) {
      return BadUrl(url, "cert, key and ca need etcds://");
    }
    if (param.key == "cert") {
      options.tls_files.cert_file = param.value;
    } else if (param.key == "key") {
      options.tls_files.key_file = param.value;
    } else if (param.key == "ca") {
      options.tls_files.ca_file = param.value;
    } else {
      return BadUrl(url, absl::StrCat("unknown parameter '", param.key, "'"));
    }
  }
  if (options.tls_files.cert_file.empty() !=
      options.tls_files.key_file.empty()) {
    return BadUrl(url, "cert and key go together");
  }
  return options;
}

}  // namespace porthole::controller
