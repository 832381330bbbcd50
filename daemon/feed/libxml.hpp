#pragma once
// Private RAII wrappers and one-time set-up for libxml2. Only fcd_feed includes
// this; nothing of libxml2 leaks into the public headers.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <memory>

namespace fcd::feed::detail {

// Initialises libxml2 once per process (thread-safe) and installs an external
// entity loader that refuses everything, so no document can reach the file
// system or the network whatever options a caller passes.
void ensure_libxml_initialised();

struct ParserContextDeleter {
  void operator()(xmlParserCtxt* context) const {
    if (context->myDoc != nullptr) xmlFreeDoc(context->myDoc);
    context->myDoc = nullptr;
    xmlFreeParserCtxt(context);
  }
};
using ParserContextPtr = std::unique_ptr<xmlParserCtxt, ParserContextDeleter>;

struct DocDeleter {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocDeleter>;

// The options every document is parsed with: recover from
// ill-formed input, never touch the network, never substitute entities from or
// load external DTDs, keep libxml2's size limits (no XML_PARSE_HUGE), and ignore
// the document's encoding declaration because the bytes were already converted
// to UTF-8.
inline constexpr int kParseOptions =
    XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_IGNORE_ENC | XML_PARSE_COMPACT;

}  // namespace fcd::feed::detail
