// The RFB security handshake without sockets: every step, every failure and
// the exact bytes each side gets.
#include "controller/proxy/rfb_security_handshake.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace porthole::controller {
namespace {

using State = RfbSecurityHandshake::State;
using TlsError = RfbSecurityHandshake::TlsError;
using Frames = std::vector<std::string>;

const std::string kV38 = "RFB 003.008\n";
const std::string kNegotiation = RfbSecurityHandshake::kNegotiationFailed;

std::string U32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
          static_cast<char>(v >> 8), static_cast<char>(v)};
}
std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}
// RFB's failure strings: a length, then the text.
std::string Reason(const std::string& text) { return U32(text.size()) + text; }
std::string FailedResult(const std::string& text) {
  return U32(1) + Reason(text);
}
std::string NoTypes(const std::string& text) {
  return std::string(1, '\0') + Reason(text);
}

VncSecurityOptions Schemes(std::vector<VncAuthScheme> schemes,
                           bool client_cert = true) {
  VncSecurityOptions o;
  o.auth_schemes = std::move(schemes);
  o.ca_certs = "/ca.pem";
  if (client_cert) {
    o.client_cert = "/cert.pem";
    o.client_key = "/key.pem";
  }
  return o;
}
const std::vector<VncAuthScheme> kVencrypt{VncAuthScheme::kVeNCrypt};
const std::vector<VncAuthScheme> kBoth{VncAuthScheme::kVeNCrypt,
                                       VncAuthScheme::kNone};

// A handshake and everything it said to each side so far.
class Driver {
 public:
  explicit Driver(const VncSecurityOptions& o) : h_(o) {}
  RfbSecurityHandshake& h() { return h_; }
  void Server(const std::string& bytes) {
    h_.FeedServer(bytes);
    Collect();
  }
  void Client(const std::string& bytes) {
    h_.FeedClient(bytes);
    Collect();
  }
  void Collect() {
    to_server += h_.TakeToServer();
    for (std::string& f : h_.TakeToClient()) to_client.push_back(f);
  }
  // Versions both ways and QEMU's security types, the browser's choice.
  void UpToChoice(const std::string& server_types, char choice = 1) {
    Server(kV38);
    Client(kV38);
    Server(std::string(1, static_cast<char>(server_types.size())) +
           server_types);
    Client(std::string(1, choice));
  }
  // Everything up to the TLS start with QEMU offering `subtypes`.
  void UpToSubtypeAck(const std::vector<uint32_t>& subtypes) {
    UpToChoice(Bytes({19}));
    Server(Bytes({0, 2}));
    Server(Bytes({0}));
    std::string list(1, static_cast<char>(subtypes.size()));
    for (uint32_t s : subtypes) list += U32(s);
    Server(list);
  }
  // Frames the browser got after the first `skip`.
  Frames ClientFramesFrom(size_t skip) const {
    return Frames(to_client.begin() + static_cast<long>(skip), to_client.end());
  }

  std::string to_server;
  Frames to_client;

 private:
  RfbSecurityHandshake h_;
};

TEST(RfbSecurityHandshake, Vencrypt_EveryStepAndTheBytesOfEach) {
  Driver d(Schemes(kVencrypt));
  EXPECT_EQ(d.h().state(), State::kReadServer);
  EXPECT_EQ(d.h().server_wanted(), 12u);
  d.Server(kV38);
  EXPECT_EQ(d.to_server, kV38);
  EXPECT_EQ(d.to_client, Frames{kV38});
  EXPECT_EQ(d.h().state(), State::kReadClient);
  EXPECT_EQ(d.h().server_wanted(), 0u);
  d.Client(kV38);
  EXPECT_EQ(d.h().state(), State::kReadServer);
  EXPECT_EQ(d.h().server_wanted(), 1u);
  d.Server(Bytes({1, 19}));
  // The browser is offered exactly one type: None.
  EXPECT_EQ(d.to_client, (Frames{kV38, Bytes({1, 1})}));
  EXPECT_EQ(d.h().state(), State::kReadClient);
  d.Client(Bytes({1}));
  EXPECT_EQ(d.to_server, kV38 + Bytes({19}));
  EXPECT_EQ(d.h().server_type(), 19);
  EXPECT_EQ(d.h().server_wanted(), 2u);
  d.Server(Bytes({0, 2}));
  EXPECT_EQ(d.to_server, kV38 + Bytes({19, 0, 2}));
  d.Server(Bytes({0}));
  d.Server(Bytes({1}));
  EXPECT_EQ(d.h().server_wanted(), 4u);
  d.Server(U32(260));
  EXPECT_EQ(d.to_server, kV38 + Bytes({19, 0, 2}) + U32(260));
  EXPECT_EQ(d.h().server_wanted(), 1u);
  d.Server(Bytes({1}));  // VeNCrypt's "yes"
  EXPECT_EQ(d.h().state(), State::kStartTls);
  EXPECT_EQ(d.h().server_wanted(), 0u);
  d.h().TlsStarted(true);
  EXPECT_EQ(d.h().state(), State::kReadServer);
  EXPECT_EQ(d.h().server_wanted(), 4u);
  d.Server(U32(0));
  EXPECT_EQ(d.h().state(), State::kRelay);
  // QEMU's SecurityResult reaches the browser unchanged, as its own frame.
  EXPECT_EQ(d.to_client, (Frames{kV38, Bytes({1, 1}), U32(0)}));
  EXPECT_EQ(d.h().TakeClientSurplus(), "");
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kNone);
}

