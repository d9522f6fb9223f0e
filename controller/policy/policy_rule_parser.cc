#include "controller/policy/policy_rule_parser.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/text.h"

namespace porthole::controller {
namespace {

struct Token {
  enum class Kind { kOpen, kClose, kAnd, kOr, kNot, kWord };
  Kind kind;
  std::string_view text;
  int word;  // 1-based position of the whitespace-separated word
};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

Token::Kind WordKind(std::string_view word) {
  const std::string lowered = AsciiLower(word);
  if (lowered == "and") return Token::Kind::kAnd;
  if (lowered == "or") return Token::Kind::kOr;
  if (lowered == "not") return Token::Kind::kNot;
  return Token::Kind::kWord;
}

// oslo's split: whitespace-separated words, each with its leading '(' and
// trailing ')' as tokens of their own.
std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  int word = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (IsSpace(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && !IsSpace(text[end])) ++end;
    std::string_view chunk = text.substr(i, end - i);
    i = end;
    ++word;
    while (!chunk.empty() && chunk.front() == '(') {
      tokens.push_back({Token::Kind::kOpen, "(", word});
      chunk.remove_prefix(1);
    }
    size_t closes = 0;
    while (closes < chunk.size() && chunk[chunk.size() - 1 - closes] == ')') {
      ++closes;
    }
    std::string_view body = chunk.substr(0, chunk.size() - closes);
    if (!body.empty()) tokens.push_back({WordKind(body), body, word});
    for (size_t c = 0; c < closes; ++c) {
      tokens.push_back({Token::Kind::kClose, ")", word});
    }
  }
  return tokens;
}

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  absl::StatusOr<PolicyExpr> Parse() {
    if (tokens_.empty()) return PolicyExpr{};  // the empty rule: allow
    absl::StatusOr<PolicyExpr> expr = ParseOr(0);
    if (!expr.ok()) return expr;
    if (pos_ < tokens_.size()) return Unexpected();
    return expr;
  }

 private:
  absl::StatusOr<PolicyExpr> ParseOr(int depth) {
    return ParseChain(depth, Token::Kind::kOr, PolicyExpr::Kind::kOr,
                      &Parser::ParseAnd);
  }
  absl::StatusOr<PolicyExpr> ParseAnd(int depth) {
    return ParseChain(depth, Token::Kind::kAnd, PolicyExpr::Kind::kAnd,
                      &Parser::ParseNot);
  }

  // operand (op operand)*: one node with every operand as a child.
  absl::StatusOr<PolicyExpr> ParseChain(
      int depth, Token::Kind op, PolicyExpr::Kind kind,
      absl::StatusOr<PolicyExpr> (Parser::*operand)(int)) {
    absl::StatusOr<PolicyExpr> first = (this->*operand)(depth);
    if (!first.ok() || !Next(op)) return first;
    PolicyExpr chain;
    chain.kind = kind;
    chain.children.push_back(*std::move(first));
    while (Next(op)) {
      ++pos_;
      absl::StatusOr<PolicyExpr> more = (this->*operand)(depth);
      if (!more.ok()) return more;
      chain.children.push_back(*std::move(more));
    }
    return chain;
  }

  absl::StatusOr<PolicyExpr> ParseNot(int depth) {
    if (depth > kMaxPolicyRuleNesting) {
      return absl::InvalidArgumentError(
          absl::StrCat("nested deeper than ", kMaxPolicyRuleNesting));
    }
    if (pos_ >= tokens_.size()) return Unexpected();
    const Token& token = tokens_[pos_];
    if (token.kind == Token::Kind::kNot) {
      ++pos_;
      absl::StatusOr<PolicyExpr> operand = ParseNot(depth + 1);
      if (!operand.ok()) return operand;
      PolicyExpr negation;
      negation.kind = PolicyExpr::Kind::kNot;
      negation.children.push_back(*std::move(operand));
      return negation;
    }
    if (token.kind == Token::Kind::kOpen) {
      ++pos_;
      absl::StatusOr<PolicyExpr> inner = ParseOr(depth + 1);
      if (!inner.ok()) return inner;
      if (!Next(Token::Kind::kClose)) {
        return pos_ < tokens_.size() ? Unexpected() : Missing("')'");
      }
      ++pos_;
      return inner;
    }
    if (token.kind != Token::Kind::kWord) return Unexpected();
    ++pos_;
    return ParseCheck(token);
  }

  absl::StatusOr<PolicyExpr> ParseCheck(const Token& token) const {
    PolicyExpr check;
    if (token.text == "@") return check;
    if (token.text == "!") {
      check.kind = PolicyExpr::Kind::kDeny;
      return check;
    }
    const size_t colon = token.text.find(':');
    if (colon == std::string_view::npos || colon == 0 ||
        colon + 1 == token.text.size()) {
      return Error(token,
                   absl::StrCat("cannot understand '", std::string(token.text),
                                "' (expected KIND:VALUE, @ or !)"));
    }
    const std::string_view kind = token.text.substr(0, colon);
    const std::string_view value = token.text.substr(colon + 1);
    if (kind == "http" || kind == "https") {
      return Error(token, "http and https checks are not supported");
    }
    if (kind == "rule") {
      check.kind = PolicyExpr::Kind::kRule;
      check.key = std::string(value);
      return check;
    }
    if (absl::Status s = ValidateTargetTemplate(value); !s.ok()) {
      return Error(token, std::string(s.message()));
    }
    check.kind =
        kind == "role" ? PolicyExpr::Kind::kRole : PolicyExpr::Kind::kGeneric;
    if (check.kind == PolicyExpr::Kind::kGeneric) check.key = std::string(kind);
    check.match = std::string(value);
    return check;
  }

  bool Next(Token::Kind kind) const {
    return pos_ < tokens_.size() && tokens_[pos_].kind == kind;
  }

  static absl::Status Error(const Token& token, std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("word ", token.word, ": ", std::string(what)));
  }
  absl::Status Unexpected() const {
    if (pos_ >= tokens_.size()) return Missing("a check");
    return Error(
        tokens_[pos_],
        absl::StrCat("unexpected '", std::string(tokens_[pos_].text), "'"));
  }
  static absl::Status Missing(std::string_view what) {
    return absl::InvalidArgumentError(
        absl::StrCat("ends where ", std::string(what), " is expected"));
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
};

}  // namespace

absl::StatusOr<PolicyExpr> ParsePolicyRule(std::string_view text) {
  return Parser(Tokenize(text)).Parse();
}

}  // namespace porthole::controller
