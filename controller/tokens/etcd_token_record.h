#ifndef PORTHOLE_CONTROLLER_TOKENS_ETCD_TOKEN_RECORD_H_
#define PORTHOLE_CONTROLLER_TOKENS_ETCD_TOKEN_RECORD_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "controller/tokens/token_store.h"

namespace porthole::controller {

// The etcd store's keys under its prefix and the value of a token key.
//   PREFIX/tokens/HASH                  the record, JSON (what
//                                       `etcdctl get` shows an operator)
//   PREFIX/instances/UUID/HASH          empty: the per-server index
//   PREFIX/used/HASH                    empty: the token admitted its one
//                                       session ([consoleauth] single_use)
// Every key of a token carries the lease of its expiry bucket. The value holds
// `expires` because a lease ends late (coarse, and reset by a leader change).
struct EtcdTokenKeys {
  std::string prefix;  // "/porthole"

  std::string TokensPrefix() const { return prefix + "/tokens/"; }
  std::string Token(std::string_view hash) const;
  std::string Used(std::string_view hash) const;
  std::string InstancePrefix(std::string_view uuid) const;
  std::string InstanceToken(std::string_view uuid, std::string_view hash) const;
};

// The record as JSON, token_hash left out (the key holds it).
std::string EncodeEtcdTokenRecord(const ConsoleAuthRecord& record);
// DATA_LOSS when `value` is not what EncodeEtcdTokenRecord writes.
absl::StatusOr<ConsoleAuthRecord> DecodeEtcdTokenRecord(
    std::string_view token_hash, std::string_view value);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_ETCD_TOKEN_RECORD_H_
