// The controller's metrics home without a socket: the listener's handler,
// the series each part reports, read back through a real Prometheus text
// parser (tests/support/parse_prometheus.py).
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "controller/api/router.h"
#include "controller/metrics/controller_metrics.h"
#include "controller/metrics/instrumented_token_store.h"
#include "controller/metrics/metrics_audit_log.h"
#include "controller/metrics/metrics_server.h"
#include "controller/sessions/audit_records.h"
#include "controller/sessions/console_session_registry.h"
#include "controller/tokens/token_store_factory.h"
#include "gtest/gtest.h"
#include "tests/controller/tokens/token_store_test_support.h"
#include "tests/support/prometheus_text.h"

namespace porthole::controller {
namespace {

using ::porthole::testing::ParsePrometheusText;
using ::porthole::testing::PrometheusScrape;

HttpRequest Get(const std::string& target, const std::string& method = "GET") {
  HttpRequest request;
  request.method = method;
  request.target = target;
  return request;
}

// What a scraper sees: /metrics served by the pure handler, parsed.
PrometheusScrape Scrape(const ControllerMetrics& metrics) {
  HttpResponse response = ServeMetricsRequest(
      Get("/metrics"), [&] { return metrics.Collect(); }, nullptr);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.Header("Content-Type"),
            "text/plain; version=0.0.4; charset=utf-8");
  PrometheusScrape scrape = ParsePrometheusText(response.body);
  EXPECT_TRUE(scrape.ok) << scrape.error << "\n" << response.body;
  return scrape;
}

UrlIssued Issued(const std::string& console_type) {
  UrlIssued issued;
  issued.console_type = console_type;
  return issued;
}

// Records what reaches the next log in the chain.
class CapturingAuditLog : public AuditLog {
 public:
  void Write(const AuditRecord& record) override {
    events.push_back(record.event);
  }
  absl::Status Reopen() override {
    ++reopens;
    return absl::OkStatus();
  }
  std::vector<std::string> events;
  int reopens = 0;
};

TEST(ServeMetricsRequest, Healthz_Answers200) {
  HttpResponse r = ServeMetricsRequest(Get("/healthz"), nullptr, nullptr);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST(ServeMetricsRequest, Readyz_FollowsTheCheck) {
  EXPECT_EQ(ServeMetricsRequest(Get("/readyz"), nullptr,
                                [] { return absl::OkStatus(); })
                .status,
            200);
  HttpResponse r = ServeMetricsRequest(Get("/readyz?verbose"), nullptr, [] {
    return absl::UnavailableError("no agent link is up");
  });
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: no agent link is up\n");
}

TEST(ServeMetricsRequest, OtherPathsAre404_OtherMethods405) {
  EXPECT_EQ(ServeMetricsRequest(Get("/"), nullptr, nullptr).status, 404);
  EXPECT_EQ(ServeMetricsRequest(Get("/metrics/x"), nullptr, nullptr).status,
            404);
  HttpResponse post =
      ServeMetricsRequest(Get("/metrics", "POST"), nullptr, nullptr);
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Allow"), "GET");
}

TEST(ControllerMetrics, FreshRegistry_ParsesAndShowsNoSamplesYet) {
  ControllerMetrics metrics;
  PrometheusScrape scrape = Scrape(metrics);
  EXPECT_FALSE(scrape.Value("porthole_console_urls_issued_total").has_value());
}

TEST(ControllerMetrics, ApiRequests_ByRouteTemplateAndCode) {
  ControllerMetrics metrics;
  const std::string route =
      RouteLabel("POST", "/v2.1/servers/1c1a3f4e/remote-consoles");
  metrics.ObserveApiRequest(route, 200, absl::Milliseconds(3));
  metrics.ObserveApiRequest(route, 200, absl::Milliseconds(4));
  metrics.ObserveApiRequest(route, 404, absl::Milliseconds(30));
  PrometheusScrape s = Scrape(metrics);
  const std::string labels =
      "{code=\"200\",route=\"/v2.1/servers/{server_id}/remote-consoles\"}";
  EXPECT_EQ(s.ValueOr0("porthole_api_request_duration_seconds_count" + labels),
            2);
  EXPECT_NEAR(s.ValueOr0("porthole_api_request_duration_seconds_sum" + labels),
              0.007, 1e-9);
  EXPECT_EQ(s.ValueOr0("porthole_api_request_duration_seconds_bucket{code="
                       "\"404\",le=\"0.025\",route=\"/v2.1/servers/"
                       "{server_id}/remote-consoles\"}"),
            0);
  EXPECT_EQ(s.ValueOr0("porthole_api_request_duration_seconds_bucket{code="
                       "\"404\",le=\"0.05\",route=\"/v2.1/servers/"
                       "{server_id}/remote-consoles\"}"),
            1);
}

TEST(RouteLabel, IsTheTemplateNeverTheIds) {
  EXPECT_EQ(RouteLabel("GET", "/"), "/");
  EXPECT_EQ(RouteLabel("GET", "/v2.1"), "/v2.1");
  EXPECT_EQ(RouteLabel("GET", "/v2.1/"), "/v2.1");
  EXPECT_EQ(RouteLabel("POST", "/v2.1/servers/abc/action"),
            "/v2.1/servers/{server_id}/action");
  EXPECT_EQ(RouteLabel("POST", "/v2/0123abcd/servers/abc/action"),
            "/v2/servers/{server_id}/action");
  EXPECT_EQ(RouteLabel("GET", "/v2.1/servers/detail?all_tenants=1"),
            "/v2.1/servers/detail");
  EXPECT_EQ(RouteLabel("GET", "/v2.1/os-console-auth-tokens/secret-token"),
            "/v2.1/os-console-auth-tokens/{token}");
  EXPECT_EQ(RouteLabel("GET", "/porthole/v1/console-sessions?server_id=x"),
            "/porthole/v1/console-sessions");
  EXPECT_EQ(RouteLabel("DELETE", "/porthole/v1/console-sessions/123"),
            "/porthole/v1/console-sessions/{session_id}");
  EXPECT_EQ(RouteLabel("GET", "/v2.1/servers/x/nope"), "other");
  EXPECT_EQ(RouteLabel("GET", "/wp-admin/setup.php"), "other");
  EXPECT_EQ(RouteLabel("PATCH", "/v2.1/servers/x"), "other");
}

TEST(MetricsAuditLog, CountsTheAuditStream_AndForwardsEveryRecord) {
  ControllerMetrics metrics;
  CapturingAuditLog file;
  MetricsAuditLog audit(&metrics, &file);
  const absl::Time now = absl::Now();
  audit.Write(UrlIssuedAudit(Issued("novnc"), now));
  audit.Write(UrlIssuedAudit(Issued("novnc"), now));
  audit.Write(UrlIssuedAudit(Issued("serial"), now));
  AdmissionRefused refused;
  refused.listener = "serial";
  refused.reason = "token-invalid";
  audit.Write(AdmissionRefusedAudit(refused, now));
  ConsoleSessionInfo session;
  session.console_type = "serial";
  session.started = now - absl::Seconds(45);
  audit.Write(SessionStartAudit(session));
  audit.Write(SessionEndAudit(session, now, 10, 20, SessionEnd::kEndedByAdmin));
  audit.Write(SessionsEndedByAdminAudit({}, now));
  ASSERT_TRUE(audit.Reopen().ok());

  EXPECT_EQ(file.events.size(), 7u);
  EXPECT_EQ(file.reopens, 1);
  PrometheusScrape s = Scrape(metrics);
  EXPECT_EQ(s.ValueOr0("porthole_console_urls_issued_total{console_type="
                       "\"novnc\"}"),
            2);
  EXPECT_EQ(s.ValueOr0("porthole_console_urls_issued_total{console_type="
                       "\"serial\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_console_admissions_refused_total{listener="
                       "\"serial\",reason=\"token-invalid\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_console_sessions_started_total{console_type="
                       "\"serial\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_console_sessions_ended_total{console_type="
                       "\"serial\",reason=\"ended-by-admin\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_console_session_duration_seconds_bucket{"
                       "console_type=\"serial\",le=\"30\"}"),
            0);
  EXPECT_EQ(s.ValueOr0("porthole_console_session_duration_seconds_bucket{"
                       "console_type=\"serial\",le=\"60\"}"),
            1);
}

TEST(MetricsAuditLog, WithoutAFile_StillCounts) {
  ControllerMetrics metrics;
  MetricsAuditLog audit(&metrics, nullptr);
  audit.Write(UrlIssuedAudit(Issued("spice-html5"), absl::Now()));
  EXPECT_TRUE(audit.Reopen().ok());
  EXPECT_EQ(Scrape(metrics).ValueOr0(
                "porthole_console_urls_issued_total{console_type=\"spice-"
                "html5\"}"),
            1);
}

TEST(ControllerMetrics, Sessions_ActiveByType_BytesNeverGoBackAtTheEnd) {
  ControllerMetrics metrics;
  ConsoleSessionRegistry registry;
  metrics.SetSessions(&registry);
  SessionByteCounters a_bytes, b_bytes;
  ConsoleSessionInfo a, b;
  a.id = "a";
  a.console_type = "novnc";
  b.id = "b";
  b.console_type = "serial";
  auto a_live = std::make_unique<ConsoleSessionRegistry::Registration>(
      registry.Add(a, &a_bytes, [](SessionEnd) {}));
  auto b_live = registry.Add(b, &b_bytes, [](SessionEnd) {});
  a_bytes.up += 100;
  a_bytes.down += 1000;
  b_bytes.up += 1;
  b_bytes.down += 2;

  PrometheusScrape s = Scrape(metrics);
  EXPECT_EQ(s.ValueOr0("porthole_console_sessions_active{console_type="
                       "\"novnc\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_console_sessions_active{console_type="
                       "\"serial\"}"),
            1);
  EXPECT_EQ(
      s.ValueOr0("porthole_console_relayed_bytes_total{direction=\"up\"}"),
      101);
  EXPECT_EQ(
      s.ValueOr0("porthole_console_relayed_bytes_total{direction=\"down\"}"),
      1002);

  a_live.reset();  // the novnc session ends
  s = Scrape(metrics);
  EXPECT_FALSE(
      s.Value("porthole_console_sessions_active{console_type=\"novnc\"}")
          .has_value());
  EXPECT_EQ(
      s.ValueOr0("porthole_console_relayed_bytes_total{direction=\"up\"}"),
      101);
  EXPECT_EQ(
      s.ValueOr0("porthole_console_relayed_bytes_total{direction=\"down\"}"),
      1002);
}

TEST(ControllerMetrics, AgentLinks_ReadAtScrapeTime) {
  ControllerMetrics metrics;
  int up = 2;
  metrics.SetAgentLinks([&] {
    ControllerMetrics::AgentLinkCounts links;
    links.up = up;
    links.down = 1;
    return links;
  });
  EXPECT_EQ(Scrape(metrics).ValueOr0("porthole_agent_links{state=\"up\"}"), 2);
  up = 0;
  PrometheusScrape s = Scrape(metrics);
  EXPECT_EQ(s.ValueOr0("porthole_agent_links{state=\"up\"}"), 0);
  EXPECT_EQ(s.ValueOr0("porthole_agent_links{state=\"down\"}"), 1);
}

TEST(InstrumentedTokenStore, TimesEveryCallOfARealSqliteStore_CountsErrors) {
  ControllerMetrics metrics;
  absl::StatusOr<std::unique_ptr<TokenStore>> sqlite =
      OpenTokenStore("sqlite://:memory:");
  ASSERT_TRUE(sqlite.ok()) << sqlite.status();
  InstrumentedTokenStore store(
      *std::move(sqlite), TokenStoreBackend("sqlite://:memory:"), &metrics);
  const ConsoleAuthRecord record =
      MakeRecord("token-1", "11111111-0000-4000-8000-000000000001", 2000);
  ASSERT_TRUE(store.Insert(record).ok());
  EXPECT_EQ(store.Insert(record).code(), absl::StatusCode::kAlreadyExists);
  ASSERT_TRUE(store.FindValid(record.token_hash, 1000).ok());
  ASSERT_TRUE(store.FindValid(std::string(64, '0'), 1000).ok());
  EXPECT_TRUE(*store.MarkUsed(record.token_hash, 1000));
  EXPECT_FALSE(*store.MarkUsed(record.token_hash, 1000));
  EXPECT_TRUE(
      absl::IsNotFound(store.MarkUsed(std::string(64, '0'), 1000).status()));
  EXPECT_EQ(*store.DeleteForInstance(record.instance_uuid), 1);
  EXPECT_EQ(*store.PurgeExpired(3000), 0);

  PrometheusScrape s = Scrape(metrics);
  auto count = [&](const std::string& op) {
    return s.ValueOr0(
        "porthole_token_store_operation_duration_seconds_count{backend="
        "\"sqlite\",operation=\"" +
        op + "\"}");
  };
  EXPECT_EQ(count("insert"), 2);
  EXPECT_EQ(count("find_valid"), 2);
  EXPECT_EQ(count("mark_used"), 3);
  EXPECT_EQ(count("delete_for_instance"), 1);
  EXPECT_EQ(count("purge_expired"), 1);
  EXPECT_EQ(s.ValueOr0("porthole_token_store_errors_total{backend=\"sqlite\","
                       "operation=\"insert\"}"),
            1);
  EXPECT_FALSE(s.Value("porthole_token_store_errors_total{backend=\"sqlite\","
                       "operation=\"find_valid\"}")
                   .has_value());
  EXPECT_FALSE(s.Value("porthole_token_store_errors_total{backend=\"sqlite\","
                       "operation=\"mark_used\"}")
                   .has_value());
}

TEST(TokenStoreBackend, NamesTheBackendOfTheUrl) {
  EXPECT_EQ(TokenStoreBackend("sqlite:///var/lib/porthole/tokens.db"),
            "sqlite");
  EXPECT_EQ(TokenStoreBackend("etcd://h1:2379/porthole"), "etcd");
  EXPECT_EQ(TokenStoreBackend("etcds://h1:2379/porthole?ca=x"), "etcd");
}

TEST(ControllerMetrics, Keystone_ValidationsAndCacheLookups) {
  ControllerMetrics metrics;
  metrics.CountKeystoneCacheLookup(false);
  metrics.ObserveKeystoneValidation(absl::Milliseconds(20), "ok");
  metrics.CountKeystoneCacheLookup(true);
  metrics.CountKeystoneCacheLookup(true);
  PrometheusScrape s = Scrape(metrics);
  EXPECT_EQ(
      s.ValueOr0("porthole_keystone_token_cache_lookups_total{result=\"hit\"}"),
      2);
  EXPECT_EQ(s.ValueOr0(
                "porthole_keystone_token_cache_lookups_total{result=\"miss\"}"),
            1);
  EXPECT_EQ(s.ValueOr0("porthole_keystone_validation_duration_seconds_count{"
                       "result=\"ok\"}"),
            1);
}

}  // namespace
}  // namespace porthole::controller
