#pragma once
// Which resolved addresses the fetcher refuses when block_private_addresses is
// on: anything that is not a routable unicast address on the public Internet,
// so a feed URL (or a redirect, or DNS) cannot point the daemon at its own
// machine or its LAN.
#include "asio/asio.hpp"

namespace fcd::fetch {

// True for loopback, unspecified, RFC 1918, CGNAT (100.64/10), link-local,
// benchmarking (198.18/15), multicast, reserved (240/4), broadcast, IPv6 ULA
// (fc00::/7), IPv6 link-local (fe80::/10), and IPv4-mapped forms of all these.
bool is_private_address(const asio::ip::address& address);

}  // namespace fcd::fetch
