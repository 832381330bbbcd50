#!/usr/bin/env python3
"""Soak: `feedclusterd run` for a set time against many loopback sources that
change every few seconds, some of them faulty. Prints polls done, items
stored, errors by kind, RSS and open descriptors after warm-up and at the end,
and p50/p99 poll latency (from /metrics).

Usage: soak.py FEEDCLUSTERD DATABASE_URL [--seconds N] [--warmup N] [--sources N] [--interval S]
                [--article-time-scale N]
Normally started by bench/soak/run.sh, which brings the PostgreSQL.

Article time (the items' pubDate) runs --article-time-scale times faster than
the clock and reaches it at the end of the run, so the clusterer's 72 h window
fills and then slides within minutes, as it does in a daemon that has run for
days; with 1 every item stays in the window for the whole run.

Sources (index n):
  n % 50 == 0   500 Internal Server Error
  n % 50 == 1   stalls after the headers (cut by the low-speed limit)
  n % 50 == 2   connection reset mid-body
  n % 50 == 3   an HTML page
  n % 50 == 4   broken XML (a truncated document)
  n % 50 == 5   404
  otherwise     RSS, the last 20 items of a stream that gains one item every 2-8 s
"""
import argparse
import http.server
import os
import pathlib
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

FAULTS = {0: "http_500", 1: "stall", 2: "reset", 3: "html", 4: "broken_xml", 5: "http_404"}
WINDOW = 20


def item(n, i, when):
    date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(when))
    # pubDate first: the broken-XML sources cut the document inside the first
    # item, and an undated item would take the clock's time as its article
    # time, far ahead of the scaled article clock.
    return (f"<item><guid>s{n}-{i}</guid><pubDate>{date}</pubDate>"
            f"<title>Source {n} story {i} about the summit and the markets</title>"
            f"<link>http://example.test/{n}/{i}</link><description>Text of story {i} from source {n}, "
            f"long enough to look like a summary of an article.</description></item>")


