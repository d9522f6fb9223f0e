// SPICE's ticket (spice_ticket.h): RSA-OAEP under a 1024-bit key, as a
// SPICE client encrypts it and a SPICE server reads it.
#include "controller/proxy/spice_ticket.h"

#include <gtest/gtest.h>

#include "controller/proxy/spice_link.h"

namespace porthole::controller {
namespace {

TEST(SpiceTicketTest, KeyIsWhatALinkReplyCarries) {
  auto key = SpiceTicketKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ((*key)->public_key().size(), spice_link::kPublicKeyBytes);
}

TEST(SpiceTicketTest, EncryptedPasswordDecrypts) {
  auto key = SpiceTicketKey::Generate();
  ASSERT_TRUE(key.ok()) << key.status();
  const std::string password = "0b5c6f7e-3c1a-4b8e-9d2f-5a6b7c8d9e0f";
  absl::StatusOr<std::string> ticket =
      EncryptSpiceTicket((*key)->public_key(), password);
  ASSERT_TRUE(ticket.ok()) << ticket.status();
  EXPECT_EQ(ticket->size(), spice_link::kTicketBytes);
  EXPECT_EQ(ticket->find(password), std::string::npos);
  absl::StatusOr<std::string> back = (*key)->Decrypt(*ticket);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, password);
  absl::StatusOr<std::string> empty =
      (*key)->Decrypt(*EncryptSpiceTicket((*key)->public_key(), ""));
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_EQ(*empty, "");
}

TEST(SpiceTicketTest, AnotherKeysTicketOrGarbageDoesNotDecrypt) {
  auto key = SpiceTicketKey::Generate();
  auto other = SpiceTicketKey::Generate();
  ASSERT_TRUE(key.ok() && other.ok());
  absl::StatusOr<std::string> ticket =
      EncryptSpiceTicket((*other)->public_key(), "secret");
  ASSERT_TRUE(ticket.ok());
  EXPECT_TRUE(absl::IsInvalidArgument((*key)->Decrypt(*ticket).status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument((*key)->Decrypt(std::string(128, 'x')).status()));
  EXPECT_TRUE(absl::IsInvalidArgument((*key)->Decrypt("").status()));
}

TEST(SpiceTicketTest, KeyThatIsNotDerIsRefused) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      EncryptSpiceTicket(std::string(162, 'k'), "x").status()));
}

}  // namespace
}  // namespace porthole::controller