TEST(RfbSecurityHandshake, OneByteAtATime_SameBytesAndNeverAsksTooMuch) {
  const std::string server =
      kV38 + Bytes({1, 19, 0, 2, 0, 1}) + U32(260) + Bytes({1});
  const std::string client = kV38 + Bytes({1});
  Driver d(Schemes(kVencrypt));
  size_t s = 0;
  size_t c = 0;
  while (d.h().state() == State::kReadServer ||
         d.h().state() == State::kReadClient) {
    if (d.h().state() == State::kReadServer) {
      ASSERT_GE(d.h().server_wanted(), 1u);
      ASSERT_LE(d.h().server_wanted(), server.size() - s);
      d.Server(server.substr(s++, 1));
    } else {
      ASSERT_LT(c, client.size());
      d.Client(client.substr(c++, 1));
    }
  }
  EXPECT_EQ(d.h().state(), State::kStartTls);
  EXPECT_EQ(s, server.size());
  EXPECT_EQ(c, client.size());
  EXPECT_EQ(d.to_server, kV38 + Bytes({19, 0, 2}) + U32(260));
}

TEST(RfbSecurityHandshake, QemuOffersNone_AllowedNoneIsUsedWithoutTls) {
  Driver d(Schemes(kBoth));
  d.UpToChoice(Bytes({1}));
  EXPECT_EQ(d.to_server, kV38 + Bytes({1}));
  EXPECT_EQ(d.h().server_type(), 1);
  EXPECT_EQ(d.h().server_wanted(), 4u);
  d.Server(U32(0));
  EXPECT_EQ(d.h().state(), State::kRelay);
  EXPECT_EQ(d.to_client.back(), U32(0));
}

TEST(RfbSecurityHandshake, FirstOfQemusTypesThatAuthSchemesAllows) {
  Driver none_first(Schemes(kBoth));
  none_first.UpToChoice(Bytes({2, 1, 19}));
  EXPECT_EQ(none_first.to_server.back(), 1);
  Driver vencrypt_first(Schemes(kBoth));
  vencrypt_first.UpToChoice(Bytes({19, 1}));
  EXPECT_EQ(vencrypt_first.to_server.back(), 19);
  Driver only_vencrypt(Schemes(kVencrypt));
  only_vencrypt.UpToChoice(Bytes({1, 19}));
  EXPECT_EQ(only_vencrypt.to_server.back(), 19);
}

TEST(RfbSecurityHandshake, NoCommonType_QemuGetsZeroBrowserGetsReason) {
  Driver d(Schemes(kVencrypt));
  d.UpToChoice(Bytes({2, 1}));  // VNC password and None, no VeNCrypt
  EXPECT_EQ(d.h().state(), State::kFailed);
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kNoCommonType);
  EXPECT_EQ(d.to_server, kV38 + Bytes({0}));
  EXPECT_EQ(d.ClientFramesFrom(2), Frames{FailedResult(kNegotiation)});
  EXPECT_NE(d.h().detail().find("VNC (2), None (1)"), std::string::npos)
      << d.h().detail();
}

