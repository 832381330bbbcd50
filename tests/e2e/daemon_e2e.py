#!/usr/bin/env python3
"""End-to-end test of `feedclusterd run`: the daemon as a child process against
the test PostgreSQL and a loopback HTTP server with the demo feeds.

It must reach READY=1 (NOTIFY_SOCKET points at a socket of this test), poll,
store and cluster; /metrics and /healthz answer; SIGHUP with an added source
makes it poll that source; SIGTERM exits 0 within the shutdown timeout with no
lease left behind.

Usage: daemon_e2e.py FEEDCLUSTERD_BINARY FEEDS_DIR   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import pathlib
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from e2e_support import (LOOPBACK_FETCH, FeedServer, NotifySocket, daemon_env, end_daemon, fail, free_port, psql,
                         scratch_database, test_database_url, wait_for, write_config)

BINARY, FEEDS = sys.argv[1], pathlib.Path(sys.argv[2])
BASE_URL = test_database_url()


def main():
    with scratch_database(BASE_URL, "fcd_e2e") as db_url:
        run(db_url)


def run(db_url):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-e2e-"))
    feeds = sorted(FEEDS.glob("*.xml"))
    first, added = feeds[:-1], feeds[-1]
    server = FeedServer(FEEDS)
    http_port = free_port()
    config = work / "config.toml"
    settings = ["[log]", 'level = "info"', "[http]", f'listen = "127.0.0.1:{http_port}"',
                *LOOPBACK_FETCH, "max_per_host = 8", "[service]", 'shutdown_timeout = "5s"']

    def write_sources(paths):
        write_config(config, settings, [server.url(path.name) for path in paths])

    write_sources(first)
    notify = NotifySocket(work / "notify.sock")
    drain_notify = notify.drain
    env = daemon_env(db_url, NOTIFY_SOCKET=notify.path)
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
                 lambda: psql(db_url, "SELECT count(*) FROM article_search WHERE story_id IS NULL") == "0", 60)
        print(f"stored and clustered {stored} articles", flush=True)

        metrics = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
        for name in ("feedclusterd_polls_total", "feedclusterd_items_total", "feedclusterd_articles_clustered_total"):
            if name not in metrics:
                fail(f"/metrics lacks {name}")
        health = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=5)
        if health.status != 200:
            fail(f"/healthz answered {health.status}")
        print("metrics and health answer", flush=True)

        write_sources(feeds)
        daemon.send_signal(signal.SIGHUP)
        wait_for("the added source polled",
                 lambda: psql(db_url, f"SELECT count(*) FROM sources WHERE url = '{server.url(added.name)}'"
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
        end_daemon(daemon, log, work / "daemon.log")
        server.shutdown()


if __name__ == "__main__":
    main()
