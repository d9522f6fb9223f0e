#include "controller/etcd/etcd_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "grpcpp/grpcpp.h"

namespace porthole::controller {
namespace {

// etcd answers UNAVAILABLE itself while it has no leader (an election
// takes 1-2.5 s): try again, with 25, 50, 100 ms between the attempts,
// within the deadline.
constexpr int kMaxAttempts = 4;
constexpr absl::Duration kFirstBackoff = absl::Milliseconds(25);

bool IsIpv4(const std::string& host) {
  in_addr address;
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr address;
  return inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// Every address of `host`, as text.
absl::Status Resolve(const HostPort& endpoint, std::vector<std::string>* v4,
                     std::vector<std::string>* v6) {
  if (IsIpv4(endpoint.host)) {
    v4->push_back(endpoint.host);
    return absl::OkStatus();
  }
  if (IsIpv6(endpoint.host)) {
    v6->push_back(endpoint.host);
    return absl::OkStatus();
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(endpoint.host.c_str(), nullptr, &hints, &found);
  if (rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("etcd endpoint ", endpoint.ToString(),
                     " does not resolve: ", gai_strerror(rc)));
  }
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[INET6_ADDRSTRLEN] = {};
    if (a->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr,
                text, sizeof(text));
      v4->push_back(text);
    } else if (a->ai_family == AF_INET6) {
      inet_ntop(AF_INET6,
                &reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr, text,
                sizeof(text));
      v6->push_back(text);
    }
  }
  freeaddrinfo(found);
  return absl::OkStatus();
}

absl::Status ToStatus(std::string_view what, const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return absl::UnavailableError(
          absl::StrCat("etcd unavailable: ", std::string(what), ": ",
                       std::string(status.error_message())));
    default:
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("etcd ", std::string(what), ": ",
                                       std::string(status.error_message())));
  }
}

}  // namespace

absl::StatusOr<std::string> EtcdChannelTarget(
    const std::vector<HostPort>& endpoints) {
  if (endpoints.empty()) {
    return absl::InvalidArgumentError("no etcd endpoint");
  }
  if (endpoints.size() == 1 && !IsIpv4(endpoints[0].host) &&
      !IsIpv6(endpoints[0].host)) {
    return absl::StrCat("dns:///", endpoints[0].ToString());
  }
  std::vector<std::string> parts4, parts6;
  for (const HostPort& endpoint : endpoints) {
    std::vector<std::string> v4, v6;
    if (absl::Status s = Resolve(endpoint, &v4, &v6); !s.ok()) return s;
    for (const std::string& a : v4) {
      parts4.push_back(HostPort{a, endpoint.port}.ToString());
      parts6.push_back(HostPort{"::ffff:" + a, endpoint.port}.ToString());
    }
    for (const std::string& a : v6) {
      parts6.push_back(HostPort{a, endpoint.port}.ToString());
    }
  }
  if (parts4.size() == parts6.size()) {
    return absl::StrCat("ipv4:", absl::StrJoin(parts4, ","));
  }
  return absl::StrCat("ipv6:", absl::StrJoin(parts6, ","));
}

std::string EtcdPrefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

absl::StatusOr<std::unique_ptr<EtcdClient>> EtcdClient::Connect(
    const EtcdStoreOptions& options) {
  absl::StatusOr<std::string> target = EtcdChannelTarget(options.endpoints);
  if (!target.ok()) return target.status();
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (options.tls) {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> tls =
        MakeChannelCredentials(options.tls_files);
    if (!tls.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("etcd token store TLS: ", tls.status().message()));
    }
    credentials = *std::move(tls);
  }
  grpc::ChannelArguments args;
  args.SetLoadBalancingPolicyName("round_robin");
  // The name members' certificates are checked against: the first
  // endpoint's (an address list has no name of its own).
  args.SetString(GRPC_ARG_DEFAULT_AUTHORITY, options.endpoints[0].ToString());
  // etcd back: reconnect within a second, not gRPC's default two minutes.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // A member that vanished without a FIN (host down) is noticed by the
  // watch stream; etcd's default --grpc-keepalive-min-time is 5 s.
  args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10'000);
  args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5'000);
  std::shared_ptr<grpc::Channel> channel =
      grpc::CreateCustomChannel(*target, credentials, args);
  return std::unique_ptr<EtcdClient>(
      new EtcdClient(std::move(channel), options.call_timeout));
}

