#include "controller/tokens/etcd_revocation_watch.h"

#include <string>
#include <utility>

namespace porthole::controller {

EtcdRevocationWatch::EtcdRevocationWatch(EtcdClient* client, EtcdTokenKeys keys,
                                         int64_t start_revision,
                                         RevocationListener listener,
                                         UnixClock clock)
    : keys_(std::move(keys)),
      listener_(std::move(listener)),
      clock_(std::move(clock)),
      watch_(client, keys_.TokensPrefix(),
             EtcdPrefixWatch::Callbacks{
                 nullptr,
                 [this](const std::vector<mvccpb::Event>& deletions) {
                   OnDeletions(deletions);
                 }},
             EtcdPrefixWatch::Options{.list = false,
                                      .start_revision = start_revision,
                                      .deletions_only = true}) {}

void EtcdRevocationWatch::OnDeletions(
    const std::vector<mvccpb::Event>& deletions) {
  const std::string prefix = keys_.TokensPrefix();
  std::vector<RevokedToken> revoked;
  const int64_t now = clock_();
  for (const mvccpb::Event& event : deletions) {
    if (event.type() != mvccpb::Event::DELETE) continue;
    std::string hash = event.kv().key().substr(prefix.size());
    absl::StatusOr<ConsoleAuthRecord> record =
        DecodeEtcdTokenRecord(hash, event.prev_kv().value());
    // A lease ends after `expires`: a deletion before it is a revocation.
    if (record.ok() && record->expires > now) {
      revoked.push_back({std::move(hash), record->instance_uuid});
    }
  }
  if (!revoked.empty()) listener_(revoked);
}

}  // namespace porthole::controller
