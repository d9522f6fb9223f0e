#ifndef PORTHOLE_CONTROLLER_TOKENS_CONSOLE_TOKEN_H_
#define PORTHOLE_CONTROLLER_TOKENS_CONSOLE_TOKEN_H_

#include <string>
#include <string_view>

namespace porthole::controller {

// A console token is a random UUID4 string, as in Nova: lowercase, 36 chars,
// 122 random bits from the OpenSSL CSPRNG. It is handed to the user once; the
// store keeps only HashConsoleToken(token). All functions are thread-safe.

// A fresh token, e.g. "0f8e3b1c-5d2a-4c6e-9b7a-1e2f3a4b5c6d". Aborts the
// process if the CSPRNG fails: a guessable token is worse than no service.
std::string NewConsoleToken();

// SHA-256 of the token's bytes as 64 lowercase hex digits (Nova's token_hash).
std::string HashConsoleToken(std::string_view token);

// True for the shape of a token: 8-4-4-4-12 lowercase hex digits and dashes.
// Lets the proxy reject garbage without a store lookup; it does not check the
// version nibble, so any lowercase UUID passes.
bool LooksLikeConsoleToken(std::string_view text);

// True for the shape of a token hash: 64 lowercase hex digits. The stores
// refuse anything else, so a raw token can never be stored by mistake.
bool LooksLikeTokenHash(std::string_view text);

}  // namespace porthole::controller

#endif  // PORTHOLE_CONTROLLER_TOKENS_CONSOLE_TOKEN_H_
