#pragma once
// Include Boost.Asio through this header only.
//
// Boost 1.74's boost/asio/awaitable.hpp uses std::exchange without including
// <utility>; g++ 12 in C++20 mode then fails to compile it. Including <utility>
// first makes every translation unit see the same, working Asio.
#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace fcd {
namespace asio = boost::asio;
}
