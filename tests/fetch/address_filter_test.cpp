#include "fetch/address_filter.hpp"

#include <gtest/gtest.h>

namespace fcd::fetch {
namespace {

bool blocked(const char* text) { return is_private_address(asio::ip::make_address(text)); }

TEST(AddressFilter, BlocksLocalAndPrivateRanges) {
  for (const char* address : {"127.0.0.1", "127.8.9.10", "0.0.0.0", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                              "192.168.1.1", "169.254.169.254", "100.64.0.1", "198.18.0.1", "224.0.0.1",
                              "255.255.255.255", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1",
                              "::ffff:127.0.0.1", "::ffff:10.0.0.1"})
    EXPECT_TRUE(blocked(address)) << address;
}

// Issue 18 row 7: the rest of the IANA special-purpose registries, and IPv4
// carried inside IPv6.
TEST(AddressFilter, BlocksEverySpecialPurposeBlock) {
  for (const char* address :
       {"192.0.2.2", "198.51.100.7", "203.0.113.9", "192.88.99.1", "192.0.0.8", "240.0.0.1", "198.19.255.255",
        "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b::c0a8:101", "64:ff9b:1::1", "2002:7f00:1::1",
        "2002:5db8:d822::1", "2001::1", "2001:0:4136:e378::1", "2001:db8::1", "2001:2::1", "2001:10::1",
        "2001:20::1", "3fff::1", "::7f00:1", "::a00:1", "100::1", "fec0::1", "5f00::1", "4000::1", "::ffff:192.0.2.1"})
    EXPECT_TRUE(blocked(address)) << address;
}

TEST(AddressFilter, AllowsPublicAddresses) {
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
                              "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "192.0.3.1", "198.51.101.1",
                              "203.0.114.1", "2a00:1450:4001::1", "2001:200::1", "2600::1"})
    EXPECT_FALSE(blocked(address)) << address;
}

TEST(AddressGroup, Ipv4By24AndIpv6By64) {
  EXPECT_EQ(address_group(asio::ip::make_address("127.0.0.2")), "127.0.0.0/24");
  EXPECT_EQ(address_group(asio::ip::make_address("127.0.0.70")), "127.0.0.0/24");
  EXPECT_EQ(address_group(asio::ip::make_address("::ffff:127.0.0.9")), "127.0.0.0/24");
  EXPECT_EQ(address_group(asio::ip::make_address("127.0.1.1")), "127.0.1.0/24");
  EXPECT_EQ(address_group(asio::ip::make_address("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
}

}  // namespace
}  // namespace fcd::fetch
