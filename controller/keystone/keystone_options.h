#ifndef PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_OPTIONS_H_
#define PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_OPTIONS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/option_table.h"

namespace porthole::controller::keystone {

// [keystone_authtoken]: how Porthole reaches Keystone and who it is there.
// Names and defaults are keystonemiddleware's where it has the option; the
// ones Porthole adds are marked. Plain data.
struct KeystoneOptions {
  std::string auth_url;              // where the service user authenticates
  std::string www_authenticate_uri;  // named in 401s; empty: auth_url
  std::string auth_type = "password";
  std::string username;
  std::string password;
  std::string user_domain_name = "Default";
  std::string project_name;
  std::string project_domain_name = "Default";
  std::string cafile;    // empty: the system's CAs
  std::string certfile;  // client certificate for Keystone, with keyfile
  std::string keyfile;
  bool insecure = false;  // do not verify Keystone's certificate
  absl::Duration token_cache_time = absl::Seconds(300);
  // Bounds each request to Keystone, connect included (keystonemiddleware
  // has no default: Porthole never waits without a bound).
  absl::Duration http_connect_timeout = absl::Seconds(3);
  int http_request_max_retries = 3;  // after a connection failure/timeout
  std::vector<std::string> service_token_roles = {"service"};
  std::string region_name;  // of the identity endpoint in the catalog
  std::string interface = "internal";
  // Porthole: validated tokens kept at most, and how long a refused token
  // is remembered as refused (capped by token_cache_time).
  size_t token_cache_size = 10000;
  absl::Duration negative_cache_time = absl::Seconds(10);
  // Porthole: how often Keystone's revocation events are fetched, to end
  // the sessions of revoked access (zero: never).
  absl::Duration revocation_check_interval = absl::Seconds(60);
};

// Registers the [keystone_authtoken] options, storing into `*options`.
void AddKeystoneOptions(OptionTable* table, KeystoneOptions* options);

// What `auth_strategy = keystone` needs: auth_url, username, password,
// project_name, a certfile with a keyfile. INVALID_ARGUMENT naming the
// option otherwise.
absl::Status CheckKeystoneOptions(const KeystoneOptions& options);

// An identity URL as the base of the v3 API: "https://ks:5000" and
// "https://ks:5000/v3/" both give "https://ks:5000/v3".
std::string IdentityV3Url(std::string_view url);

}  // namespace porthole::controller::keystone

#endif  // PORTHOLE_CONTROLLER_KEYSTONE_KEYSTONE_OPTIONS_H_