class Feeds:
    def __init__(self, count, seed, time_scale, run_seconds):
        rng = random.Random(seed)
        self.start = time.time()
        self.time_scale = time_scale
        # Article time reaches the clock after the run (with a margin for the
        # shutdown), so no pubDate is ever in the future.
        self.article_clock_end = self.start + run_seconds + 120
        self.every = [rng.uniform(2.0, 8.0) for _ in range(count)]
        self.phase = [rng.uniform(0.0, 8.0) for _ in range(count)]
        self.cache = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def article_time(self, when):
        return self.article_clock_end - (self.article_clock_end - when) * self.time_scale

    def body(self, n):
        k = int((time.time() - self.start + self.phase[n]) / self.every[n]) + WINDOW
        with self.lock:
            cached = self.cache.get(n)
            if cached and cached[0] == k:
                return cached[1]
        items = "".join(item(n, i, self.article_time(self.start + (i - WINDOW) * self.every[n]))
                        for i in range(k, k - WINDOW, -1))
        body = (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Soak {n}</title>'
                f"<link>http://example.test/{n}</link>{items}</channel></rss>").encode()
        with self.lock:
            self.cache[n] = (k, body)
        return body


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send(self, status, body=b"", content_type="application/rss+xml"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        feeds = self.server.feeds
        match = re.fullmatch(r"/feed/(\d+)\.xml", self.path)
        if not match or int(match.group(1)) >= len(feeds.every):
            return self.send(404)
        n = int(match.group(1))
        fault = FAULTS.get(n % 50) if self.server.faulty else None
        try:
            if fault == "http_500":
                self.send(500, b"oops", "text/plain")
            elif fault == "http_404":
                self.send(404, b"gone missing", "text/plain")
            elif fault == "html":
                self.send(200, b"<!DOCTYPE html><html><body><p>not a feed</p></body></html>", "text/html")
            elif fault == "broken_xml":
                self.send(200, feeds.body(n)[:300])
            elif fault == "stall":
                self.send_response(200)
                self.send_header("Content-Length", "10000")
                self.end_headers()
                self.wfile.flush()
                feeds.stop.wait(120)
                self.close_connection = True
            elif fault == "reset":
                body = feeds.body(n)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[:len(body) // 3])
                self.wfile.flush()
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True
            else:
                self.send(200, feeds.body(n))
        except OSError:
            self.close_connection = True


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512

    def handle_error(self, request, client_address):
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    return subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True,
                          timeout=120).stdout.strip()


def scrape(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            try:
                samples[name] = float(value)
            except ValueError:
                pass
    return samples


def window_state(metrics):
    """The clusterer's window: articles, stories, estimated state in MB."""
    return (metrics.get("feedclusterd_clustering_window_articles", 0.0),
            metrics.get("feedclusterd_clustering_window_stories", 0.0),
            metrics.get("feedclusterd_clustering_state_bytes", 0.0) / 1e6)


def slope_per_minute(points):
    """Least-squares slope of (seconds, value) points, per minute."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    den = sum((x - mean_x) ** 2 for x, _ in points)
    return 60 * sum((x - mean_x) * (y - mean_y) for x, y in points) / den if den else 0.0


def proc_stats(pid):
    rss = 0
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    return rss, len(os.listdir(f"/proc/{pid}/fd"))


def quantile(before, after, q):
    """q-quantile of poll_duration between two scrapes, interpolated inside a bucket."""
    bounds = []
    for name, value in after.items():
        match = re.fullmatch(r'feedclusterd_poll_duration_seconds_bucket\{le="([^"]+)"\}', name)
        if match:
            bounds.append((float("inf") if match.group(1) == "+Inf" else float(match.group(1)),
                           value - before.get(name, 0.0)))
    bounds.sort()
    total = bounds[-1][1] if bounds else 0
    if total <= 0:
        return None
    rank, previous_bound, previous_count = q * total, 0.0, 0.0
    for bound, count in bounds:
        if count >= rank:
            if bound == float("inf"):
                return previous_bound
            share = (rank - previous_count) / max(count - previous_count, 1e-9)
            return previous_bound + share * (bound - previous_bound)
        previous_bound, previous_count = bound, count
    return previous_bound


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("database_url")
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=60)
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--interval", default="30s", help="each source's poll interval (config minimum 10s)")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--no-faults", action="store_true", help="every source healthy (for comparison)")
    parser.add_argument("--article-time-scale", type=float, default=2880,
                        help="article time runs this many times faster than the clock (1: real time)")
    args = parser.parse_args()

    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-soak-"))
    feeds = Feeds(args.sources, args.seed, args.article_time_scale, args.warmup + args.seconds)
    server = Server(("127.0.0.1", 0), Handler)
    server.feeds = feeds
    server.faulty = not args.no_faults
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port, http_port = server.server_address[1], free_port()

    config = work / "config.toml"
    lines = ["[log]", 'level = "warn"', "[http]", f'listen = "127.0.0.1:{http_port}"',
             "[fetch]", "max_concurrent = 64", "max_per_host = 64", "requests_per_minute_per_host = 100000",
             'low_speed_time = "10s"', 'total_timeout = "30s"',
             "[polling]", "claim_batch = 200", "[service]", 'shutdown_timeout = "10s"']
    for n in range(args.sources):
        lines += ["[[sources]]", f'url = "http://127.0.0.1:{port}/feed/{n}.xml"', f'interval = "{args.interval}"']
    config.write_text("\n".join(lines) + "\n")
    log_path = work / "daemon.log"
    log = open(log_path, "w")
    env = dict(os.environ, FEEDCLUSTERD_DATABASE_URL=args.database_url)
    daemon = subprocess.Popen([args.binary, "--config", str(config), "run"], env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    samples_path = work / "samples.csv"
    try:
        faults = "none faulty" if args.no_faults else "6 of every 50 faulty"
        window_real = 72 * 3600 / args.article_time_scale
        print(f"soak: {args.sources} sources ({faults}), interval {args.interval}, "
              f"{args.seconds}s after {args.warmup}s warm-up; article time x{args.article_time_scale:g} "
              f"(the 72 h cluster window holds the last {window_real:.0f} s of items); work dir {work}", flush=True)
        time.sleep(args.warmup)
        if daemon.poll() is not None:
            sys.exit(f"daemon exited during warm-up with {daemon.returncode}; see {log_path}")
        start_metrics, (start_rss, start_fds) = scrape(http_port), proc_stats(daemon.pid)
        rss_points = []
        start_articles = int(psql(args.database_url, "SELECT count(*) FROM articles"))
        began = time.monotonic()
        with open(samples_path, "w") as samples:
            samples.write("seconds,rss_mb,fds,polls,window_articles,window_stories,window_state_mb\n")
            while time.monotonic() - began < args.seconds:
                time.sleep(min(30, max(0.0, args.seconds - (time.monotonic() - began))))
                if daemon.poll() is not None:
                    sys.exit(f"daemon exited with {daemon.returncode} during the soak; see {log_path}")
                rss, fds = proc_stats(daemon.pid)
                metrics = scrape(http_port)
                polls = sum(v for k, v in metrics.items() if k.startswith("feedclusterd_polls_total{"))
                articles, stories, state_mb = window_state(metrics)
                at = time.monotonic() - began
                rss_points.append((at, rss))
                samples.write(f"{at:.0f},{rss:.1f},{fds},{polls:.0f},{articles:.0f},{stories:.0f},{state_mb:.1f}\n")
                samples.flush()
        end_metrics, (end_rss, end_fds) = scrape(http_port), proc_stats(daemon.pid)
        end_articles = int(psql(args.database_url, "SELECT count(*) FROM articles"))
        elapsed = time.monotonic() - began

        def delta(name):
            return end_metrics.get(name, 0.0) - start_metrics.get(name, 0.0)

        outcomes = {re.search(r'outcome="([^"]+)"', k).group(1): delta(k)
                    for k in end_metrics if k.startswith("feedclusterd_polls_total{")}
        polls = sum(outcomes.values())
        print(f"\n== {elapsed:.0f}s measured (after {args.warmup}s warm-up)")
        print(f"polls done:      {polls:.0f} ({polls / elapsed:.1f}/s); by outcome: "
              + ", ".join(f"{k} {v:.0f}" for k, v in sorted(outcomes.items()) if v))
        new_items = delta('feedclusterd_items_total{result="new"}')
        print(f"items stored:    {end_articles - start_articles} new articles in the window "
              f"({end_articles} in all); items_total new {new_items:.0f}")
        kinds = psql(args.database_url,
                     "SELECT coalesce(split_part(last_error, ':', 1), '-'), count(*) FROM sources"
                     " WHERE error_count > 0 GROUP BY 1 ORDER BY 2 DESC")
        print("errors by kind:  sources failing now, by their last error: "
              + ", ".join(f"{k} {v}" for k, v in (line.split("|") for line in kinds.splitlines())))
        warned = psql(args.database_url,
                      "SELECT count(*) FROM sources WHERE error_count = 0 AND last_error LIKE 'warning:%'")
        print(f"                 sources whose last body parsed with a warning (items kept): {warned}")
        print(f"                 database errors {delta('feedclusterd_database_errors_total'):.0f}, "
              f"parse errors {delta('feedclusterd_parse_errors_total'):.0f}")
        print(f"RSS:             {start_rss:.1f} MB after warm-up, {end_rss:.1f} MB at the end; "
              f"slope {slope_per_minute(rss_points):+.2f} MB/min over all samples, "
              f"{slope_per_minute(rss_points[len(rss_points) // 2:]):+.2f} MB/min over the second half")
        (a0, s0, m0), (a1, s1, m1) = window_state(start_metrics), window_state(end_metrics)
        print(f"cluster window:  {a0:.0f} articles, {s0:.0f} stories, {m0:.1f} MB (engine estimate) after warm-up; "
              f"{a1:.0f}, {s1:.0f}, {m1:.1f} MB at the end")
        print(f"open fds:        {start_fds} after warm-up, {end_fds} at the end")
        p50, p99 = quantile(start_metrics, end_metrics, 0.50), quantile(start_metrics, end_metrics, 0.99)
        fmt = lambda v: "n/a" if v is None else f"{v * 1000:.1f} ms"
        print(f"poll latency:    p50 {fmt(p50)}, p99 {fmt(p99)} (feedclusterd_poll_duration_seconds, "
              "interpolated within its buckets)")
        print(f"samples:         {samples_path}")
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
        print(f"SIGTERM:         exit {code}")
        return 0 if code == 0 else 1
    finally:
        feeds.stop.set()
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()
        server.shutdown()


if __name__ == "__main__":
    sys.exit(main())
