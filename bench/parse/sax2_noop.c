/* The ceiling for any libxml2-based feed parser: a SAX2 parse of the whole file
 * with empty element and text handlers and the same safety options as the real
 * parser. Reads the file into memory first, like `feedclusterd parse`.
 * Usage: sax2_noop FILE (prints the element count). */
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>

static long elements;

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes) {
  (void)ctx, (void)localname, (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces;
  (void)nb_attributes, (void)nb_defaulted, (void)attributes;
  ++elements;
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
  (void)ctx, (void)localname, (void)prefix, (void)uri;
}

static void on_characters(void *ctx, const xmlChar *text, int length) { (void)ctx, (void)text, (void)length; }

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s FILE\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (file == NULL) {
    perror(argv[1]);
    return 1;
  }
  fseek(file, 0, SEEK_END);
  const long size = ftell(file);
  fseek(file, 0, SEEK_SET);
  char *bytes = malloc((size_t)size);
  if (bytes == NULL || fread(bytes, 1, (size_t)size, file) != (size_t)size) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(file);

  xmlSAXHandler handler = {0};
  handler.initialized = XML_SAX2_MAGIC;
  handler.startElementNs = on_start;
  handler.endElementNs = on_end;
  handler.characters = on_characters;
  handler.cdataBlock = on_characters;
  xmlInitParser();
  xmlParserCtxtPtr context = xmlCreatePushParserCtxt(&handler, NULL, bytes, 4, NULL);
  xmlCtxtUseOptions(context, XML_PARSE_RECOVER | XML_PARSE_NONET | XML_PARSE_COMPACT);
  const long chunk = 256 * 1024;
  for (long pos = 4; pos < size; pos += chunk)
    xmlParseChunk(context, bytes + pos, (int)(size - pos < chunk ? size - pos : chunk), 0);
  xmlParseChunk(context, NULL, 0, 1);
  xmlFreeParserCtxt(context);
  free(bytes);
  printf("%ld elements\n", elements);
  return 0;
}
