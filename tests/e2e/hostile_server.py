#!/usr/bin/env python3
"""A loopback feed server that misbehaves on purpose, one fault per path.

Python standard library only; it listens on 127.0.0.1 only (port 0: a free
port), and optionally a second, TLS listener with a self-signed certificate
made at start-up with the openssl command (so verification must fail).

Paths (see HOSTILE below):
  /healthy/<n>.xml     a well-formed RSS feed that gains one item every
                       `change_every` seconds (guids healthy<n>-<i>)
  /slow-drip.xml       headers, then one byte every half second
  /stall.xml           headers, then nothing
  /reset.xml           a quarter of the announced body, then a TCP reset
  /endless.xml         a valid feed start, then items forever, as fast as the client reads
  /length-lie.xml      Content-Length: 10 GB, a short feed, then close
  /gzip-bomb.xml       Content-Encoding: gzip, 1 MB that inflates to 1 GiB
  /redirect-loop.xml   302 -> /redirect-loop-2.xml -> 302 -> /redirect-loop.xml
  /redirect-file.xml   302 -> file:///etc/passwd
  /redirect-gopher.xml 302 -> gopher://127.0.0.1:<port>/1feed
  /redirect-private.xml 302 -> http://10.0.0.1/feed.xml
  /html.xml            an HTML page served as text/html
  /billion-laughs.xml  the classic nested-entity XML bomb
  /xxe.xml             external entities: file:///etc/passwd and a probe URL on this server
  /invalid-utf8.xml    RSS declared UTF-8 with invalid byte sequences in its text
  /huge.xml            an RSS feed of 100,000 items
  /xxe-probe, /xxe-dtd must never be requested (hits are counted like any path)

Every request is recorded (path, time, bytes sent) so a test can check who
was polled when and how much a refused body cost the server.

Run alone for manual poking: hostile_server.py [--tls]   (prints the URLs, ^C stops)
"""
import http.server
import pathlib
import re
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

HOSTILE = [
    "slow-drip", "stall", "reset", "endless", "length-lie", "gzip-bomb", "redirect-loop", "redirect-file",
    "redirect-gopher", "html", "billion-laughs", "xxe", "invalid-utf8", "huge",
]
HUGE_ITEMS = 100_000
GZIP_BOMB_INFLATED = 1 << 30


def rss(title, items):
    body = "".join(items)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.test/</link>{body}</channel></rss>\n").encode()


def rss_item(guid, title, when=None):
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when or time.time()))
    return (f"<item><guid>{guid}</guid><title>{title}</title><link>http://example.test/{guid}</link>"
            f"<description>{title} with some words about it</description><pubDate>{date}</pubDate></item>")


def gzip_bomb():
    """About 1 MB of gzip that inflates to 1 GiB of spaces after an RSS start.

    Built without inflating it here: after a full flush deflate forgets its
    history, so one compressed 1 MiB block can be repeated verbatim."""
    head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>bomb</title>'
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)  # raw deflate; gzip framing by hand
    first = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH) == block
    last = compressor.flush()
    repeats = GZIP_BOMB_INFLATED >> 20
    crc = zlib.crc32(head)
    for _ in range(repeats + 1):  # the check above compressed one block more
        crc = zlib.crc32(chunk, crc)
    size = len(head) + (repeats + 1) * len(chunk)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + first + block * (repeats + 1) + last + struct.pack("<II", crc, size & 0xFFFFFFFF)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title>
<item><guid>laughs-1</guid><title>&lol9;</title><link>http://example.test/laughs</link><description>&lol9;</description></item>
</channel></rss>
"""


def xxe_document(port):
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY passwd SYSTEM "file:///etc/passwd">
 <!ENTITY probe SYSTEM "http://127.0.0.1:{port}/xxe-probe">
 <!ENTITY % dtd SYSTEM "http://127.0.0.1:{port}/xxe-dtd">
 %dtd;
]>
<rss version="2.0"><channel><title>xxe</title>
<item><guid>xxe-1</guid><title>leak &passwd;</title><link>http://example.test/xxe</link>
<description>probe &probe;</description></item>
</channel></rss>
""".encode()


INVALID_UTF8 = (b'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>bad \xff\xfe bytes</title>'
                b"<item><guid>utf8-1</guid><title>caf\xc3\x28 \xe2\x82 \xf0\x28\x8c\xbc end</title>"
                b"<link>http://example.test/utf8</link><description>over\xc0\xaflong \xed\xa0\x80 surrogate"
                b"</description></item></channel></rss>\n")

HTML_PAGE = (b"<!DOCTYPE html><html><head><title>Not a feed</title></head><body><h1>Welcome</h1>"
             b"<p>This is a web page, not a feed.</p><script>alert(1)</script></body></html>\n")


