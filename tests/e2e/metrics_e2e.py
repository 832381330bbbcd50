#!/usr/bin/env python3
"""/metrics and systemd STATUS of a running daemon tell what the database holds.

`feedclusterd run` with 3 configured sources on a loopback HTTP server, one of
them missing (404). Once all three were polled, the next per-minute summary
counts the sources in the database: its STATUS= line and /metrics must say
3 sources, 3 enabled, 1 failing (http_4xx), as `SELECT count(*) FROM sources`
does; the database is up, this instance runs the clusterer, the last reload
succeeded, and the process metrics are read from /proc.

Usage: metrics_e2e.py FEEDCLUSTERD_BINARY FEEDS_DIR   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import pathlib
import re
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

from e2e_support import (LOOPBACK_FETCH, FeedServer, daemon_env, fail, free_port, psql, scratch_database,
                         test_database_url, wait_for, write_config)

BINARY, FEEDS = sys.argv[1], pathlib.Path(sys.argv[2])
BASE_URL = test_database_url()


def main():
    with scratch_database(BASE_URL, "fcd_metrics") as db_url:
        run(db_url)


def samples(text):
    """name{labels} -> value of every sample line."""
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


def run(db_url):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-metrics-"))
    server = FeedServer(FEEDS)
    feeds = sorted(FEEDS.glob("*.xml"))[:2]
    urls = [server.url(path.name) for path in feeds] + [server.url("missing.xml")]
    http_port = free_port()
    config = work / "config.toml"
    write_config(config, ["[log]", 'level = "info"', "[http]", f'listen = "127.0.0.1:{http_port}"', *LOOPBACK_FETCH,
                          "[service]", 'shutdown_timeout = "5s"'], urls)
    notify_path = str(work / "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(0.2)
    statuses = []

    def drain_notify():
        try:
            while True:
                for assignment in notify.recv(4096).decode().splitlines():
                    if assignment.startswith("STATUS="):
                        statuses.append(assignment[len("STATUS="):])
        except (socket.timeout, BlockingIOError):
            pass
        return statuses

    log = open(work / "daemon.log", "w")
    daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=daemon_env(db_url, NOTIFY_SOCKET=notify_path),
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for("READY=1 with a STATUS line", drain_notify, 60)
        if not statuses[0].startswith("3 sources (3 enabled, 0 failing, 3 due)"):
            fail(f"READY's STATUS is not what the database holds at start: {statuses[0]!r}")
        wait_for("all three sources polled",
                 lambda: psql(db_url, "SELECT count(*) FROM sources WHERE last_polled_at IS NOT NULL") == "3", 60)
        if psql(db_url, "SELECT count(*) FROM sources WHERE error_count > 0 AND last_status = 404") != "1":
            fail("the missing feed is not stored as failing with 404")
        print("polled: 2 feeds and 1 missing", flush=True)

        # The summary after the polls counts the database: a condition, not a sleep.
        stored = psql(db_url, "SELECT count(*) FROM sources")
        status = wait_for("a STATUS line counting the failing source",
                          lambda: next((s for s in drain_notify() if " 1 failing" in s), None), 90)
        expected = f"{stored} sources ({stored} enabled, 1 failing, "
        if not status.startswith(expected):
            fail(f"STATUS {status!r} does not start with {expected!r} (SQL counts {stored} sources)")
        print(f"STATUS: {status}", flush=True)

        metrics = samples(urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode())
        expect = {"feedclusterd_sources": float(stored), "feedclusterd_sources_enabled": 3,
                  'feedclusterd_sources_failing{reason="http_4xx"}': 1, "feedclusterd_database_up": 1,
                  "feedclusterd_config_last_reload_successful": 1}
        for name, value in expect.items():
            if metrics.get(name) != value:
                fail(f"/metrics: {name} is {metrics.get(name)}, expected {value}")
        failing = sum(v for k, v in metrics.items() if k.startswith("feedclusterd_sources_failing{"))
        if failing != 1:
            fail(f"/metrics: failing sources sum to {failing}, expected 1")
        if stored != "3":
            fail(f"SQL counts {stored} sources, expected 3")
        wait_for("this instance runs the clusterer", lambda: samples(
            urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()).get(
                "feedclusterd_clusterer_owner") == 1, 30)
        for name in ("process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
                     "process_max_fds", "process_start_time_seconds"):
            if not metrics.get(name, 0) > 0:
                fail(f"/metrics: {name} is {metrics.get(name)}, expected > 0")
        if "process_cpu_seconds_total" not in metrics:
            fail("/metrics lacks process_cpu_seconds_total")
        summary = [line for line in (work / "daemon.log").read_text().splitlines() if "last minute:" in line]
        if not summary or not re.search(r"\d+ database errors", summary[-1]):
            fail(f"no per-minute summary counting database errors: {summary}")
        print("metrics match the database", flush=True)

        daemon.send_signal(signal.SIGTERM)
        if daemon.wait(timeout=30) != 0:
            fail(f"exit status {daemon.returncode} after SIGTERM")
        print("PASS", flush=True)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()
        if daemon.returncode not in (0, None):
            sys.stdout.write((work / "daemon.log").read_text()[-4000:])
        server.shutdown()


if __name__ == "__main__":
    main()
