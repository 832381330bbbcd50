#pragma once
// Which resolved addresses the fetcher refuses when block_private_addresses is
// on: anything that is not a routable unicast address on the public Internet,
// so a feed URL (or a redirect, or DNS) cannot point the daemon at its own
// machine or its LAN. And how addresses are grouped for the per-address fetch
// slots.
#include <string>

#include "asio/asio.hpp"

namespace fcd::fetch {

// True for every block of the IANA IPv4 and IPv6 Special-Purpose Address
// Registries that is not globally reachable, and for multicast:
//   IPv4: 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24,
//     192.0.2/24, 192.88.99/24 (6to4 relays), 192.168/16, 198.18/15,
//     198.51.100/24, 203.0.113/24, 224/4 (multicast), 240/4 and the broadcast
//     address;
//   IPv6: everything outside 2000::/3 (loopback, unspecified, ::/96 IPv4-
//     compatible, 100::/64 discard, fc00::/7, fe80::/10, fec0::/10, ff00::/8,
//     64:ff9b:1::/48, 5f00::/16, ...), and inside it 2001::/23 (Teredo, ORCHID,
//     benchmarking and other protocol assignments), 2001:db8::/32 and 3fff::/20
//     (documentation), 2002::/16 (6to4);
//   IPv4 embedded in IPv6: ::ffff:0:0/96 (mapped) and 64:ff9b::/96 (NAT64) are
//     judged by the IPv4 address they carry.
bool is_private_address(const asio::ip::address& address);

// The group an address's fetch slots are counted in: the /24 of an IPv4
// address, the /64 of an IPv6 one (IPv4-mapped addresses count as IPv4),
// printed as "198.51.100.0/24" or "2001:db8:1:2::/64". Many names, or many
// addresses of one network, served by one slow machine share one group.
std::string address_group(const asio::ip::address& address);

}  // namespace fcd::fetch
