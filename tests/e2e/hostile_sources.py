#!/usr/bin/env python3
"""Hostile sources: `feedclusterd run` polls every fault of hostile_server.py
next to a few healthy feeds that gain an item every few seconds.

Asserts, for the whole run:
  - the daemon keeps running (and exits 0 on SIGTERM at the end);
  - the healthy sources keep being polled on time (no gap between two polls of
    one source longer than its interval plus generous slack) and every item
    they served is stored exactly once;
  - resident memory stays bounded (VmRSS sampled from /proc) although the
    server offers a 10 GB body, an endless body and a 1 GiB gzip bomb;
  - each refused source has its error recorded in source_health and nothing
    stored; recovered sources (invalid UTF-8, 100,000 items) store at most
    parse.max_items items; no external entity is fetched or expanded;
  - with fetch.block_private_addresses = true, a redirect to 10.0.0.1 (and
    the loopback server itself) is refused before any connection is made.

Timeouts are shortened in the test config (total 20 s, low speed 8 s) so the
slow sources end inside the run; every other limit is at its default.

Usage: hostile_sources.py FEEDCLUSTERD_BINARY   (FEEDCLUSTERD_TEST_DATABASE_URL set)
"""
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import hostile_server  # noqa: E402
from e2e_support import daemon_env, psql, scratch_database, test_database_url  # noqa: E402

BINARY = sys.argv[1]
BASE_URL = test_database_url()

HEALTHY = 6
HEALTHY_INTERVAL = 10   # seconds, the shortest the config allows
ALLOWED_GAP = 30        # interval + slack for a loaded 2-core box under ASan
RUN_SECONDS = 55        # after the first poll of every source
RSS_LIMIT_MB = int(os.environ.get("FCD_HOSTILE_RSS_LIMIT_MB", "700"))
MAX_ITEMS = 10000       # parse.max_items default

# Sources whose body must be refused: an error recorded, nothing stored.
# The value is a word the recorded error must contain (case-insensitive).
REFUSED = {
    "slow-drip": "",
    "stall": "",
    "reset": "",
    "endless": "larger",
    "length-lie": "larger",
    "gzip-bomb": "larger",
    "redirect-loop": "redirect",
    "redirect-file": "",
    "redirect-gopher": "",
    "html": "html",
    "billion-laughs": "",
}


def vm_rss_mb(pid):
    try:
        for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.samples, self.stop = pid, 0.0, [], threading.Event()

    def run(self):
        while not self.stop.wait(0.25):
            rss = vm_rss_mb(self.pid)
            if rss is not None:
                self.samples.append(rss)
                self.peak = max(self.peak, rss)


def main():
    with scratch_database(BASE_URL, "fcd_hostile") as db_url:
        return run(db_url)