EtcdClient::EtcdClient(std::shared_ptr<grpc::Channel> channel,
                       absl::Duration timeout)
    : channel_(std::move(channel)),
      call_timeout_(timeout),
      kv_(etcdserverpb::KV::NewStub(channel_)),
      lease_(etcdserverpb::Lease::NewStub(channel_)),
      watch_(etcdserverpb::Watch::NewStub(channel_)) {}

template <typename Response, typename Attempt>
absl::StatusOr<Response> EtcdClient::Call(std::string_view what,
                                          Attempt attempt) {
  const absl::Time deadline = absl::Now() + call_timeout_;
  absl::Duration backoff = kFirstBackoff;
  for (int tries = 1;; ++tries) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(deadline));
    // Wait for a member to be connected, within the deadline, rather than
    // fail at once: the wait is what makes gRPC reconnect after etcd was
    // down (a fail-fast call left the channel failing after a restart).
    context.set_wait_for_ready(true);
    Response response;
    grpc::Status status = attempt(&context, &response);
    if (status.ok()) return response;
    if (status.error_code() != grpc::StatusCode::UNAVAILABLE ||
        tries == kMaxAttempts || absl::Now() + backoff >= deadline) {
      return ToStatus(what, status);
    }
    absl::SleepFor(backoff);
    backoff *= 2;
  }
}

absl::StatusOr<etcdserverpb::RangeResponse> EtcdClient::Range(
    const etcdserverpb::RangeRequest& request) {
  return Call<etcdserverpb::RangeResponse>(
      "range",
      [&](grpc::ClientContext* context, etcdserverpb::RangeResponse* response) {
        return kv_->Range(context, request, response);
      });
}

absl::StatusOr<etcdserverpb::TxnResponse> EtcdClient::Txn(
    const etcdserverpb::TxnRequest& request) {
  return Call<etcdserverpb::TxnResponse>(
      "txn",
      [&](grpc::ClientContext* context, etcdserverpb::TxnResponse* response) {
        return kv_->Txn(context, request, response);
      });
}

absl::StatusOr<etcdserverpb::LeaseGrantResponse> EtcdClient::LeaseGrant(
    int64_t ttl_seconds) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  return Call<etcdserverpb::LeaseGrantResponse>(
      "lease grant", [&](grpc::ClientContext* context,
                         etcdserverpb::LeaseGrantResponse* response) {
        return lease_->LeaseGrant(context, request, response);
      });
}

absl::StatusOr<int64_t> EtcdClient::LeaseKeepAliveOnce(int64_t id) {
  absl::StatusOr<etcdserverpb::LeaseKeepAliveResponse> renewed =
      Call<etcdserverpb::LeaseKeepAliveResponse>(
          "lease keepalive",
          [&](grpc::ClientContext* context,
              etcdserverpb::LeaseKeepAliveResponse* response) {
            auto stream = lease_->LeaseKeepAlive(context);
            etcdserverpb::LeaseKeepAliveRequest request;
            request.set_id(id);
            if (stream->Write(request)) stream->Read(response);
            stream->WritesDone();
            return stream->Finish();
          });
  if (!renewed.ok()) return renewed.status();
  // etcd answers an unknown lease with TTL 0 (or less), not an error.
  if (renewed->ttl() <= 0) {
    return absl::NotFoundError(
        absl::StrCat("etcd lease ", id, " not found (expired)"));
  }
  return renewed->ttl();
}

absl::Status EtcdClient::LeaseRevoke(int64_t id) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(id);
  return Call<etcdserverpb::LeaseRevokeResponse>(
             "lease revoke",
             [&](grpc::ClientContext* context,
                 etcdserverpb::LeaseRevokeResponse* response) {
               return lease_->LeaseRevoke(context, request, response);
             })
      .status();
}

}  // namespace porthole::controller
