#!/usr/bin/env python3
"""The demo's promise, kept by the real daemon: `feedclusterd run --once` over
demo/feeds (and, when given, more feed folders such as the 40 real-world feeds
of ../shared), served on 127.0.0.1 as scripts/demo serves them, against the
test PostgreSQL. Asserts: exit status 0, every stored article placed in a
story, none set aside (and none set aside without a reason), and the two seed
articles of demo/feeds/t4k3-news.xml in one story.

Usage: demo_promise.py FEEDCLUSTERD_BINARY DEMO_FEEDS_DIR [EXTRA_FEEDS_DIR ...]
(FEEDCLUSTERD_TEST_DATABASE_URL set). An extra folder that does not exist
makes the test skip (exit 77) with a message naming it.
"""
import functools
import http.server
import os
import pathlib
import subprocess
import sys
import tempfile
import threading
import uuid

SKIP = 77
SEEDS = ("Putin and Trump meet in Alaska", "Trump Putin Alaska meeting set")
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".json", ".rdf"}


def psql(url, sql):
    out = subprocess.run(["psql", url, "-Atqc", sql], check=True, capture_output=True, text=True)
    return out.stdout.strip()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main():
    binary, demo_feeds = sys.argv[1], pathlib.Path(sys.argv[2])
    extra = [pathlib.Path(p) for p in sys.argv[3:]]
    for folder in extra:
        if not folder.is_dir():
            print(f"SKIP: {folder} is missing (the real-world feeds live in ../shared beside the checkout)",
                  flush=True)
            return SKIP
    base_url = os.environ.get("FEEDCLUSTERD_TEST_DATABASE_URL")
    if not base_url:
        sys.exit("FEEDCLUSTERD_TEST_DATABASE_URL is not set (scripts/test sets it)")

    # One served folder: each feed linked in under a name of its own.
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-demo-promise-"))
    served = work / "feeds"
    served.mkdir()
    feeds = []
    for index, folder in enumerate([demo_feeds] + extra):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix.lower() in FEED_SUFFIXES:
                name = f"{index}-{len(feeds)}-{path.name}"
                (served / name).symlink_to(path.resolve())
                feeds.append(name)
    handler = functools.partial(QuietHandler, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    database = "fcd_demo_" + uuid.uuid4().hex[:10]
    psql(base_url, f"CREATE DATABASE {database}")
    db_url = base_url.rsplit("/", 1)[0] + "/" + database
    try:
        config = work / "config.toml"
        lines = ["[log]", 'level = "info"', "[http]", 'listen = ""',
                 "[fetch]", "requests_per_minute_per_host = 100000", "max_per_host = 8"]
        for name in feeds:
            lines += ["[[sources]]", f'url = "http://127.0.0.1:{port}/{name}"']
        config.write_text("\n".join(lines) + "\n")
        env = dict(os.environ, FEEDCLUSTERD_DATABASE_URL=db_url)
        run = subprocess.run([binary, "--config", str(config), "run", "--once"], env=env,
                             capture_output=True, text=True, timeout=600)
        failures = []
        if run.returncode != 0:
            failures.append(f"run --once exited {run.returncode}")

        stored = int(psql(db_url, "SELECT count(*) FROM articles"))
        unplaced = int(psql(db_url, "SELECT count(*) FROM articles WHERE story_id IS NULL OR cluster_pending"))
        set_aside = psql(db_url, "SELECT coalesce(string_agg(article_id || ' ' || stage || ': ' || reason, '; '), '')"
                                 " FROM unplaced_articles WHERE state = 'set aside'")
        without_reason = int(psql(db_url, "SELECT count(*) FROM articles a WHERE a.story_id IS NULL"
                                          " AND NOT a.cluster_pending AND NOT EXISTS"
                                          " (SELECT 1 FROM cluster_set_aside x WHERE x.article_id = a.id)"))
        print(f"{len(feeds)} feeds served, {stored} articles stored, {unplaced} unplaced", flush=True)
        if stored == 0:
            failures.append("no articles stored")
        if unplaced:
            failures.append(f"{unplaced} of {stored} stored articles are not placed")
        if set_aside:
            failures.append(f"articles set aside: {set_aside}")
        if without_reason:
            failures.append(f"{without_reason} articles left unplaced with no reason recorded")

        stories = [psql(db_url, "SELECT coalesce(string_agg(DISTINCT story_id::text, ','), '')"
                                f" FROM articles WHERE title = '{title}'") for title in SEEDS]
        print(f"seed stories: {dict(zip(SEEDS, stories))}", flush=True)
        if "" in stories:
            failures.append(f"a seed article is missing or unplaced: {dict(zip(SEEDS, stories))}")
        elif stories[0] != stories[1]:
            failures.append(f"the seed articles are in different stories: {dict(zip(SEEDS, stories))}")

        if failures:
            print("daemon output (last 40 lines):\n" + "\n".join((run.stdout + run.stderr).splitlines()[-40:]))
            for failure in failures:
                print("FAIL:", failure, flush=True)
            return 1
        print("the demo's promise holds", flush=True)
        return 0
    finally:
        server.shutdown()
        psql(base_url, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