TEST(RfbSecurityHandshake, QemuNotRfb38_BrowserStillGetsAReadableFailure) {
  Driver d(Schemes(kVencrypt));
  d.Server("RFB 003.003\n");
  EXPECT_EQ(d.h().state(), State::kFailed);
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kServerVersion);
  EXPECT_EQ(d.to_server, "");
  // A version of its own, then "no security types" with the reason.
  EXPECT_EQ(d.to_client, (Frames{kV38, NoTypes(kNegotiation)}));
  EXPECT_NE(d.h().detail().find("RFB 003.003"), std::string::npos);
}

TEST(RfbSecurityHandshake, BrowserNotRfb38_FailsWithNoSecurityTypes) {
  Driver d(Schemes(kVencrypt));
  d.Server(kV38);
  d.Client("RFB 003.007\n");
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kClientVersion);
  ASSERT_EQ(d.to_client.size(), 2u);
  EXPECT_EQ(d.to_client[1].substr(0, 1), std::string(1, '\0'));
  EXPECT_NE(d.to_client[1].find("RFB 3.8"), std::string::npos);
  EXPECT_EQ(d.to_server, kV38);
}

TEST(RfbSecurityHandshake, QemuOffersNoType_ItsReasonReachesTheBrowser) {
  Driver d(Schemes(kVencrypt));
  d.Server(kV38);
  d.Client(kV38);
  d.Server(Bytes({0}));
  EXPECT_EQ(d.h().server_wanted(), 4u);
  d.Server(Reason("Too many security failures"));
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kServerRefused);
  EXPECT_EQ(d.to_client.back(), NoTypes("Too many security failures"));
  EXPECT_NE(d.h().detail().find("Too many"), std::string::npos);
}

TEST(RfbSecurityHandshake, QemuReasonLengthIsCapped) {
  const std::string at_cap(RfbSecurityHandshake::kMaxReasonBytes, 'x');
  Driver fits(Schemes(kVencrypt));
  fits.Server(kV38);
  fits.Client(kV38);
  fits.Server(Bytes({0}) + U32(at_cap.size()));
  EXPECT_EQ(fits.h().server_wanted(), at_cap.size());
  fits.Server(at_cap);
  EXPECT_EQ(fits.to_client.back(), NoTypes(at_cap));

  Driver huge(Schemes(kVencrypt));
  huge.Server(kV38);
  huge.Client(kV38);
  huge.Server(Bytes({0}) + U32(0xffffffff));
  // Not one byte of the 4 GiB is waited for.
  EXPECT_EQ(huge.h().state(), State::kFailed);
  EXPECT_EQ(huge.h().cause(), VncSecurityCause::kServerRefused);
  EXPECT_EQ(huge.to_client.back(),
            NoTypes("The console refused the connection"));

  Driver empty(Schemes(kVencrypt));
  empty.Server(kV38);
  empty.Client(kV38);
  empty.Server(Bytes({0}) + U32(0));
  EXPECT_EQ(empty.to_client.back(),
            NoTypes("The console refused the connection"));
}

TEST(RfbSecurityHandshake, BrowserPicksOtherThanNone_BothSidesTold) {
  Driver d(Schemes(kVencrypt));
  d.UpToChoice(Bytes({19}), 2);
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kClientSecurityType);
  EXPECT_EQ(d.to_server, kV38 + Bytes({0}));
  ASSERT_EQ(d.to_client.size(), 3u);
  EXPECT_EQ(d.to_client[2].substr(0, 4), U32(1));
  EXPECT_NE(d.to_client[2].find("None (1)"), std::string::npos);
}

TEST(RfbSecurityHandshake, VencryptVersionNot02_OrRefused) {
  Driver old(Schemes(kVencrypt));
  old.UpToChoice(Bytes({19}));
  old.Server(Bytes({0, 1}));
  EXPECT_EQ(old.h().cause(), VncSecurityCause::kVencryptVersion);
  EXPECT_EQ(old.to_server, kV38 + Bytes({19}));  // nothing more
  EXPECT_EQ(old.to_client.back(), FailedResult(kNegotiation));
  EXPECT_NE(old.h().detail().find("0.1"), std::string::npos);

  Driver refused(Schemes(kVencrypt));
  refused.UpToChoice(Bytes({19}));
  refused.Server(Bytes({0, 2, 1}));
  EXPECT_EQ(refused.h().cause(), VncSecurityCause::kVencryptVersion);
  EXPECT_EQ(refused.to_client.back(), FailedResult(kNegotiation));
}

