"""What the end-to-end scripts share: the test PostgreSQL and a scratch database
on it, a loopback HTTP server for feed files, the config file, waiting, and
reporting a failure. Only 127.0.0.1 is ever served or connected to.
"""
import contextlib
import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

# Every test source is on 127.0.0.1: the per-host politeness limits would
# only slow the tests down.
LOOPBACK_FETCH = ["[fetch]", "requests_per_minute_per_host = 100000"]


def test_database_url():
    """The server URL scripts/test and CI export; the script exits without it."""
    url = os.environ.get("FEEDCLUSTERD_TEST_DATABASE_URL")
    if not url:
        sys.exit("FEEDCLUSTERD_TEST_DATABASE_URL is not set (scripts/test sets it)")
    return url


def psql(url, sql):
    """One statement through psql; its unaligned output, stripped. A statement
    still running after 30 s fails the test (subprocess.TimeoutExpired)."""
    return subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True,
                          timeout=30).stdout.strip()


@contextlib.contextmanager
def scratch_database(base_url, prefix):
    """A new database on the test server for one test, dropped afterwards
    (connections still open are ended). Yields its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    psql(base_url, f"CREATE DATABASE {name}")
    try:
        yield base_url.rsplit("/", 1)[0] + "/" + name
    finally:
        try:
            psql(base_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        except subprocess.CalledProcessError as e:
            print("could not drop the test database:", e.stderr)


def daemon_env(database_url, **extra):
    """The environment the daemon runs with: this one, the database and extra."""
    return dict(os.environ, FEEDCLUSTERD_DATABASE_URL=database_url, **extra)


def write_config(path, settings, source_urls, source_settings=()):
    """A config file: the settings lines (TOML), then one [[sources]] table per
    URL, each with source_settings."""
    lines = list(settings)
    for url in source_urls:
        lines += ["[[sources]]", f'url = "{url}"', *source_settings]
    path.write_text("\n".join(lines) + "\n")


def fail(message):
    print("FAIL:", message, flush=True)
    sys.exit(1)


def wait_for(what, predicate, timeout):
    """predicate's first true value, polled every 0.2 s; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    fail(f"timed out after {timeout}s waiting for {what}")


class NotifySocket:
    """A datagram socket at path that the daemon's NOTIFY_SOCKET points at;
    drain() collects what it sent so far into messages."""

    def __init__(self, path):
        self.path = str(path)
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.socket.bind(self.path)
        self.socket.settimeout(0.2)
        self.messages = []

    def drain(self):
        try:
            while True:
                self.messages.append(self.socket.recv(4096).decode())
        except (socket.timeout, BlockingIOError):
            pass
        return self.messages

    def statuses(self):
        """The STATUS= lines sent so far, oldest first."""
        return [line[len("STATUS="):] for message in self.drain() for line in message.splitlines()
                if line.startswith("STATUS=")]


def end_daemon(daemon, log, log_path):
    """Kills the daemon if it still runs, closes its log and prints the log's
    end when it did not exit 0."""
    if daemon.poll() is None:
        daemon.kill()
        daemon.wait()
    log.close()
    if daemon.returncode not in (0, None):
        sys.stdout.write(log_path.read_text()[-4000:])


def metric_samples(port):
    """/metrics of the daemon listening on 127.0.0.1:port as {"name{labels}": value}."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class FeedServer:
    """directory's files over HTTP on 127.0.0.1, until shutdown()."""

    def __init__(self, directory):
        handler = functools.partial(QuietHandler, directory=str(directory))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name):
        return f"http://127.0.0.1:{self.port}/{name}"

    def shutdown(self):
        self.server.shutdown()
