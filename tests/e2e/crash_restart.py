#!/usr/bin/env python3
"""Crash survival: `feedclusterd run` is SIGKILLed at random moments while it
polls and ingests a known set of feeds, restarted each time, and finally made
to poll everything once more, right after the last kill. In the end every item
must be stored exactly once. Prints the counts: items expected, stored,
duplicated, lost.

Leases last 10 minutes, far longer than the test: that the final pass polls
every source at once proves a dead instance's leases are free because its
database session is gone, not because they expired.

Usage: crash_restart.py FEEDCLUSTERD_BINARY [KILLS]   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import time

from e2e_support import LOOPBACK_FETCH, FeedServer, daemon_env, psql, scratch_database, test_database_url, write_config

BINARY = sys.argv[1]
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
BASE_URL = test_database_url()
FEEDS, ITEMS = 40, 150


def write_feeds(directory, rng):
    words = "summit market storm election court vaccine merger strike rocket harvest".split()
    for f in range(FEEDS):
        items = []
        for i in range(ITEMS):
            topic = rng.choice(words)
            items.append(f"<item><guid>feed{f}-item{i}</guid><title>{topic.title()} report {f}-{i}</title>"
                         f"<link>https://news{f}.example/{i}</link>"
                         f"<description>{' '.join(rng.choice(words) for _ in range(40))}</description>"
                         f"<pubDate>Mon, 10 Mar 2025 {i % 24:02d}:{i % 60:02d}:00 GMT</pubDate></item>")
        (directory / f"feed{f}.xml").write_text(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {f}</title>{"".join(items)}</channel></rss>')


def main():
    with scratch_database(BASE_URL, "fcd_crash") as db_url:
        return run(db_url)


def run(db_url):
    rng = random.Random(20261122)
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-crash-"))
    feeds = work / "feeds"
    feeds.mkdir()
    write_feeds(feeds, rng)
    server = FeedServer(feeds)
    config = work / "config.toml"
    write_config(config, ["[http]", 'listen = ""', *LOOPBACK_FETCH, "max_per_host = 8",
                          "[polling]", 'lease_duration = "10m"'],
                 [server.url(f"feed{f}.xml") for f in range(FEEDS)])
    env = daemon_env(db_url)
    log = open(work / "daemon.log", "w")
    try:
        # Migrated first: a kill before the daemon's own migration had created
        # the tables left nothing to count, and the count failed the test.
        subprocess.run([BINARY, "--config", str(config), "migrate"], env=env, stdout=log, stderr=log, check=True,
                       timeout=120)
        for kill in range(KILLS):
            daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=env, stdout=log, stderr=log)
            # The random delay starts once it holds leases: a loaded machine
            # (sanitizer build, parallel tests) can take seconds to start.
            started = time.monotonic()
            while time.monotonic() < started + 60 and daemon.poll() is None and \
                    psql(db_url, "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL") == "0":
                time.sleep(0.05)
            time.sleep(rng.uniform(0.3, 2.5))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            stored_now = psql(db_url, "SELECT count(*) FROM articles")
            print(f"kill {kill + 1}: SIGKILL with {stored_now} articles stored", flush=True)
        # The killed runs' leases are ten minutes from expiring; their
        # sessions are gone, so the final pass polls every source now.
        held = int(psql(db_url, "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL"
                                " AND lease_expires_at > now() AND lease_session_alive(lease_session)"))
        leftover = int(psql(db_url, "SELECT count(*) FROM sources WHERE lease_owner IS NOT NULL"))
        print(f"after the last kill: {leftover} leases left behind, {held} of them held by a live session", flush=True)
        started = time.monotonic()
        final = subprocess.run([BINARY, "--config", str(config), "poll-once", "--all"], env=env,
                               stdout=subprocess.PIPE, stderr=log, text=True, timeout=240)
        took = time.monotonic() - started
        polled = [line for line in final.stdout.splitlines() if line.startswith("http://") and ": - skipped" not in line]
        skipped = [line for line in final.stdout.splitlines() if ": - skipped" in line]
        print(f"final poll-once: {len(polled)} of {FEEDS} sources polled, {len(skipped)} skipped, in {took:.1f} s",
              flush=True)
        if final.returncode != 0:
            print(f"FAIL: final poll-once exited {final.returncode}")
            return 1
        if held or skipped or len(polled) != FEEDS:
            print("FAIL: the dead instances' leases still held sources")
            return 1
        expected = FEEDS * ITEMS
        stored = int(psql(db_url, "SELECT count(*) FROM articles"))
        distinct = int(psql(db_url, "SELECT count(DISTINCT (source_id, guid)) FROM articles"))
        present = int(psql(db_url, "SELECT count(*) FROM articles WHERE guid ~ '^feed[0-9]+-item[0-9]+$'"))
        duplicated, lost = stored - distinct, expected - present
        print(f"items expected {expected}, stored {stored}, duplicated {duplicated}, lost {lost}", flush=True)
        if duplicated or lost or stored != expected:
            print("FAIL")
            return 1
        print("PASS")
        return 0
    finally:
        log.close()
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
