#include "controller/keystone/keystone_authenticator.h"

#include <utility>

#include "common/logging.h"

namespace porthole::controller::keystone {
namespace {

constexpr char kUnavailableText[] =
    "The identity service is unavailable; the token cannot be checked now. "
    "Try again later.";

bool CouldBeAToken(std::string_view token) {
  if (token.empty() || token.size() > KeystoneAuthenticator::kMaxTokenBytes) {
    return false;
  }
  // It goes into a header of our request to Keystone: nothing that could
  // end that header or smuggle another one.
  for (char c : token) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x21 || byte > 0x7e) return false;
  }
  return true;
}

int64_t WholeSeconds(absl::Duration d) { return absl::ToInt64Seconds(d); }

}  // namespace

absl::StatusOr<std::unique_ptr<KeystoneAuthenticator>>
KeystoneAuthenticator::Create(const KeystoneOptions& options,
                              const UnixClock& clock,
                              ControllerMetrics* metrics) {
  if (absl::Status s = CheckKeystoneOptions(options); !s.ok()) return s;
  return std::unique_ptr<KeystoneAuthenticator>(
      new KeystoneAuthenticator(options, clock, metrics));
}

KeystoneAuthenticator::KeystoneAuthenticator(const KeystoneOptions& options,
                                             const UnixClock& clock,
                                             ControllerMetrics* metrics)
    : client_(std::make_unique<KeystoneClient>(options, clock)),
      cache_(std::make_unique<TokenCache>(
          TokenCache::Options{
              .max_entries = options.token_cache_size,
              .ttl_seconds = WholeSeconds(options.token_cache_time),
              .negative_ttl_seconds =
                  WholeSeconds(options.negative_cache_time)},
          clock)),
      metrics_(metrics) {}

absl::StatusOr<Principal> KeystoneAuthenticator::Authenticate(
    std::string_view token) const {
  if (!CouldBeAToken(token)) {
    return absl::UnauthenticatedError("not a Keystone token");
  }
  bool asked = false;
  absl::StatusOr<Principal> principal = cache_->Lookup(token, [&] {
    asked = true;
    const absl::Time started = absl::Now();
    absl::StatusOr<Principal> answer = client_->Validate(token);
    if (absl::IsUnavailable(answer.status())) {
      LogError("keystone",
               "cannot validate a token: ", answer.status().message());
    }
    if (metrics_ != nullptr) {
      metrics_->ObserveKeystoneValidation(
          absl::Now() - started, answer.ok() ? "ok"
                                 : absl::IsUnauthenticated(answer.status())
                                     ? "refused"
                                     : "error");
    }
    return answer;
  });
  if (metrics_ != nullptr) metrics_->CountKeystoneCacheLookup(!asked);
  if (absl::IsUnavailable(principal.status())) {
    return absl::UnavailableError(kUnavailableText);
  }
  return principal;
}

absl::Status KeystoneAuthenticator::CheckServiceLogin() const {
  absl::Status status = client_->CheckServiceLogin();
  if (!status.ok()) {
    LogError("keystone", "startup check: ", status.message(),
             "; the API answers 503 until it succeeds");
  }
  return status;
}

absl::StatusOr<std::vector<RevocationEvent>>
KeystoneAuthenticator::RevocationEvents() const {
  return client_->RevocationEvents();
}

}  // namespace porthole::controller::keystone
