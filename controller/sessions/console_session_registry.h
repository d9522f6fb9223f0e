#ifndef PORTHOLE_CONTROLLER_SESSIONS_CONSOLE_SESSION_REGISTRY_H_
#define PORTHOLE_CONTROLLER_SESSIONS_CONSOLE_SESSION_REGISTRY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "controller/auth/access_revocations.h"
#include "controller/sessions/session_end.h"

namespace porthole::controller {

// What a session is, fixed when its relay starts.
struct ConsoleSessionInfo {
  std::string id;  // UUID4 (NewUuid4)
  std::string server_id;
  std::string console_type;  // novnc | spice-html5 | serial
  std::string user_id;       // who issued the URL ("" if unknown)
  std::string project_id;
  std::string client_address;  // through trusted proxies
  std::string origin;          // the Origin header, "" when absent
  std::string backend;         // host:port the proxy dialled
  std::string replica;         // [cluster] name, else the host name
  std::string token_hash;      // never shown: ends sessions on revocation
  // Of the Keystone token that issued the URL: ends sessions when Keystone
  // revokes that access. Never shown.
  RevocationKeys revocation_keys;
  absl::Time started;
};

// Bytes relayed, written by the relay (relaxed increments on its executor)
// and read by listings from any thread.
struct SessionByteCounters {
  std::atomic<uint64_t> up{0};    // client -> console
  std::atomic<uint64_t> down{0};  // console -> client
};

// One live session as a listing shows it.
struct ConsoleSessionSnapshot {
  ConsoleSessionInfo info;
  uint64_t bytes_up = 0;
  uint64_t bytes_down = 0;
};

// What the metrics read at scrape time: sessions open now by console type,
// and every byte relayed since start (live sessions and ended ones, summed
// under one lock, so the totals never go back when a session ends).
struct ConsoleSessionTotals {
  std::vector<std::pair<std::string, size_t>> active_by_type;  // sorted
  uint64_t bytes_up = 0;
  uint64_t bytes_down = 0;
};

// Which sessions a listing or an end applies to; empty fields match all.
struct ConsoleSessionFilter {
  std::string server_id;
  std::string user_id;
};

// The live console sessions of this controller: what they are, their byte
// counts, and how to end each. A session registers for as long as it relays
// (the Registration); `end` runs under the registry's lock and must only post
// the work to the session's own executor. The counters belong to the
// session and must outlive its Registration. Ends by id (the admin API), by
// server, by token hash (the token store's revocations, from any
// replica), or by any predicate (Keystone's revocation events). Thread-safe.
class ConsoleSessionRegistry {
 public:
  using EndFunction = std::function<void(SessionEnd why)>;
  using SessionPredicate = std::function<bool(const ConsoleSessionInfo&)>;

  // Removes its session from the registry when destroyed.
  class Registration {
   public:
    Registration(Registration&& other) noexcept;
    Registration& operator=(Registration&&) = delete;
    Registration(const Registration&) = delete;
    ~Registration();

   private:
    friend class ConsoleSessionRegistry;
    Registration(ConsoleSessionRegistry* registry, std::string id);
    ConsoleSessionRegistry* registry_;  // null once moved from
    std::string id_;
  };

  ConsoleSessionRegistry() = default;
  ConsoleSessionRegistry(const ConsoleSessionRegistry&) = delete;
  ConsoleSessionRegistry& operator=(const ConsoleSessionRegistry&) = delete;

  // `info.id` must be unique (a fresh UUID4).
  Registration Add(ConsoleSessionInfo info, const SessionByteCounters* bytes,
                   EndFunction end);

  // The live sessions matching `filter`, oldest first.
  std::vector<ConsoleSessionSnapshot> List(
      const ConsoleSessionFilter& filter = {}) const;
  // Ends one session; false when no live session has that id.
  bool End(const std::string& id, SessionEnd why);
  // Ends every session `matches` selects; returns how many. `matches` runs
  // under the registry's lock: it must be quick and must not call back.
  size_t EndWhere(const SessionPredicate& matches, SessionEnd why);
  // Ends every session of a server; returns how many.
  size_t EndForServer(const std::string& server_id, SessionEnd why);
  // Ends every session of these console tokens (SHA-256 hex); returns how
  // many.
  size_t EndForTokens(const std::vector<std::string>& token_hashes,
                      SessionEnd why);
  // Live sessions opened with `token_hash`.
  size_t count_for_token(const std::string& token_hash) const;
  size_t size() const;
  ConsoleSessionTotals Totals() const;

  // Counts every session added or removed: what a publisher of the
  // registry compares to know whether it changed.
  uint64_t generation() const;
  // Waits until generation() differs from `seen` or `timeout` passes;
  // the generation then.
  uint64_t AwaitChange(uint64_t seen, absl::Duration timeout) const;

 private:
  struct Entry {
    ConsoleSessionInfo info;
    const SessionByteCounters* bytes;
    EndFunction end;
  };
  void Remove(const std::string& id);

  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> sessions_ ABSL_GUARDED_BY(mu_);
  uint64_t generation_ ABSL_GUARDED_BY(mu_) = 0;
  // Bytes of the sessions that have left the registry.
  uint64_t ended_bytes_up_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t ended_bytes_down_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_SESSIONS_CONSOLE_SESSION_REGISTRY_H_