def run(db_url):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-hostile-"))
    failures = []

    def check(ok, message):
        print(("ok   " if ok else "FAIL ") + message, flush=True)
        if not ok:
            failures.append(message)

    server = hostile_server.HostileServer(tls=True, workdir=work).start()
    env = daemon_env(db_url)

    healthy = {n: server.url(f"/healthy/{n}.xml") for n in range(HEALTHY)}
    hostile = {name: server.url(f"/{name}.xml") for name in hostile_server.HOSTILE}
    hostile["tls"] = server.tls_url("/tls.xml")
    REFUSED["tls"] = ""

    def write_config(path, urls, block_private=False):
        lines = ["[log]", 'level = "info"', "[http]", 'listen = ""',
                 "[fetch]", "requests_per_minute_per_host = 100000", "max_per_host = 32",
                 "max_per_address = 32",  # every source is on 127.0.0.1: per host, as before
                 'total_timeout = "20s"', 'low_speed_time = "8s"',
                 f"block_private_addresses = {'true' if block_private else 'false'}",
                 "[cluster]", "enabled = false",  # not under test; keeps the 2-core box for polling
                 "[service]", 'shutdown_timeout = "5s"']
        for url in urls:
            lines += ["[[sources]]", f'url = "{url}"', f'interval = "{HEALTHY_INTERVAL}s"']
        path.write_text("\n".join(lines) + "\n")

    config = work / "config.toml"
    write_config(config, list(healthy.values()) + list(hostile.values()))
    log_path = work / "daemon.log"
    log = open(log_path, "w")
    daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=env, stdout=log, stderr=subprocess.STDOUT)
    sampler = RssSampler(daemon.pid)
    sampler.start()
    try:
        # Phase 1: every source polled once (the slow ones end at the 20 s total timeout).
        deadline = time.monotonic() + 90
        total = HEALTHY + len(hostile)
        while time.monotonic() < deadline and daemon.poll() is None:
            try:
                polled = int(psql(db_url, "SELECT count(*) FROM sources WHERE last_polled_at IS NOT NULL"))
            except subprocess.CalledProcessError:
                polled = 0  # the schema is not there yet
            if polled == total:
                break
            time.sleep(1)
        check(daemon.poll() is None, "daemon still running after the first round")
        check(polled == total, f"every source polled once ({polled} of {total})")
        first_round = time.time()
        print(f"first round done; RSS now {vm_rss_mb(daemon.pid)} MB, peak {sampler.peak:.0f} MB", flush=True)

        # Phase 2: keep running; the healthy feeds keep changing.
        while time.time() < first_round + RUN_SECONDS and daemon.poll() is None:
            time.sleep(1)
        check(daemon.poll() is None, f"daemon still running {RUN_SECONDS}s later")
        run_end = time.monotonic()  # the server's request log uses monotonic time
        check(sampler.peak < RSS_LIMIT_MB, f"peak RSS {sampler.peak:.0f} MB < {RSS_LIMIT_MB} MB "
              f"(first sample {sampler.samples[0] if sampler.samples else 0:.0f} MB, "
              f"last {sampler.samples[-1] if sampler.samples else 0:.0f} MB)")

        # Healthy sources: on time, and everything they served stored once.
        for n in range(HEALTHY):
            starts = [start for start, _, _ in server.hits(f"/healthy/{n}.xml")]
            gaps = [b - a for a, b in zip(starts, starts[1:])]
            tail = run_end - starts[-1] if starts else 1e9  # since the last poll, until the end of the run
            worst = max(gaps + [tail])
            stored = int(psql(db_url, "SELECT count(*) FROM articles a JOIN sources s ON s.id = a.source_id"
                                      f" WHERE s.url = '{healthy[n]}'"))
            # what the feed had at the second-to-last poll is committed for sure
            served = server.healthy_items(n, at=time.time() - (time.monotonic() - starts[-2])) if len(starts) > 1 else 0
            check(len(starts) >= 3 and worst <= ALLOWED_GAP,
                  f"healthy {n}: {len(starts)} polls, longest gap {worst:.1f}s (allowed {ALLOWED_GAP}s)")
            check(stored >= served and stored <= server.healthy_items(n),
                  f"healthy {n}: {stored} items stored (served at least {served})")
        duplicates = psql(db_url, "SELECT count(*) FROM (SELECT source_id, guid FROM articles"
                                  " GROUP BY 1, 2 HAVING count(*) > 1) d")
        check(duplicates == "0", f"no item stored twice ({duplicates})")

        # Hostile sources.
        rows = {}
        for line in psql(db_url, "SELECT h.url, coalesce(h.last_status::text, '-'), h.error_count,"
                                 " replace(coalesce(h.last_error, ''), '|', '/'),"
                                 " (SELECT count(*) FROM articles a WHERE a.source_id = h.source_id)"
                                 " FROM source_health h").splitlines():
            url, status, errors, error, articles = line.split("|")
            rows[url] = (status, int(errors), error, int(articles))
        for name, url in hostile.items():
            status, errors, error, articles = rows.get(url, ("?", 0, "", -1))
            print(f"     {name:16} status {status:>3}  errors {errors}  articles {articles:>5}  last_error: {error[:110]}",
                  flush=True)
            if name in REFUSED:
                word = REFUSED[name]
                check(errors > 0 and error != "" and word.lower() in error.lower(),
                      f"{name}: error recorded" + (f" (mentions '{word}')" if word else ""))
                check(articles == 0, f"{name}: nothing stored ({articles})")
            elif name == "huge":
                check(0 < articles <= MAX_ITEMS, f"huge: {articles} of 100000 items stored (cap {MAX_ITEMS})")
            elif name == "invalid-utf8":
                check(articles <= 1, f"invalid-utf8: {articles} item(s) stored, as valid text")
            elif name == "xxe":
                check(articles <= 1, f"xxe: {articles} item(s) stored")
        leaked = psql(db_url, "SELECT count(*) FROM articles WHERE title || summary || content || coalesce(content_html, '')"
                              " ~ '(root:|lollol|xxe-probe)'")
        check(leaked == "0", f"no entity expanded into stored text ({leaked} articles)")
        check(not server.hits("/xxe-probe") and not server.hits("/xxe-dtd"),
              "the parser fetched no external entity or DTD")
        endless_sent = max((sent for _, _, sent in server.hits("/endless.xml")), default=0)
        check(endless_sent < 96 << 20, f"endless body: the server could send {endless_sent >> 20} MiB before the cut")
        check(not server.hits("/gopher") and not server.hits("/1feed"), "no request followed the gopher redirect")

        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
        check(code == 0, f"SIGTERM: exit {code} after {time.monotonic() - started:.1f}s")

        # Phase 3: block_private_addresses = true. The test server is on
        # loopback, which is itself private, so the very first hop is refused
        # already: the server must see no request at all.
        private = server.url("/redirect-private.xml")
        block_config = work / "block.toml"
        write_config(block_config, [private], block_private=True)
        result = subprocess.run([BINARY, "--config", str(block_config), "poll-once", "--all"], env=env,
                                capture_output=True, text=True, timeout=120)
        print("     poll-once:", result.stdout.strip()[:200], flush=True)
        error = psql(db_url, f"SELECT coalesce(last_error, '') FROM sources WHERE url = '{private}'")
        check("block" in error.lower() or "private" in error.lower(),
              f"private address refused with block_private_addresses = true: {error[:100]}")
        check(not server.hits("/redirect-private.xml"), "no connection reached the blocked server")
    finally:
        sampler.stop.set()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()
        server.stop()
        if failures:
            print("---- daemon log (tail)")
            text = log_path.read_text(); at = text.find("==ERROR: "); print(text[at:at + 12000] if at >= 0 else text[-6000:])
    if failures:
        print(f"FAIL: {len(failures)} check(s) failed; kept {work}")
        return 1
    shutil.rmtree(work, ignore_errors=True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
