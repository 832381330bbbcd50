#!/usr/bin/env python3
"""The module boundaries of docs/architecture.md, checked on every #include.

Every library target gets all of daemon/ on its include path, so nothing in
the build stops one module from including another's private header or a pure
core from including an I/O module. This does:

- a pure module (core, url, feed, text, cluster) includes no I/O module
  (fetch, store, service, cli, asio, log) and no header of an I/O library
  (Asio, libcurl, libpq, libpqxx, sockets);
- fetch and store never include each other, nor feed or cluster
  (service/mapping translates between their values);
- a module's private header is included only by that module, its tests
  (tests/<module>/) and its fuzzers (tests/fuzz/fuzz_<module>*).

Usage: check_includes.py ROOT     checks ROOT/daemon, ROOT/tests and ROOT/bench
       check_includes.py --self-test
Exits 1 and prints one line per violation (file:line: what and why).
"""
import os
import re
import sys
import tempfile

PURE = {"core", "url", "feed", "text", "cluster"}
IO_MODULES = {"fetch", "store", "service", "cli", "asio", "log"}
IO_LIBRARY_PREFIXES = ("asio", "boost/asio", "curl/", "libpq", "pqxx/", "sys/socket.h", "netinet/", "arpa/inet.h")
# Modules that must not include each other or the parsing and clustering cores.
APART = {"fetch": {"store", "feed", "cluster"}, "store": {"fetch", "feed", "cluster"}}
PRIVATE_HEADERS = {
    "feed/encoding.hpp",
    "feed/field_policy.hpp",
    "feed/internal.hpp",
    "feed/libxml.hpp",
    "feed/parse_budget.hpp",
    "feed/text_util.hpp",
    "fetch/curl_handles.hpp",
    "store/store_impl.hpp",
}
SOURCE_SUFFIXES = (".cpp", ".hpp", ".h", ".c", ".inc")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def module_of(path):
    """('daemon', 'feed') for daemon/feed/x.cpp; ('tests', 'feed') for tests/feed/x.cpp."""
    parts = path.split("/")
    if len(parts) >= 3 and parts[0] in ("daemon", "tests", "bench"):
        return parts[0], parts[1]
    return (parts[0], "") if parts else ("", "")


def may_include_private(path, owner):
    tree, module = module_of(path)
    if module == owner and tree in ("daemon", "tests"):
        return True
    return tree == "tests" and module == "fuzz" and os.path.basename(path).startswith(f"fuzz_{owner}")


def violations_in(path, lines):
    tree, module = module_of(path)
    found = []
    for number, line in enumerate(lines, 1):
        match = INCLUDE.match(line)
        if not match:
            continue
        bracket, header = match.groups()
        where = f"{path}:{number}"
        target = header.split("/")[0] if "/" in header else ""
        if tree == "daemon" and module in PURE:
            if bracket == '"' and target in IO_MODULES:
                found.append(f"{where}: pure module {module} includes I/O module {target} ({header})")
            if bracket == "<" and header.startswith(IO_LIBRARY_PREFIXES):
                found.append(f"{where}: pure module {module} includes I/O library header <{header}>")
        if tree == "daemon" and bracket == '"' and target in APART.get(module, ()):
            found.append(f"{where}: {module} includes {target} ({header}); service/mapping translates between them")
        if bracket == '"' and header in PRIVATE_HEADERS and not may_include_private(path, target):
            found.append(f"{where}: {header} is private to {target}")
    return found


def check(root):
    missing = [h for h in sorted(PRIVATE_HEADERS) if not os.path.isfile(os.path.join(root, "daemon", h))]
    found = [f"daemon/{h}: listed as private but not there (update {os.path.basename(__file__)})" for h in missing]
    for tree in ("daemon", "tests", "bench"):
        for directory, subdirs, files in os.walk(os.path.join(root, tree)):
            subdirs[:] = sorted(d for d in subdirs if d != "data")
            for name in sorted(files):
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                full = os.path.join(directory, name)
                relative = os.path.relpath(full, root).replace(os.sep, "/")
                with open(full, encoding="utf-8", errors="replace") as f:
                    found += violations_in(relative, f.readlines())
    return found


def self_test():
    """Each rule fails on a tree that breaks it, and a clean tree passes."""
    cases = {
        "daemon/feed/bad.cpp": ('#include "fetch/fetcher.hpp"\n', "I/O module fetch"),
        "daemon/cluster/bad.cpp": ("#include <curl/curl.h>\n", "I/O library header"),
        "daemon/url/bad.cpp": ('#include "log/log.hpp"\n', "I/O module log"),
        "daemon/store/bad.cpp": ('#include "feed/feed.hpp"\n', "store includes feed"),
        "daemon/service/bad.cpp": ('#include "feed/libxml.hpp"\n', "private to feed"),
        "tests/store/bad.cpp": ('#include "fetch/curl_handles.hpp"\n', "private to fetch"),
        "bench/ingest/bad.cpp": ('#include "store/store_impl.hpp"\n', "private to store"),
    }
    clean = {
        "daemon/feed/parser.cpp": '#include "feed/internal.hpp"\n#include "url/url.hpp"\n#include <string>\n',
        "daemon/service/daemon.cpp": '#include "fetch/fetcher.hpp"\n#include "store/store.hpp"\n#include <asio.hpp>\n',
        "tests/feed/t.cpp": '#include "feed/text_util.hpp"\n',
        "tests/fuzz/fuzz_feed_parser.cpp": '#include "feed/text_util.hpp"\n',
        "daemon/fetch/fetcher.cpp": '#include "fetch/curl_handles.hpp"\n#include <curl/curl.h>\n',
    }
    with tempfile.TemporaryDirectory() as root:
        def write(path, text):
            os.makedirs(os.path.dirname(os.path.join(root, path)), exist_ok=True)
            with open(os.path.join(root, path), "w") as f:
                f.write(text)

        for header in PRIVATE_HEADERS:
            write("daemon/" + header, "#pragma once\n")
        for path, text in clean.items():
            write(path, text)
        if check(root):
            print("self-test: a clean tree was reported:\n" + "\n".join(check(root)))
            return 1
        for path, (text, expected) in cases.items():
            write(path, text)
            found = check(root)
            if len(found) != 1 or not found[0].startswith(path + ":1:") or expected not in found[0]:
                print(f"self-test: {path} ({text.strip()}) should be the one violation, naming '{expected}'; got {found}")
                return 1
            os.remove(os.path.join(root, path))
        os.remove(os.path.join(root, "daemon/feed/libxml.hpp"))
        if not any("feed/libxml.hpp: listed as private but not there" in v for v in check(root)):
            print("self-test: a listed private header that is gone was not reported")
            return 1
    print(f"self-test: {len(cases)} violations caught, the clean tree passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 2:
        print("usage: check_includes.py ROOT | --self-test", file=sys.stderr)
        return 2
    found = check(argv[1])
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} include(s) cross a module boundary (rules: tests/boundaries/check_includes.py)")
        return 1
    print("include boundaries: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
