#pragma once
// Private to fcd_fetch: RAII owners of libcurl handles. Nothing outside
// daemon/fetch/*.cpp includes this header.
#include <curl/curl.h>

#include <memory>
#include <stdexcept>
#include <string>

namespace fcd::fetch::detail {

struct EasyDeleter {
  void operator()(CURL* easy) const noexcept { curl_easy_cleanup(easy); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
struct UrlDeleter {
  void operator()(CURLU* url) const noexcept { curl_url_cleanup(url); }
};

using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using UrlHandle = std::unique_ptr<CURLU, UrlDeleter>;

// A header list that grows by append(); curl_slist_append returns a new head.
class HeaderList {
 public:
  void append(const std::string& line) {
    curl_slist* head = curl_slist_append(list_.get(), line.c_str());
    if (head == nullptr) throw std::bad_alloc{};
    static_cast<void>(list_.release());
    list_.reset(head);
  }
  curl_slist* get() const noexcept { return list_.get(); }

 private:
  std::unique_ptr<curl_slist, SlistDeleter> list_;
};

// The multi handle. reset() is explicit because curl_multi_cleanup may call the
// socket callback, so the owner calls it while its own members are still alive.
class MultiHandle {
 public:
  MultiHandle() : multi_(curl_multi_init()) {
    if (multi_ == nullptr) throw std::runtime_error("curl_multi_init failed");
  }
  ~MultiHandle() { reset(); }
  MultiHandle(const MultiHandle&) = delete;
  MultiHandle& operator=(const MultiHandle&) = delete;

  CURLM* get() const noexcept { return multi_; }
  void reset() noexcept {
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
    multi_ = nullptr;
  }

 private:
  CURLM* multi_;
};

// curl_global_init once per process, before the first handle (thread-safe in
// this libcurl, which has the "threadsafe" feature).
void ensure_curl_global_init();

}  // namespace fcd::fetch::detail
