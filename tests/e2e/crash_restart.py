#!/usr/bin/env python3
"""Crash survival: `feedclusterd run` is SIGKILLed at random moments while it
polls and ingests a known set of feeds, restarted each time, and finally made
to poll everything once more. In the end every item must be stored exactly
once. Prints the counts: items expected, stored, duplicated, lost.

Usage: crash_restart.py FEEDCLUSTERD_BINARY [KILLS]   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import functools
import http.server
import os
import pathlib
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

BINARY = sys.argv[1]
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 6
BASE_URL = os.environ.get("FEEDCLUSTERD_TEST_DATABASE_URL")
if not BASE_URL:
    sys.exit("FEEDCLUSTERD_TEST_DATABASE_URL is not set (scripts/test sets it)")
FEEDS, ITEMS = 40, 150


def psql(url, sql):
    return subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True).stdout.strip()


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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    rng = random.Random(20261122)
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-crash-"))
    feeds = work / "feeds"
    feeds.mkdir()
    write_feeds(feeds, rng)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(feeds)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    database = "fcd_crash_" + uuid.uuid4().hex[:10]
    psql(BASE_URL, f"CREATE DATABASE {database}")
    db_url = BASE_URL.rsplit("/", 1)[0] + "/" + database
    config = work / "config.toml"
    lines = ["[http]", 'listen = ""', "[fetch]", "requests_per_minute_per_host = 100000", "max_per_host = 8",
             "[polling]", 'lease_duration = "30s"']
    for f in range(FEEDS):
        lines += ["[[sources]]", f'url = "http://127.0.0.1:{server.server_address[1]}/feed{f}.xml"']
    config.write_text("\n".join(lines) + "\n")
    env = dict(os.environ, FEEDCLUSTERD_DATABASE_URL=db_url)
    log = open(work / "daemon.log", "w")
    try:
        # Migrated first: a kill before the daemon's own migration had created
        # the tables left nothing to count, and the count failed the test.
        subprocess.run([BINARY, "--config", str(config), "migrate"], env=env, stdout=log, stderr=log, check=True,
                       timeout=120)
        for kill in range(KILLS):
            daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=env, stdout=log, stderr=log)
            time.sleep(rng.uniform(0.3, 2.5))
            daemon.send_signal(signal.SIGKILL)
            daemon.wait()
            stored_now = psql(db_url, "SELECT count(*) FROM articles")
            print(f"kill {kill + 1}: SIGKILL with {stored_now} articles stored", flush=True)
        # Leases of the killed runs expire after lease_duration; the final pass
        # waits them out, then polls every source once more.
        time.sleep(31)
        final = subprocess.run([BINARY, "--config", str(config), "poll-once", "--all"], env=env,
                               stdout=subprocess.DEVNULL, stderr=log, timeout=240)
        if final.returncode != 0:
            print(f"FAIL: final poll-once exited {final.returncode}")
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
        psql(BASE_URL, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
