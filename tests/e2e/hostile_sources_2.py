#!/usr/bin/env python3
"""Hostile feeds and servers, round two (issue 18), against the daemon as
operators run it: `feedclusterd poll-once --all`, twice, over a loopback server
(127.0.0.1 only) that serves

  /entity-bomb.xml  a 200 KiB entity referenced 3,000 times (600 MB of text),
                    after a first ordinary item
  /deep.json        a JSON Feed nested 1,000,000 arrays deep
  /many.json        a JSON Feed holding 4,500,000 empty arrays (13.5 MB)
  /script.xml       javascript: in <link>, <enclosure> and a JSON-like data: image
  /script.json      javascript: as a JSON Feed item url
  /controls.xml     ESC/BEL in titles, ESC in the Content-Type, CR in the ETag
  /page.html        an HTML page linking a "feed" whose href holds a newline
  /healthy.xml      an ordinary feed

Asserts: each poll-once run ends in bounded time with exit 0 and bounded peak
RSS (the JSON documents alone once took 720 and 426 MiB); the healthy
feed and the first item of the entity bomb are stored; no stored URL is
anything but http(s), no stored text holds a control character; the second
request to /controls.xml carries no injected header; the text log holds no raw
control character and every line is one the daemon wrote (no forged line).

Usage: hostile_sources_2.py FEEDCLUSTERD_BINARY   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import http.server
import os
import pathlib
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from e2e_support import daemon_env, psql, scratch_database, test_database_url

BINARY = sys.argv[1]
BASE_URL = test_database_url()
POLL_TIMEOUT = 150  # seconds per poll-once run, under ASan on a loaded 2-core box
RSS_LIMIT_MB = int(os.environ.get("FCD_HOSTILE_RSS_LIMIT_MB", "500"))


def rss(title, items, link="http://example.test/"):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
            f"<link>{link}</link>{''.join(items)}</channel></rss>\n").encode()


def entity_bomb():
    head = ('<?xml version="1.0"?>\n<!DOCTYPE rss [<!ENTITY big "' + "A" * (200 << 10) + '">]>\n'
            '<rss version="2.0"><channel><title>bomb</title>'
            '<item><title>before the bomb</title><guid>bomb-1</guid><link>http://example.test/b1</link></item>'
            '<item><title>bomb</title><guid>bomb-2</guid><description>')
    return (head + "&big;" * 3000 + "</description></item></channel></rss>\n").encode()


DOCUMENTS = {
    "/entity-bomb.xml": (entity_bomb(), "application/rss+xml"),
    "/deep.json": (('{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"d1","title":"deep"}],"x":'
                    + "[" * 1_000_000 + "]" * 1_000_000 + "}").encode(), "application/feed+json"),
    "/many.json": (('{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"m1","title":"many"}],"x":['
                    + "[]," * 4_499_999 + "[]]}").encode(), "application/feed+json"),
    "/script.xml": (rss("script", [
        '<item><title>script link</title><guid>s1</guid><link>javascript:alert(document.cookie)</link>'
        '<enclosure url="javascript:alert(2)" type="audio/mpeg" length="1"/></item>',
        '<item><title>tab script</title><guid>s2</guid><link>java&#9;script:alert(3)</link></item>'],
        link="javascript:alert(1)"), "application/rss+xml"),
    "/script.json": (b'{"version":"https://jsonfeed.org/version/1.1","title":"json script","items":'
                     b'[{"id":"j1","title":"json script","url":"javascript:alert(1)","image":"data:text/html,x"}]}',
                     "application/feed+json"),
    "/healthy.xml": (rss("healthy", ['<item><title>healthy one</title><guid>h1</guid>'
                                     '<link>http://example.test/h1</link></item>']), "application/rss+xml"),
    "/page.html": (b'<html><head><title>page</title><link rel="alternate" type="application/rss+xml" '
                   b'href="/feed.xml\n2026-12-03T00:00:00.000Z info poll: forged line\x1b[2J"></head>'
                   b'<body>not a feed</body></html>', "text/html"),
}
CONTROLS = rss("T&#27;]0;owned&#7;", ['<item><title>&#27;]0;owned&#7;title&#x9B;</title><guid>c1</guid>'
                                      '<link>http://example.test/c1</link>'
                                      '<description>a&#27;[2Jb&#13;c</description></item>'])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append((self.path, dict(self.headers.items())))
        if self.path == "/controls.xml":
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml\x1b]0;owned\x07")
            self.send_header("ETag", '"v1"\rX-Injected: yes')
            self.send_header("Content-Length", str(len(CONTROLS)))
            self.end_headers()
            self.wfile.write(CONTROLS)
            return
        if self.path not in DOCUMENTS:
            self.send_error(404)
            return
        body, content_type = DOCUMENTS[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    with scratch_database(BASE_URL, "fcd_hostile2") as db_url:
        return run(db_url)


def run(db_url):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-hostile2-"))
    failures = []

    def check(ok, message):
        print(("ok   " if ok else "FAIL ") + message, flush=True)
        if not ok:
            failures.append(message)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    paths = list(DOCUMENTS) + ["/controls.xml"]
    env = daemon_env(db_url)
    config = work / "config.toml"
    lines = ["[log]", 'level = "debug"', 'format = "text"', "[http]", 'listen = ""',
             "[fetch]", "requests_per_minute_per_host = 100000", "max_per_host = 16", "[cluster]", "enabled = false"]
    # poll-once --all makes every source due whatever its interval; an hour
    # keeps a source polled early in a round from falling due again before
    # that round ends (a loaded box once took 16 s over the second round, and
    # a 10 s interval polled /controls.xml a third time).
    for path in paths:
        lines += ["[[sources]]", f'url = "{base}{path}"', 'interval = "1h"']
    config.write_text("\n".join(lines) + "\n")
    log_text = b""
    try:
        for round_ in (1, 2):
            started = time.monotonic()
            result = subprocess.run([BINARY, "--config", str(config), "poll-once", "--all"], env=env,
                                    capture_output=True, timeout=POLL_TIMEOUT)
            elapsed = time.monotonic() - started
            log_text += result.stderr
            check(result.returncode == 0, f"poll-once round {round_}: exit {result.returncode} after {elapsed:.1f}s")
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        check(peak_mb < RSS_LIMIT_MB, f"peak RSS of poll-once {peak_mb:.0f} MB < {RSS_LIMIT_MB} MB")

        def articles(path, column):
            return psql(db_url, f"SELECT coalesce(a.{column}, '') FROM articles a JOIN sources s ON s.id = a.source_id"
                                f" WHERE s.url = '{base}{path}' ORDER BY a.guid").splitlines()

        check(articles("/healthy.xml", "title") == ["healthy one"], "the healthy feed is stored")
        bomb = articles("/entity-bomb.xml", "title")
        check("before the bomb" in bomb, f"the entity bomb's first item is kept ({bomb})")
        bomb_error = psql(db_url, f"SELECT coalesce(last_error, '') FROM source_health WHERE url = '{base}/entity-bomb.xml'")
        print("     entity bomb:", bomb_error[:120], flush=True)
        longest = psql(db_url, "SELECT coalesce(max(length(summary)), 0) FROM articles")
        check(int(longest) < 8 << 20, f"no expanded bomb stored (longest summary {longest} chars)")
        for path in ("/deep.json", "/many.json"):
            error = psql(db_url, f"SELECT coalesce(last_error, '') FROM source_health WHERE url = '{base}{path}'")
            check(articles(path, "title") == [] and error != "", f"{path} refused: {error[:100]}")
        urls = psql(db_url, "SELECT coalesce(url, '') FROM articles").splitlines()
        bad_urls = [u for u in urls if u and not re.match(r"^https?://", u)]
        check(not bad_urls, f"every stored article URL is http(s) ({bad_urls[:3]})")
        # s2's "java<tab>script:" names no valid scheme: it resolved to a path on the feed's host.
        script_urls = articles("/script.xml", "url") + articles("/script.json", "url")
        check(not any(u.lower().replace("\t", "").startswith("javascript") for u in script_urls),
              f"javascript: links are not stored ({script_urls})")
        controls = psql(db_url, "SELECT count(*) FROM articles WHERE title || summary || content || coalesce(author, '')"
                                " || coalesce(content_html, '') ~ '[\\x01-\\x08\\x0b-\\x1f\\x7f\\u0080-\\u009f]'")
        check(controls == "0", f"no stored article text holds a control character ({controls})")
        titles = articles("/controls.xml", "title")
        check(len(titles) == 1 and titles[0].startswith("]0;ownedtitle"), f"control characters removed from titles ({titles})")
        errors = psql(db_url, "SELECT count(*) FROM source_health WHERE coalesce(last_error, '')"
                              " ~ '[\\x01-\\x08\\x0a-\\x1f\\x7f]'")
        check(errors == "0", f"no last_error holds a control character ({errors})")
        sent = [headers for path, headers in server.requests if path == "/controls.xml"]
        check(len(sent) == 2, f"/controls.xml requested twice ({len(sent)})")
        check(all("X-Injected" not in h and "\r" not in h.get("If-None-Match", "") for h in sent),
              "no header injected through the ETag")
        raw = [c for c in set(log_text) if (c < 0x20 and c not in (0x0A,)) or c == 0x7F]
        check(not raw, f"the text log holds no raw control character ({[hex(c) for c in raw]})")
        forged = [line for line in log_text.splitlines() if line.startswith(b"2026-12-03T00:00:00.000Z")]
        check(not forged, f"no forged log line ({forged[:1]})")
    finally:
        server.shutdown()
        (work / "daemon.log").write_bytes(log_text)
    if failures:
        print(f"FAIL: {len(failures)} check(s) failed; kept {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
