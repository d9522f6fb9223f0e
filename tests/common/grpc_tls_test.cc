// The agent-controller link as both daemons build it from PEM files: a real
// gRPC server (the health service) on 127.0.0.1 and a real channel, with a
// test PKI made at test time (EC P-256, OpenSSL's C API): a CA, a server
// certificate for DNS:localhost and IP:127.0.0.1, a client certificate, and
// a second CA that the server does not trust.
#include "common/grpc_tls.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "grpc/health/v1/health.grpc.pb.h"
#include "tests/support/child_process.h"

namespace porthole {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

// A P-256 key and a certificate for it.
struct Identity {
  std::unique_ptr<EVP_PKEY, KeyFree> key;
  std::unique_ptr<X509, CertFree> cert;
};

// Issues a certificate for `common_name` signed by `issuer`, or self-signed
// when `issuer` is null; `extensions` are (NID, OpenSSL config value) pairs.
Identity Issue(const std::string& common_name, const Identity* issuer,
               const std::vector<std::pair<int, std::string>>& extensions) {
  static long serial = 1;
  Identity id;
  id.key.reset(EVP_EC_gen("P-256"));
  Check(id.key != nullptr, "EVP_EC_gen");
  id.cert.reset(X509_new());
  X509* cert = id.cert.get();
  Check(X509_set_version(cert, 2) == 1, "X509_set_version");  // v3
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++) == 1, "serial");
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 60 * 60);
  Check(X509_set_pubkey(cert, id.key.get()) == 1, "X509_set_pubkey");
  Check(X509_NAME_add_entry_by_txt(
            X509_get_subject_name(cert), "CN", MBSTRING_ASC,
            reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
            0) == 1,
        "CN");
  X509* issuer_cert = issuer != nullptr ? issuer->cert.get() : cert;
  EVP_PKEY* issuer_key = issuer != nullptr ? issuer->key.get() : id.key.get();
  Check(X509_set_issuer_name(cert, X509_get_subject_name(issuer_cert)) == 1,
        "issuer name");
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer_cert, cert, nullptr, nullptr, 0);
  for (const auto& [nid, value] : extensions) {
    X509_EXTENSION* extension =
        X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
    Check(extension != nullptr, value.c_str());
    Check(X509_add_ext(cert, extension, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(extension);
  }
  Check(X509_sign(cert, issuer_key, EVP_sha256()) > 0, "X509_sign");
  return id;
}

Identity IssueCa(const std::string& name) {
  return Issue(name, nullptr,
               {{NID_basic_constraints, "critical,CA:TRUE"},
                {NID_key_usage, "critical,keyCertSign,cRLSign"},
                {NID_subject_key_identifier, "hash"}});
}

Identity IssueLeaf(const std::string& name, const Identity& ca,
                   const std::string& extended_key_usage,
                   const std::string& subject_alt_name = "") {
  std::vector<std::pair<int, std::string>> extensions = {
      {NID_basic_constraints, "critical,CA:FALSE"},
      {NID_key_usage, "critical,digitalSignature"},
      {NID_ext_key_usage, extended_key_usage},
      {NID_subject_key_identifier, "hash"},
      {NID_authority_key_identifier, "keyid"}};
  if (!subject_alt_name.empty()) {
    extensions.emplace_back(NID_subject_alt_name, subject_alt_name);
  }
  return Issue(name, &ca, extensions);
}

std::string ToPem(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(size));
}

// Writes <path>.crt and <path>.key.
void WriteIdentity(const Identity& id, const std::string& path) {
  std::unique_ptr<BIO, BioFree> cert(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(cert.get(), id.cert.get()) == 1, "PEM cert");
  testing::WriteFile(path + ".crt", ToPem(cert.get()));
  std::unique_ptr<BIO, BioFree> key(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(key.get(), id.key.get(), nullptr, nullptr, 0,
                                 nullptr, nullptr) == 1,
        "PEM key");
  testing::WriteFile(path + ".key", ToPem(key.get()));
}