TEST(RfbSecurityHandshake, OnlyX509NoneIsUsed) {
  Driver vnc(Schemes(kVencrypt));
  vnc.UpToSubtypeAck({261});  // QEMU with password=on
  EXPECT_EQ(vnc.h().cause(), VncSecurityCause::kVencryptSubtype);
  EXPECT_NE(vnc.h().detail().find("X509VNC (261)"), std::string::npos)
      << vnc.h().detail();
  EXPECT_EQ(vnc.to_server, kV38 + Bytes({19, 0, 2}));
  EXPECT_EQ(vnc.to_client.back(), FailedResult(kNegotiation));

  Driver none(Schemes(kVencrypt));
  none.UpToSubtypeAck({});
  EXPECT_EQ(none.h().cause(), VncSecurityCause::kVencryptSubtype);

  Driver among(Schemes(kVencrypt));
  among.UpToSubtypeAck({257, 260, 263});
  EXPECT_EQ(among.h().state(), State::kReadServer);
  EXPECT_EQ(among.to_server, kV38 + Bytes({19, 0, 2}) + U32(260));
}

TEST(RfbSecurityHandshake, SubtypeAck_ZeroRefusesOtherIsProtocolError) {
  Driver no(Schemes(kVencrypt));
  no.UpToSubtypeAck({260});
  no.Server(Bytes({0}));
  EXPECT_EQ(no.h().cause(), VncSecurityCause::kServerRefused);
  EXPECT_EQ(no.to_client.back(), FailedResult(kNegotiation));

  Driver odd(Schemes(kVencrypt));
  odd.UpToSubtypeAck({260});
  odd.Server(Bytes({2}));
  EXPECT_EQ(odd.h().cause(), VncSecurityCause::kProtocol);
}

TEST(RfbSecurityHandshake, ClearBytesAfterTheAck_AreAProtocolError) {
  Driver along(Schemes(kVencrypt));
  along.UpToSubtypeAck({260});
  along.Server(Bytes({1, 0x16}));  // the ack and a stray byte together
  EXPECT_EQ(along.h().cause(), VncSecurityCause::kProtocol);

  Driver later(Schemes(kVencrypt));
  later.UpToSubtypeAck({260});
  later.Server(Bytes({1}));
  ASSERT_EQ(later.h().state(), State::kStartTls);
  later.Server(Bytes({0x16}));
  EXPECT_EQ(later.h().cause(), VncSecurityCause::kProtocol);
  EXPECT_EQ(later.to_client.back(), FailedResult(kNegotiation));
}

TEST(RfbSecurityHandshake, TlsFailures_NameTheirCause) {
  struct Case {
    TlsError error;
    bool cert_requested;
    bool client_cert;
    VncSecurityCause cause;
  };
  const Case cases[] = {
      {TlsError::kCertUntrusted, false, true,
       VncSecurityCause::kServerCertUntrusted},
      {TlsError::kNameMismatch, true, true,
       VncSecurityCause::kServerCertNameMismatch},
      {TlsError::kOther, true, false, VncSecurityCause::kNoClientCert},
      {TlsError::kOther, true, true, VncSecurityCause::kTlsHandshake},
      {TlsError::kOther, false, false, VncSecurityCause::kTlsHandshake},
  };
  for (const Case& c : cases) {
    Driver d(Schemes(kVencrypt, c.client_cert));
    d.UpToSubtypeAck({260});
    d.Server(Bytes({1}));
    d.h().TlsFailed(c.error, c.cert_requested, "openssl says so");
    d.Collect();
    EXPECT_EQ(d.h().cause(), c.cause) << VncSecurityCauseName(c.cause);
    EXPECT_NE(d.h().detail().find("openssl says so"), std::string::npos);
    EXPECT_EQ(d.to_client.back(), FailedResult(kNegotiation));
  }
}

TEST(RfbSecurityHandshake, DroppedAfterTls_BlamesTheClientCertOnlyIfAsked) {
  struct Case {
    bool cert_requested;
    bool client_cert;
    VncSecurityCause cause;
  };
  const Case cases[] = {
      {true, false, VncSecurityCause::kNoClientCert},
      {true, true, VncSecurityCause::kClientCertRejected},
      {false, false, VncSecurityCause::kServerIo},
  };
  for (const Case& c : cases) {
    Driver d(Schemes(kVencrypt, c.client_cert));
    d.UpToSubtypeAck({260});
    d.Server(Bytes({1}));
    d.h().TlsStarted(c.cert_requested);
    d.h().ServerFailed("end of stream");
    d.Collect();
    EXPECT_EQ(d.h().cause(), c.cause) << VncSecurityCauseName(c.cause);
    EXPECT_EQ(d.to_client.back(), FailedResult(kNegotiation));
  }
  // Halfway through the SecurityResult it is just a broken connection.
  Driver half(Schemes(kVencrypt, false));
  half.UpToSubtypeAck({260});
  half.Server(Bytes({1}));
  half.h().TlsStarted(true);
  half.Server(Bytes({0, 0}));
  half.h().ServerFailed("end of stream");
  EXPECT_EQ(half.h().cause(), VncSecurityCause::kServerIo);
}

