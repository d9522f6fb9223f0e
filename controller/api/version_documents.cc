#include "controller/api/version_documents.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace porthole::controller {
namespace {

struct VersionInfo {
  const char* id;
  const char* status;
  const char* updated;
  const char* mount;       // "v2" or "v2.1"
  const char* media_type;  // the `version=` of the media type
};

// v2.0 became DEPRECATED in 32.0.0 (with that `updated`).
constexpr VersionInfo kV20{"v2.0", "DEPRECATED", "2025-07-04T12:00:00Z", "v2",
                           "2"};
constexpr VersionInfo kV21{"v2.1", "CURRENT", "2013-07-23T11:33:21Z", "v2.1",
                           "2.1"};

Json SelfLink(std::string_view link_prefix, std::string_view tail) {
  return {
      {"rel", "self"},
      {"href", absl::StrCat(std::string(link_prefix), "/", std::string(tail))}};
}

Json MediaTypes(const VersionInfo& info) {
  Json types = Json::array();
  types.push_back(
      {{"base", "application/json"},
       {"type", absl::StrCat("application/vnd.openstack.compute+json;version=",
                             info.media_type)}});
  return types;
}

Json Entry(const VersionInfo& info, std::string_view link_prefix,
           ApiVersion max) {
  bool current = &info == &kV21;
  Json json;
  json["id"] = info.id;
  json["status"] = info.status;
  json["version"] = current ? max.ToString() : "";
  json["min_version"] = current ? kMinApiVersion.ToString() : "";
  json["updated"] = info.updated;
  json["links"] =
      Json::array({SelfLink(link_prefix, absl::StrCat(info.mount, "/"))});
  return json;
}

}  // namespace

Json VersionsDocument(std::string_view link_prefix, ApiVersion max) {
  Json versions = Json::array();
  versions.push_back(Entry(kV20, link_prefix, max));
  versions.push_back(Entry(kV21, link_prefix, max));
  Json body;
  body["versions"] = std::move(versions);
  return body;
}

Json VersionDocument(std::string_view link_prefix, ApiVersion max, bool v2_0) {
  const VersionInfo& info = v2_0 ? kV20 : kV21;
  Json version = Entry(info, link_prefix, max);
  version["links"].push_back({{"rel", "describedby"},
                              {"type", "text/html"},
                              {"href", "http://docs.openstack.org/"}});
  version["media-types"] = MediaTypes(info);
  Json body;
  body["version"] = std::move(version);
  return body;
}

Json ChoicesDocument(std::string_view link_prefix, std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  Json choices = Json::array();
  for (const VersionInfo* info : {&kV20, &kV21}) {
    Json choice;
    choice["id"] = info->id;
    choice["status"] = info->status;
    choice["links"] = Json::array({SelfLink(
        link_prefix, absl::StrCat(info->mount, "/", std::string(path)))});
    choice["media-types"] = MediaTypes(*info);
    choices.push_back(std::move(choice));
  }
  Json body;
  body["choices"] = std::move(choices);
  return body;
}

}  // namespace porthole::controller
