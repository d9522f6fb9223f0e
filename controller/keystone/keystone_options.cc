#include "controller/keystone/keystone_options.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole::controller::keystone {
namespace {

constexpr char kSection[] = "keystone_authtoken";

OptionSetter StoreIdentityUrl(std::string* out) {
  return [out](const std::string& v) -> absl::Status {
    if (!v.empty() && !v.starts_with("http://") && !v.starts_with("https://")) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected an http(s):// URL, got '", v, "'"));
    }
    *out = v;
    return absl::OkStatus();
  };
}

OptionSetter StoreOneOf(std::string* out,
                        const std::vector<std::string>& choices) {
  return [out, choices](const std::string& v) -> absl::Status {
    for (const std::string& choice : choices) {
      if (v == choice) {
        *out = v;
        return absl::OkStatus();
      }
    }
    std::string list;
    for (const std::string& choice : choices) {
      absl::StrAppend(&list, list.empty() ? "" : ", ", choice);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("expected one of ", list, ", got '", v, "'"));
  };
}

// oslo.config's ListOpt: comma-separated, blanks trimmed, empties dropped.
OptionSetter StoreList(std::vector<std::string>* out) {
  return [out](const std::string& v) -> absl::Status {
    out->clear();
    for (std::string_view item : Split(v, ',')) {
      item = Trim(item);
      if (!item.empty()) out->emplace_back(item);
    }
    return absl::OkStatus();
  };
}

}  // namespace

void AddKeystoneOptions(OptionTable* t, KeystoneOptions* k) {
  auto add = [t](std::string key, std::string default_value, std::string help,
                 OptionSetter set) {
    t->Add({kSection, std::move(key), "", std::move(default_value),
            std::move(help), std::move(set)});
  };
  add("auth_url", "",
      "Keystone URL where Porthole's service user authenticates "
      "(https://keystone.example.org:5000/v3)",
      StoreIdentityUrl(&k->auth_url));
  add("www_authenticate_uri", "",
      "identity URL named in the WWW-Authenticate header of 401 responses "
      "(the public Keystone URL); empty: auth_url",
      StoreIdentityUrl(&k->www_authenticate_uri));
  add("auth_type", "password",
      "how the service user authenticates: password (the only one)",
      StoreOneOf(&k->auth_type, {"password"}));
  add("username", "", "Porthole's service user in Keystone",
      StoreString(&k->username));
  add("password", "", "that user's password (keep this file 0640)",
      StoreString(&k->password));
  add("user_domain_name", "Default", "the service user's domain",
      StoreString(&k->user_domain_name));
  add("project_name", "",
      "project the service token is scoped to (usually service)",
      StoreString(&k->project_name));
  add("project_domain_name", "Default", "that project's domain",
      StoreString(&k->project_domain_name));
  add("cafile", "",
      "PEM CA bundle to verify Keystone's certificate; empty: the system's",
      StoreString(&k->cafile));
  add("certfile", "", "PEM client certificate for Keystone (with keyfile)",
      StoreString(&k->certfile));
  add("keyfile", "", "PEM private key of certfile", StoreString(&k->keyfile));
  add("insecure", "false",
      "true: do not verify Keystone's certificate (testing only)",
      StoreBool(&k->insecure));
  add("token_cache_time", "300",
      "seconds a validated token is trusted without asking Keystone again "
      "(never past its expiry); a token revoked in Keystone keeps working "
      "this long",
      StoreDuration(&k->token_cache_time));
  add("http_connect_timeout", "3",
      "seconds each request to Keystone may take, connecting included",
      StoreDuration(&k->http_connect_timeout));
  add("http_request_max_retries", "3",
      "retries of a request to Keystone after a connection failure or "
      "timeout; then the API answers 503",
      StoreInteger(&k->http_request_max_retries, 0, 10));
  add("service_token_roles", "service",
      "roles Porthole's service user must hold (one of them) for Keystone to "
      "let it validate tokens; checked on each service login, a missing "
      "role is logged as an error",
      StoreList(&k->service_token_roles));
  add("region_name", "",
      "region of the identity endpoint taken from the catalog; empty: any",
      StoreString(&k->region_name));
  add("interface", "internal",
      "catalog interface of the identity endpoint that validates tokens: "
      "public, internal or admin (none in the catalog: auth_url)",
      StoreOneOf(&k->interface, {"public", "internal", "admin"}));
  add("token_cache_size", "10000",
      "validated tokens kept in the cache at most (Porthole)",
      StoreInteger(&k->token_cache_size, 1, 10'000'000));
  add("negative_cache_time", "10",
      "seconds a token Keystone refused is refused without asking again, at "
      "most token_cache_time (Porthole)",
      StoreDuration(&k->negative_cache_time));
  add("revocation_check_interval", "60",
      "seconds between two fetches of Keystone's revocation events: a "
      "console session whose URL was issued with a token revoked since "
      "(token revoked, user disabled or deleted, project disabled, role "
      "removed) ends within this long, and its URL admits no more; 0: off "
      "(Porthole)",
      StoreDuration(&k->revocation_check_interval));
}

absl::Status CheckKeystoneOptions(const KeystoneOptions& k) {
  auto missing = [](std::string_view key) {
    return absl::InvalidArgumentError(absl::StrCat(
        "[api] auth_strategy = keystone needs [", kSection, "] ", ToAbsl(key)));
  };
  if (k.auth_url.empty()) return missing("auth_url");
  if (k.username.empty()) return missing("username");
  if (k.password.empty()) return missing("password");
  if (k.project_name.empty()) return missing("project_name");
  if (k.certfile.empty() != k.keyfile.empty()) {
    return missing(k.certfile.empty() ? "certfile (with keyfile)"
                                      : "keyfile (with certfile)");
  }
  if (k.http_connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("[", kSection, "] http_connect_timeout must be > 0"));
  }
  return absl::OkStatus();
}

std::string IdentityV3Url(std::string_view url) {
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  if (url.ends_with("/v3")) return std::string(url);
  return absl::StrCat(ToAbsl(url), "/v3");
}

}  // namespace porthole::controller::keystone
