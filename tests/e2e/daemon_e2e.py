#!/usr/bin/env python3
"""End-to-end test of `feedclusterd run`: the daemon as a child process against
the test PostgreSQL and a loopback HTTP server with the demo feeds.

It must reach READY=1 (NOTIFY_SOCKET points at a socket of this test), poll,
store and cluster; /metrics and /healthz answer; SIGHUP with an added source
makes it poll that source; SIGTERM exits 0 within the shutdown timeout with no
lease left behind.

Usage: daemon_e2e.py FEEDCLUSTERD_BINARY FEEDS_DIR   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import functools
import http.server
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

BINARY, FEEDS = sys.argv[1], pathlib.Path(sys.argv[2])
BASE_URL = os.environ.get("FEEDCLUSTERD_TEST_DATABASE_URL")
if not BASE_URL:
    sys.exit("FEEDCLUSTERD_TEST_DATABASE_URL is not set (scripts/test sets it)")


def fail(message):
    print("FAIL:", message, flush=True)
    sys.exit(1)


def psql(url, sql):
    out = subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def wait_for(what, predicate, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    fail(f"timed out after {timeout}s waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-e2e-"))
    feeds = sorted(FEEDS.glob("*.xml"))
    first, added = feeds[:-1], feeds[-1]
    server = serve(FEEDS)
    feed_url = lambda path: f"http://127.0.0.1:{server.server_address[1]}/{path.name}"

    database = "fcd_e2e_" + uuid.uuid4().hex[:10]
    psql(BASE_URL, f"CREATE DATABASE {database}")
    db_url = BASE_URL.rsplit("/", 1)[0] + "/" + database
    http_port = free_port()
    config = work / "config.toml"

    def write_config(sources):
        lines = ["[log]", 'level = "info"', "[http]", f'listen = "127.0.0.1:{http_port}"',
                 "[fetch]", "requests_per_minute_per_host = 100000", "max_per_host = 8",
                 "[service]", 'shutdown_timeout = "5s"']
        for path in sources:
            lines += ["[[sources]]", f'url = "{feed_url(path)}"']
        config.write_text("\n".join(lines) + "\n")

    write_config(first)
    notify_path = str(work / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(0.2)
    messages = []

    def drain_notify():
        try:
            while True:
                messages.append(notify.recv(4096).decode())
        except (socket.timeout, BlockingIOError):
            pass
        return messages

    env = dict(os.environ, FEEDCLUSTERD_DATABASE_URL=db_url, NOTIFY_SOCKET=notify_path)
    log = open(work / "daemon.log", "w")
    daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for("READY=1", lambda: any("READY=1" in m for m in drain_notify()), 60)
        print("ready", flush=True)

        expected = len(first)
        wait_for("every source polled",
                 lambda: psql(db_url, "SELECT count(*) FROM sources WHERE last_polled_at IS NOT NULL") == str(expected), 60)
        stored = int(psql(db_url, "SELECT count(*) FROM articles"))
        if stored == 0:
            fail("no articles stored")
        wait_for("articles clustered",
                 lambda: psql(db_url, "SELECT count(*) FROM articles WHERE story_id IS NULL") == "0", 60)
        print(f"stored and clustered {stored} articles", flush=True)

        metrics = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
        for name in ("feedclusterd_polls_total", "feedclusterd_items_total", "feedclusterd_articles_clustered_total"):
            if name not in metrics:
                fail(f"/metrics lacks {name}")
        health = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=5)
        if health.status != 200:
            fail(f"/healthz answered {health.status}")
        print("metrics and health answer", flush=True)

        write_config(feeds)
        daemon.send_signal(signal.SIGHUP)
        wait_for("the added source polled",
                 lambda: psql(db_url, f"SELECT count(*) FROM sources WHERE url = '{feed_url(added)}'"
                                      " AND last_polled_at IS NOT NULL") == "1", 60)
        wait_for("RELOADING=1", lambda: any("RELOADING=1" in m for m in drain_notify()), 10)
        print("reload polled the added source", flush=True)

        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=30)
        if code != 0:
            fail(f"exit status {code} after SIGTERM")
        print(f"SIGTERM: exit 0 after {time.monotonic() - started:.1f}s", flush=True)
        if not any("STOPPING=1" in m for m in drain_notify()):
            fail("no STOPPING=1")
        if psql(db_url, "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL") != "0":
            fail("leases left behind")
        duplicates = psql(db_url, "SELECT count(*) FROM (SELECT source_id, guid FROM articles GROUP BY 1, 2 HAVING count(*) > 1) d")
        if duplicates != "0":
            fail(f"{duplicates} items stored twice")
        print("PASS", flush=True)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()
        if daemon.returncode not in (0, None):
            sys.stdout.write((work / "daemon.log").read_text()[-4000:])
        server.shutdown()
        psql(BASE_URL, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    main()