TEST(RfbSecurityHandshake, FailedSecurityResult_ReachesBrowserUnchanged) {
  Driver d(Schemes(kBoth));
  d.UpToChoice(Bytes({1}));
  d.Server(U32(1));
  EXPECT_EQ(d.h().server_wanted(), 4u);
  d.Server(Reason("Authentication failed"));
  EXPECT_EQ(d.h().cause(), VncSecurityCause::kServerRefused);
  EXPECT_EQ(d.ClientFramesFrom(2),
            Frames{FailedResult("Authentication failed")});

  Driver huge(Schemes(kBoth));
  huge.UpToChoice(Bytes({1}));
  huge.Server(U32(1) + U32(100000));
  EXPECT_EQ(huge.h().state(), State::kFailed);
  EXPECT_EQ(huge.ClientFramesFrom(2),
            Frames{FailedResult("The console refused the connection")});
}

TEST(RfbSecurityHandshake, BrowserBytesBeyondTheHandshake_AreKeptForQemu) {
  Driver d(Schemes(kVencrypt));
  d.Server(kV38);
  // A client that pipelines: version, None, ClientInit (shared) at once.
  d.Client(kV38 + Bytes({1, 1}));
  EXPECT_EQ(d.h().state(), State::kReadServer);
  d.Server(Bytes({1, 19}));
  // The choice was already there: QEMU is asked at once.
  EXPECT_EQ(d.to_server, kV38 + Bytes({19}));
  d.Server(Bytes({0, 2, 0, 1}) + U32(260) + Bytes({1}));
  d.h().TlsStarted(false);
  d.Client(Bytes({3, 0}));  // more, read while waiting
  d.Server(U32(0));
  ASSERT_EQ(d.h().state(), State::kRelay);
  EXPECT_EQ(d.h().TakeClientSurplus(), Bytes({1, 3, 0}));
  EXPECT_EQ(d.h().TakeClientSurplus(), "");
}

TEST(RfbSecurityHandshake, IoFailures_BrowserToldOnlyWhenQemuFailed) {
  Driver before(Schemes(kVencrypt));
  before.h().ServerFailed("connection reset");
  before.Collect();
  EXPECT_EQ(before.h().cause(), VncSecurityCause::kServerIo);
  EXPECT_EQ(before.to_client, (Frames{kV38, NoTypes(kNegotiation)}));

  Driver after_choice(Schemes(kVencrypt));
  after_choice.UpToChoice(Bytes({19}));
  after_choice.h().ServerFailed("timed out");
  after_choice.Collect();
  EXPECT_EQ(after_choice.to_client.back(), FailedResult(kNegotiation));
  EXPECT_EQ(after_choice.h().detail(), "timed out");

  Driver client(Schemes(kVencrypt));
  client.Server(kV38);
  client.h().ClientFailed("client closed");
  client.Collect();
  EXPECT_EQ(client.h().cause(), VncSecurityCause::kClientIo);
  EXPECT_EQ(client.to_client, Frames{kV38});  // nothing more
  // A failed handshake ignores whatever comes later.
  client.Server(Bytes({1, 19}));
  client.h().TlsStarted(true);
  EXPECT_EQ(client.h().state(), State::kFailed);
  EXPECT_EQ(client.h().TakeClientSurplus(), "");
}

TEST(RfbSecurityHandshake, CauseNamesAreDistinct) {
  std::set<std::string> names;
  for (int c = 0; c <= static_cast<int>(VncSecurityCause::kProtocol); ++c) {
    names.insert(VncSecurityCauseName(static_cast<VncSecurityCause>(c)));
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(VncSecurityCause::kProtocol) + 1);
  EXPECT_EQ(names.count("?"), 0u);
}

}  // namespace
}  // namespace porthole::controller
