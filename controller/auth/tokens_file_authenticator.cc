#include "controller/auth/tokens_file_authenticator.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/logging.h"

namespace porthole::controller {
namespace {

constexpr char kFormat[] = "expected TOKEN USER_ID PROJECT_ID ROLE[,ROLE...]";

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool HasControlCharacter(std::string_view text) {
  for (char c : text) {
    if (c == '\t') continue;  // a field separator
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

TokensFileAuthenticator::TokensFileAuthenticator(std::string path)
    : path_(std::move(path)) {}

absl::StatusOr<std::unique_ptr<TokensFileAuthenticator>>
TokensFileAuthenticator::Load(std::string path) {
  absl::StatusOr<std::shared_ptr<const Table>> table = ReadTable(path);
  if (!table.ok()) return table.status();
  std::unique_ptr<TokensFileAuthenticator> authenticator(
      new TokensFileAuthenticator(std::move(path)));
  authenticator->table_ = *std::move(table);
  return authenticator;
}

absl::Status TokensFileAuthenticator::Reload() {
  absl::StatusOr<std::shared_ptr<const Table>> table = ReadTable(path_);
  if (!table.ok()) {
    LogWarning("auth", "tokens file not reloaded, keeping the old table: ",
               std::string(table.status().message()));
    return table.status();
  }
  size_t count = (*table)->size();
  {
    absl::MutexLock lock(&mu_);
    table_ = *std::move(table);
  }
  LogInfo("auth", "tokens file reloaded ", LogField("path", path_), " ",
          LogField("tokens", std::to_string(count)));
  return absl::OkStatus();
}

absl::StatusOr<Principal> TokensFileAuthenticator::Authenticate(
    std::string_view token) const {
  if (token.empty()) return absl::UnauthenticatedError("empty token");
  std::shared_ptr<const Table> table;
  {
    absl::ReaderMutexLock lock(&mu_);
    table = table_;
  }
  const Sha256Digest digest = Sha256(token);
  // Every entry is compared, with no early exit, so timing says nothing
  // about which entry (if any) matched or how closely.
  const Entry* match = nullptr;
  for (const Entry& entry : *table) {
    bool equal =
        CRYPTO_memcmp(entry.digest.data(), digest.data(), digest.size()) == 0;
    match = equal ? &entry : match;
  }
  if (match == nullptr) {
    return absl::UnauthenticatedError("token not in the tokens file");
  }
  return match->principal;
}

size_t TokensFileAuthenticator::size() const {
  absl::ReaderMutexLock lock(&mu_);
  return table_->size();
}

absl::StatusOr<std::shared_ptr<const TokensFileAuthenticator::Table>>
TokensFileAuthenticator::ReadTable(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return absl::NotFoundError(absl::StrCat("cannot read tokens file ", path,
                                            ": ", std::strerror(errno)));
  }
  std::string text;
  text.resize(kMaxFileBytes + 1);
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (file.bad()) {
    return absl::InternalError(absl::StrCat("cannot read tokens file ", path));
  }
  text.resize(static_cast<size_t>(file.gcount()));
  if (text.size() > kMaxFileBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tokens file ", path, " is larger than ", kMaxFileBytes, " bytes"));
  }
  struct stat info {};
  if (stat(path.c_str(), &info) == 0 && (info.st_mode & S_IROTH) != 0) {
    LogWarning("auth", "tokens file is readable by everyone; chmod o-r it ",
               LogField("path", path));
  }
  return ParseTable(text, path);
}

absl::StatusOr<std::shared_ptr<const TokensFileAuthenticator::Table>>
TokensFileAuthenticator::ParseTable(std::string_view text,
                                    const std::string& name) {
  auto table = std::make_shared<Table>();
  std::map<Sha256Digest, int> first_line;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view()
                                             : text.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    auto error = [&](std::string_view why) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ":", line_number, ": ", std::string(why)));
    };

    std::vector<std::string_view> fields = SplitFields(line);
    if (fields.empty() || fields[0].front() == '#') continue;
    if (HasControlCharacter(line)) return error("control character in line");
    if (fields.size() != 4) {
      return error(absl::StrCat(kFormat, " (4 fields), got ", fields.size()));
    }

    Entry entry;
    entry.digest = Sha256(fields[0]);
    entry.principal.user_id = std::string(fields[1]);
    entry.principal.project_id = std::string(fields[2]);
    std::string_view roles = fields[3];
    while (true) {
      size_t comma = roles.find(',');
      std::string_view role = roles.substr(0, comma);
      if (role.empty()) return error("empty role name in the role list");
      entry.principal.roles.emplace_back(role);
      if (comma == std::string_view::npos) break;
      roles = roles.substr(comma + 1);
    }
    entry.principal.roles =
        WithDefaultImpliedRoles(std::move(entry.principal.roles));
    // The token itself never goes into a message.
    auto [it, inserted] = first_line.emplace(entry.digest, line_number);
    if (!inserted) {
      return error(
          absl::StrCat("duplicate token (first on line ", it->second, ")"));
    }
    table->push_back(std::move(entry));
  }
  return std::shared_ptr<const Table>(std::move(table));
}

}  // namespace porthole::controller
