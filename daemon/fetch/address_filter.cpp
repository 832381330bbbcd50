#include "fetch/address_filter.hpp"

namespace fcd::fetch {

namespace {

bool is_private_v4(const asio::ip::address_v4& address) {
  const auto b = address.to_bytes();
  return b[0] == 0 || b[0] == 10 || b[0] == 127 || (b[0] == 100 && (b[1] & 0xC0) == 64) ||
         (b[0] == 169 && b[1] == 254) || (b[0] == 172 && (b[1] & 0xF0) == 16) ||
         (b[0] == 192 && b[1] == 168) || (b[0] == 192 && b[1] == 0 && b[2] == 0) ||
         (b[0] == 198 && (b[1] & 0xFE) == 18) || b[0] >= 224;
}

}  // namespace

bool is_private_address(const asio::ip::address& address) {
  if (address.is_v4()) return is_private_v4(address.to_v4());
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return is_private_v4(asio::ip::make_address_v4(asio::ip::v4_mapped, v6));
  const auto b = v6.to_bytes();
  return v6.is_unspecified() || v6.is_loopback() || v6.is_multicast() || (b[0] & 0xFE) == 0xFC ||
         (b[0] == 0xFE && (b[1] & 0xC0) == 0x80);
}

}  // namespace fcd::fetch
