#include "feed/libxml.hpp"

#include <libxml/parserInternals.h>

#include <mutex>

namespace fcd::feed::detail {

namespace {

xmlParserInputPtr refuse_external_entity(const char*, const char*, xmlParserCtxtPtr) { return nullptr; }

}  // namespace

void ensure_libxml_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    xmlInitParser();
    xmlSetExternalEntityLoader(refuse_external_entity);
  });
}

}  // namespace fcd::feed::detail
