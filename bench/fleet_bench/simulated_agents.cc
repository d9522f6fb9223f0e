#include "bench/fleet_bench/simulated_agents.h"

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string_view>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/signal_waiter.h"
#include "porthole/agent/v1/agent.grpc.pb.h"

namespace porthole::bench {
namespace {

namespace v1 = agent::v1;

constexpr int kHostsPerOctet = 200;

// The host a request was sent to, from its :authority ("127.1.X.Y:port");
// -1 when it is not one of ours.
int HostOf(grpc::CallbackServerContext* context) {
  const grpc::string_ref authority = context->ExperimentalGetAuthority();
  std::string_view text(authority.data(), authority.size());
  int octets[4] = {0, 0, 0, 0};
  for (int& octet : octets) {
    auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), octet);
    if (error != std::errc()) return -1;
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    if (!text.empty()) text.remove_prefix(1);  // '.' or ':'
  }
  return octets[2] * kHostsPerOctet + octets[3] - 1;
}

v1::Domain MakeDomain(int host, int server) {
  v1::Domain d;
  d.set_uuid(ServerUuid(host, server));
  d.set_name(absl::StrFormat("instance-%08x", host * 1000 + server));
  d.set_state(v1::DOMAIN_STATE_RUNNING);
  d.set_project_id("bench-project");
  d.set_user_id("bench-user");
  d.set_display_name(absl::StrFormat("vm-%d-%d", host, server));
  v1::Console* console = d.add_consoles();
  console->set_protocol(v1::PROTOCOL_VNC);
  console->set_host("127.0.0.1");
  console->set_port(static_cast<uint32_t>(5900 + server));
  return d;
}

// One host's WatchDomains: the SNAPSHOT, then a HEARTBEAT per interval. At
// most one write in flight; Finish once, when none is; gRPC is never called
// under the lock (it may run reactions inline). It deletes itself once gRPC
// is done with it and no alarm is pending.
class WatchStream : public grpc::ServerWriteReactor<v1::WatchDomainsResponse> {
 public:
  WatchStream(const SimulatedFleet& fleet, int host)
      : heartbeat_ms_(fleet.heartbeat_ms) {
    snapshot_.set_change(v1::CHANGE_TYPE_SNAPSHOT);
    snapshot_.set_libvirt_connected(true);
    snapshot_.set_hostname(absl::StrFormat("compute-%d", host));
    for (int s = 0; s < fleet.servers; ++s) {
      *snapshot_.add_domains() = MakeDomain(host, s);
    }
    heartbeat_.set_change(v1::CHANGE_TYPE_HEARTBEAT);
    heartbeat_.set_libvirt_connected(true);
    StartWrite(&snapshot_);
  }

  void OnWriteDone(bool ok) override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;
      if (cancelled_ || heartbeat_ms_ <= 0) {
        finish = TakeFinish();
      } else {
        alarm_ = std::make_unique<grpc::Alarm>();
        alarm_pending_ = true;
        alarm_->Set(std::chrono::system_clock::now() +
                        std::chrono::milliseconds(heartbeat_ms_),
                    [this](bool fired) { OnAlarm(fired); });
      }
    }
    if (finish) Finish(grpc::Status::OK);
  }
  void OnCancel() override {
    bool finish = false;
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
      if (alarm_pending_) alarm_->Cancel();  // its callback runs elsewhere
      if (!writing_) finish = TakeFinish();
    }
    if (finish) Finish(grpc::Status::OK);
  }
  void OnDone() override {
    bool last = false;
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      last = !alarm_pending_;
    }
    if (last) delete this;
  }

 private:
  void OnAlarm(bool fired) {
    bool write = false, finish = false, last = false;
    {
      absl::MutexLock lock(&mu_);
      alarm_pending_ = false;
      last = done_;
      if (fired && !cancelled_) {
        writing_ = write = true;
      } else if (!done_) {
        finish = TakeFinish();
      }
    }
    if (last) {
      delete this;
    } else if (write) {
      StartWrite(&heartbeat_);
    } else if (finish) {
      Finish(grpc::Status::OK);
    }
  }
  bool TakeFinish() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return false;
    finished_ = true;
    return true;
  }

  const int heartbeat_ms_;
  v1::WatchDomainsResponse snapshot_;
  v1::WatchDomainsResponse heartbeat_;
  absl::Mutex mu_;
  std::unique_ptr<grpc::Alarm> alarm_ ABSL_GUARDED_BY(mu_);
  bool alarm_pending_ ABSL_GUARDED_BY(mu_) = false;
  bool writing_ ABSL_GUARDED_BY(mu_) = true;  // the snapshot
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

class SimulatedAgentService : public v1::ConsoleAgent::CallbackService {
 public:
  explicit SimulatedAgentService(const SimulatedFleet& fleet) : fleet_(fleet) {}

  grpc::ServerWriteReactor<v1::WatchDomainsResponse>* WatchDomains(
      grpc::CallbackServerContext* context,
      const v1::WatchDomainsRequest*) override {
    return new WatchStream(fleet_, HostOf(context));
  }

  grpc::ServerUnaryReactor* ListDomains(
      grpc::CallbackServerContext* context, const v1::ListDomainsRequest*,
      v1::ListDomainsResponse* reply) override {
    const int host = HostOf(context);
    reply->set_hostname(absl::StrFormat("compute-%d", host));
    reply->set_libvirt_connected(true);
    for (int s = 0; s < fleet_.servers; ++s) {
      *reply->add_domains() = MakeDomain(host, s);
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerUnaryReactor* GetConsole(grpc::CallbackServerContext* context,
                                       const v1::GetConsoleRequest* request,
                                       v1::GetConsoleResponse* reply) override {
    const int host = HostOf(context);
    grpc::Status status(grpc::StatusCode::NOT_FOUND, "no such domain");
    for (int s = 0; s < fleet_.servers; ++s) {
      if (ServerUuid(host, s) != request->uuid()) continue;
      *reply->mutable_domain() = MakeDomain(host, s);
      *reply->mutable_console() = reply->domain().consoles(0);
      status = grpc::Status::OK;
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

 private:
  const SimulatedFleet fleet_;
};

}  // namespace

std::string HostAddress(int index, int port) {
  return absl::StrFormat("127.1.%d.%d:%d", index / kHostsPerOctet,
                         index % kHostsPerOctet + 1, port);
}

std::string ServerUuid(int host, int server) {
  return absl::StrFormat("%08x-0000-4000-8000-%012x", host, server);
}

int ServeSimulatedAgents(const SimulatedFleet& fleet,
                         const std::string& ready_file) {
  SignalWaiter signals;
  SimulatedAgentService service(fleet);
  grpc::ServerBuilder builder;
  for (int i = fleet.first; i < fleet.first + fleet.count; ++i) {
    builder.AddListeningPort(HostAddress(i, fleet.port),
                             grpc::InsecureServerCredentials());
  }
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr) {
    std::fprintf(stderr, "cannot listen on the simulated agents' addresses\n");
    return 1;
  }
  std::ofstream(ready_file) << "ready\n";
  while (!signals.Wait(absl::Hours(1))) {
  }
  server->Shutdown(std::chrono::system_clock::now());
  return 0;
}

}  // namespace porthole::bench