def make_self_signed(directory):
    """A key and a self-signed certificate for 127.0.0.1, by the openssl command."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return key, cert


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "hostile/1"

    def log_message(self, *args):
        pass

    # --- helpers ---
    def send_body(self, body, content_type="application/rss+xml", extra=()):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
        self.sent += len(body)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def headers_only(self, length=None, content_type="application/rss+xml"):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True

    def hold(self, seconds):
        """Sleeps up to seconds, returning early when the server stops."""
        return not self.server.owner.stopping.wait(seconds)

    # --- dispatch ---
    def do_GET(self):
        self.sent = 0
        path = self.path.split("?", 1)[0]
        started = time.monotonic()
        try:
            self.route(path)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            self.server.owner.record(path, started, time.monotonic(), self.sent)

    def route(self, path):
        owner = self.server.owner
        match = re.fullmatch(r"/healthy/(\d+)\.xml", path)
        if match:
            self.send_body(owner.healthy_feed(int(match.group(1))))
        elif path == "/slow-drip.xml":
            self.headers_only(5000)
            body = rss("drip", [rss_item("drip-1", "Drip")])
            for i in range(len(body)):
                if not self.hold(0.5):
                    return
                self.wfile.write(body[i:i + 1])
                self.wfile.flush()
                self.sent += 1
        elif path == "/stall.xml":
            self.headers_only(5000)
            self.hold(600)
        elif path == "/reset.xml":
            body = rss("reset", [rss_item(f"reset-{i}", f"Reset {i}") for i in range(400)])
            self.headers_only(len(body))
            self.wfile.write(body[:len(body) // 4])
            self.wfile.flush()
            self.sent += len(body) // 4
            # SO_LINGER with a zero timeout: close() sends RST, not FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        elif path == "/endless.xml":
            self.headers_only(None)  # no length: the body ends when the connection does
            self.wfile.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>endless</title>')
            block = "".join(rss_item(f"endless-{i}", f"Endless {i}") for i in range(200)).encode()
            while not owner.stopping.is_set():
                self.wfile.write(block)
                self.sent += len(block)
        elif path == "/length-lie.xml":
            self.headers_only(10 * 1000**3)
            body = rss("liar", [rss_item("lie-1", "Lie")])
            self.wfile.write(body)
            self.sent += len(body)
        elif path == "/gzip-bomb.xml":
            self.send_body(owner.bomb, extra=[("Content-Encoding", "gzip")])
        elif path == "/redirect-loop.xml":
            self.redirect("/redirect-loop-2.xml")
        elif path == "/redirect-loop-2.xml":
            self.redirect(f"http://127.0.0.1:{owner.port}/redirect-loop.xml")
        elif path == "/redirect-file.xml":
            self.redirect("file:///etc/passwd")
        elif path == "/redirect-gopher.xml":
            self.redirect(f"gopher://127.0.0.1:{owner.port}/1feed")
        elif path == "/redirect-private.xml":
            self.redirect("http://10.0.0.1/feed.xml")
        elif path == "/html.xml":
            self.send_body(HTML_PAGE, "text/html; charset=utf-8")
        elif path == "/billion-laughs.xml":
            self.send_body(BILLION_LAUGHS)
        elif path == "/xxe.xml":
            self.send_body(xxe_document(owner.port))
        elif path == "/invalid-utf8.xml":
            self.send_body(INVALID_UTF8)
        elif path == "/huge.xml":
            self.send_body(owner.huge)
        elif path == "/tls.xml":
            self.send_body(rss("tls", [rss_item("tls-1", "Over TLS")]))
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def handle_error(self, request, client_address):
        pass  # a client that hangs up is the normal case here


class HostileServer:
    """Both listeners and the request log. start() before use, stop() always."""

    def __init__(self, tls=False, change_every=5.0, workdir=None, grow_for=None, hostile=True):
        """change_every: seconds between new items of the healthy feeds, which
        stop growing grow_for seconds after start (None: never). hostile=False
        skips building the bomb and the huge feed (healthy feeds only)."""
        self.change_every = change_every
        self.grow_for = grow_for
        self.started_at = time.time()
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.requests = {}  # path -> [(start, end, bytes_sent)]
        self.bomb = gzip_bomb() if hostile else b""
        # About 6 MB: well under fetch.max_body_bytes, so the parser's item cap is what is tested.
        self.huge = rss("huge", [f"<item><guid>huge-{i}</guid><title>Item {i}</title></item>" for i in range(HUGE_ITEMS)]) if hostile else b""
        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.tls_httpd = None
        if tls:
            directory = pathlib.Path(workdir or tempfile.mkdtemp(prefix="fcd-tls-"))
            key, cert = make_self_signed(directory)
            self.tls_httpd = Server(("127.0.0.1", 0), Handler)
            self.tls_httpd.owner = self
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(cert), str(key))
            self.tls_httpd.socket = context.wrap_socket(self.tls_httpd.socket, server_side=True)
            self.tls_port = self.tls_httpd.server_address[1]
            self.tls_handshake_failures = 0
        self.threads = []

    def start(self):
        for httpd in filter(None, (self.httpd, self.tls_httpd)):
            thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def stop(self):
        self.stopping.set()
        for httpd in filter(None, (self.httpd, self.tls_httpd)):
            httpd.shutdown()
            httpd.server_close()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def tls_url(self, path):
        return f"https://127.0.0.1:{self.tls_port}{path}"

    def record(self, path, start, end, sent):
        with self.lock:
            self.requests.setdefault(path, []).append((start, end, sent))

    def hits(self, path):
        with self.lock:
            return list(self.requests.get(path, []))

    def healthy_items(self, n, at=None):
        """How many items /healthy/<n>.xml has at time at (now by default)."""
        elapsed = (at or time.time()) - self.started_at
        if self.grow_for is not None:
            elapsed = min(elapsed, self.grow_for)
        return 3 + int(elapsed // self.change_every)

    def healthy_feed(self, n):
        count = self.healthy_items(n)
        items = [rss_item(f"healthy{n}-{i}", f"Healthy {n} story {i}", self.started_at + i * self.change_every)
                 for i in range(count)]
        return rss(f"Healthy {n}", items)


def main():
    server = HostileServer(tls="--tls" in sys.argv).start()
    for name in HOSTILE:
        print(server.url(f"/{name}.xml"))
    print(server.url("/redirect-private.xml"))
    print(server.url("/healthy/0.xml"))
    if server.tls_httpd:
        print(server.tls_url("/tls.xml"))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
