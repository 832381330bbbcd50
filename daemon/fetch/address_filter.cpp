#include "fetch/address_filter.hpp"

#include <cstdint>

namespace fcd::fetch {

namespace {

bool in_v4(const std::array<unsigned char, 4>& b, std::uint32_t network, int prefix) {
  const std::uint32_t value = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  const std::uint32_t mask = prefix == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix);
  return (value & mask) == (network & mask);
}

constexpr std::uint32_t v4(unsigned a, unsigned b, unsigned c, unsigned d) { return (a << 24) | (b << 16) | (c << 8) | d; }

bool is_private_v4(const asio::ip::address_v4& address) {
  struct Block {
    std::uint32_t network;
    int prefix;
  };
  static constexpr Block kBlocks[] = {
      {v4(0, 0, 0, 0), 8},        {v4(10, 0, 0, 0), 8},       {v4(100, 64, 0, 0), 10},  {v4(127, 0, 0, 0), 8},
      {v4(169, 254, 0, 0), 16},   {v4(172, 16, 0, 0), 12},    {v4(192, 0, 0, 0), 24},   {v4(192, 0, 2, 0), 24},
      {v4(192, 88, 99, 0), 24},   {v4(192, 168, 0, 0), 16},   {v4(198, 18, 0, 0), 15},  {v4(198, 51, 100, 0), 24},
      {v4(203, 0, 113, 0), 24},   {v4(224, 0, 0, 0), 4},      {v4(240, 0, 0, 0), 4},
  };
  const auto bytes = address.to_bytes();
  for (const Block& block : kBlocks)
    if (in_v4(bytes, block.network, block.prefix)) return true;
  return false;
}

// The IPv4 address in the last four bytes.
asio::ip::address_v4 last_four(const asio::ip::address_v6::bytes_type& b) {
  return asio::ip::address_v4{asio::ip::address_v4::bytes_type{b[12], b[13], b[14], b[15]}};
}

bool has_prefix(const asio::ip::address_v6::bytes_type& b, std::initializer_list<unsigned char> prefix, int bits) {
  int index = 0;
  for (unsigned char byte : prefix) {
    const int take = std::min(8, bits - 8 * index);
    if (take <= 0) break;
    const auto mask = static_cast<unsigned char>(0xFF << (8 - take));
    if ((b[index] & mask) != (byte & mask)) return false;
    ++index;
  }
  return true;
}

}  // namespace

bool is_private_address(const asio::ip::address& address) {
  if (address.is_v4()) return is_private_v4(address.to_v4());
  const auto v6 = address.to_v6();
  const auto b = v6.to_bytes();
  if (v6.is_v4_mapped()) return is_private_v4(last_four(b));
  // NAT64 well-known prefix 64:ff9b::/96: the gateway connects to the IPv4 address inside.
  if (has_prefix(b, {0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0}, 96)) return is_private_v4(last_four(b));
  if (!has_prefix(b, {0x20}, 3)) return true;  // not global unicast
  return has_prefix(b, {0x20, 0x01, 0x00}, 23) || has_prefix(b, {0x20, 0x01, 0x0D, 0xB8}, 32) ||
         has_prefix(b, {0x20, 0x02}, 16) || has_prefix(b, {0x3F, 0xFF, 0x00}, 20);
}

std::string address_group(const asio::ip::address& address) {
  if (address.is_v4() || address.to_v6().is_v4_mapped()) {
    auto bytes = address.is_v4() ? address.to_v4().to_bytes() : last_four(address.to_v6().to_bytes()).to_bytes();
    bytes[3] = 0;
    return asio::ip::address_v4{bytes}.to_string() + "/24";
  }
  auto bytes = address.to_v6().to_bytes();
  for (std::size_t i = 8; i < bytes.size(); ++i) bytes[i] = 0;
  return asio::ip::address_v6{bytes}.to_string() + "/64";
}

}  // namespace fcd::fetch