// The service the calls reach: always SERVING.
class HealthService final : public grpc::health::v1::Health::Service {
  grpc::Status Check(grpc::ServerContext*,
                     const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

class GrpcTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const Identity ca = IssueCa("Porthole test CA");
    const Identity other_ca = IssueCa("Some other CA");
    WriteIdentity(ca, Path("ca"));
    WriteIdentity(other_ca, Path("other-ca"));
    WriteIdentity(IssueLeaf("porthole-agent", ca, "serverAuth",
                            "DNS:localhost,IP:127.0.0.1"),
                  Path("server"));
    WriteIdentity(IssueLeaf("porthole-controller", ca, "clientAuth"),
                  Path("client"));
    WriteIdentity(IssueLeaf("porthole-controller", other_ca, "clientAuth"),
                  Path("other-client"));
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::string Path(const std::string& name) const {
    return dir_.path() + "/" + name;
  }
  // <identity>.crt and <identity>.key, trusting <ca>.crt; "" leaves it out.
  TlsFiles Files(const std::string& identity, const std::string& ca) const {
    TlsFiles files;
    if (!identity.empty()) {
      files.cert_file = Path(identity + ".crt");
      files.key_file = Path(identity + ".key");
    }
    if (!ca.empty()) files.ca_file = Path(ca + ".crt");
    return files;
  }

  // The agent's side: [tls] cert_file, key_file, ca_file.
  void StartServer(const TlsFiles& files) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
        MakeServerCredentials(files);
    ASSERT_TRUE(credentials.ok()) << credentials.status();
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", *credentials, &port_);
    builder.RegisterService(&health_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port_, 0);
  }
  void StartMutualTlsServer() { StartServer(Files("server", "ca")); }

  // The controller's side: one health check over a channel of its own.
  grpc::Status CheckHealth(const TlsFiles& files,
                           const std::string& server_name = "") {
    absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> credentials =
        MakeChannelCredentials(files);
    if (!credentials.ok()) {
      ADD_FAILURE() << credentials.status();
      return grpc::Status(grpc::StatusCode::INTERNAL, "no credentials");
    }
    grpc::ChannelArguments args;
    // A connection of this channel's own, never one another test made.
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    if (!server_name.empty()) {
      args.SetSslTargetNameOverride(server_name);
    }
    auto stub = grpc::health::v1::Health::NewStub(grpc::CreateCustomChannel(
        "127.0.0.1:" + std::to_string(port_), *credentials, args));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(10));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    if (status.ok()) {
      EXPECT_EQ(response.status(),
                grpc::health::v1::HealthCheckResponse::SERVING);
    }
    return status;
  }

  testing::TempDir dir_;
  HealthService health_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(GrpcTlsTest, MutualTls_ClientCertFromTheCa_CallSucceeds) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth(Files("client", "ca"));
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
}

TEST_F(GrpcTlsTest, MutualTls_ServerNamedLocalhost_CallSucceeds) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth(Files("client", "ca"), "localhost");
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
}

TEST_F(GrpcTlsTest, MutualTls_ClientCertFromAnotherCa_Unavailable) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth(Files("other-client", "ca"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(GrpcTlsTest, MutualTls_NoClientCert_Unavailable) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth(Files("", "ca"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(GrpcTlsTest, MutualTls_ClientTrustsAnotherCa_Unavailable) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth(Files("client", "other-ca"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(GrpcTlsTest, MutualTls_ServerNameNotInCertificate_Unavailable) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth(Files("client", "ca"), "agent.example");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

// Without a CA the server asks for no client certificate: the link is TLS,
// not mutual.
TEST_F(GrpcTlsTest, Tls_ServerWithoutCa_ServesClientWithoutCert) {
  ASSERT_NO_FATAL_FAILURE(StartServer(Files("server", "")));
  grpc::Status status = CheckHealth(Files("", "ca"));
  EXPECT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
}

TEST_F(GrpcTlsTest, Plaintext_NoFilesOnEitherSide_CallSucceeds) {
  ASSERT_NO_FATAL_FAILURE(StartServer({}));
  grpc::Status status = CheckHealth({});
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(GrpcTlsTest, Plaintext_ClientAgainstMutualTlsServer_Unavailable) {
  ASSERT_NO_FATAL_FAILURE(StartMutualTlsServer());
  grpc::Status status = CheckHealth({});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
}

TEST_F(GrpcTlsTest, MissingFile_ErrorNamesIt) {
  const std::string missing = Path("missing.crt");
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server =
      MakeServerCredentials(
          TlsFiles{missing, Path("server.key"), Path("ca.crt")});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(server.status().message().find(missing), absl::string_view::npos)
      << server.status();
  absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> channel =
      MakeChannelCredentials(TlsFiles{"", "", missing});
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kNotFound);
  EXPECT_NE(channel.status().message().find(missing), absl::string_view::npos)
      << channel.status();
}

TEST_F(GrpcTlsTest, FileThatIsNotPem_ErrorNamesIt) {
  const std::string garbage = Path("garbage.key");
  testing::WriteFile(garbage, "not a key\n");
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> server =
      MakeServerCredentials(TlsFiles{Path("server.crt"), garbage, ""});
  EXPECT_EQ(server.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(server.status().message().find(garbage), absl::string_view::npos)
      << server.status();
}

TEST_F(GrpcTlsTest, CertificateWithoutKey_IsRefusedOnBothSides) {
  EXPECT_EQ(MakeServerCredentials(TlsFiles{Path("server.crt"), "", ""})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(MakeServerCredentials(Files("", "ca")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      MakeChannelCredentials(TlsFiles{Path("client.crt"), "", Path("ca.crt")})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace porthole
