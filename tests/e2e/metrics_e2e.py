#!/usr/bin/env python3
"""/metrics and systemd STATUS of a running daemon tell what the database holds.

`feedclusterd run` with 3 configured sources on a loopback HTTP server, one of
them missing (404). Once all three were polled, the next per-minute summary
counts the sources in the database: its STATUS= line and /metrics must say
3 sources, 3 enabled, 1 failing (http_4xx), as `SELECT count(*) FROM sources`
does; the database is up, this instance runs the clusterer, the last reload
succeeded, and the process metrics are read from /proc. The JSON log line of
the failing source carries its fields (source, status, error, next_try).

Usage: metrics_e2e.py FEEDCLUSTERD_BINARY FEEDS_DIR   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import json
import pathlib
import re
import signal
import subprocess
import sys
import tempfile

from e2e_support import (LOOPBACK_FETCH, FeedServer, NotifySocket, daemon_env, end_daemon, fail, free_port,
                         metric_samples, psql, scratch_database, test_database_url, wait_for, write_config)

BINARY, FEEDS = sys.argv[1], pathlib.Path(sys.argv[2])


def run(db_url):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-metrics-"))
    server = FeedServer(FEEDS)
    feeds = sorted(FEEDS.glob("*.xml"))[:2]
    urls = [server.url(path.name) for path in feeds] + [server.url("missing.xml")]
    http_port = free_port()
    config = work / "config.toml"
    write_config(config, ["[log]", 'level = "info"', 'format = "json"', "[http]", f'listen = "127.0.0.1:{http_port}"',
                          *LOOPBACK_FETCH, "[service]", 'shutdown_timeout = "5s"'], urls)
    notify = NotifySocket(work / "notify.sock")
    log = open(work / "daemon.log", "w")
    daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=daemon_env(db_url, NOTIFY_SOCKET=notify.path),
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        statuses = wait_for("READY=1 with a STATUS line", notify.statuses, 60)
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
                          lambda: next((s for s in notify.statuses() if " 1 failing" in s), None), 90)
        expected = f"{stored} sources ({stored} enabled, 1 failing, "
        if not status.startswith(expected):
            fail(f"STATUS {status!r} does not start with {expected!r} (SQL counts {stored} sources)")
        print(f"STATUS: {status}", flush=True)

        metrics = metric_samples(http_port)
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
        wait_for("this instance runs the clusterer",
                 lambda: metric_samples(http_port).get("feedclusterd_clusterer_owner") == 1, 30)
        for name in ("process_resident_memory_bytes", "process_virtual_memory_bytes", "process_open_fds",
                     "process_max_fds", "process_start_time_seconds"):
            if not metrics.get(name, 0) > 0:
                fail(f"/metrics: {name} is {metrics.get(name)}, expected > 0")
        if "process_cpu_seconds_total" not in metrics:
            fail("/metrics lacks process_cpu_seconds_total")
        print("metrics match the database", flush=True)

        # JSON log lines carry the event's fields beside "msg".
        events = [json.loads(line[line.index("{"):]) for line in (work / "daemon.log").read_text().splitlines()
                  if "{" in line]
        summary = [e for e in events if e.get("msg", "").startswith("last minute:")]
        if not summary or not re.search(r"\d+ database errors", summary[-1]["msg"]) or not isinstance(
                summary[-1].get("database_errors"), int):
            fail(f"no per-minute summary counting database errors (also as a field): {summary}")
        failing = [e for e in events if e.get("source") == urls[2] and "failing" in e.get("msg", "")]
        if not failing or failing[0].get("status") != 404 or not failing[0].get("next_try") or not failing[0].get(
                "error"):
            fail(f"no JSON line for the failing source with source, status, error and next_try fields: {failing}")

        daemon.send_signal(signal.SIGTERM)
        if daemon.wait(timeout=30) != 0:
            fail(f"exit status {daemon.returncode} after SIGTERM")
    finally:
        server.shutdown()
        end_daemon(daemon, log, work / "daemon.log")
    print("PASS", flush=True)


if __name__ == "__main__":
    with scratch_database(test_database_url(), "fcd_metrics") as scratch:
        run(scratch)
