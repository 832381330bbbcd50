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

TEST(AddressFilter, AllowsPublicAddresses) {
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111",
                              "::ffff:93.184.216.34"})
    EXPECT_FALSE(blocked(address)) << address;
}

}  // namespace
}  // namespace fcd::fetch
