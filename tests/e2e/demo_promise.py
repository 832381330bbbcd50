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
import pathlib
import subprocess
import sys
import tempfile

from e2e_support import LOOPBACK_FETCH, FeedServer, daemon_env, psql, scratch_database, test_database_url, write_config

SKIP = 77
SEEDS = ("Putin and Trump meet in Alaska", "Trump Putin Alaska meeting set")
FEED_SUFFIXES = {".xml", ".rss", ".atom", ".json", ".rdf"}


def main():
    binary, demo_feeds = sys.argv[1], pathlib.Path(sys.argv[2])
    extra = [pathlib.Path(p) for p in sys.argv[3:]]
    for folder in extra:
        if not folder.is_dir():
            print(f"SKIP: {folder} is missing (the real-world feeds live in ../shared beside the checkout)",
                  flush=True)
            return SKIP
    base_url = test_database_url()

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
    server = FeedServer(served)
    try:
        with scratch_database(base_url, "fcd_demo") as db_url:
            return check(binary, work, server, feeds, db_url)
    finally:
        server.shutdown()


def check(binary, work, server, feeds, db_url):
    config = work / "config.toml"
    write_config(config, ["[log]", 'level = "info"', "[http]", 'listen = ""', *LOOPBACK_FETCH, "max_per_host = 8"],
                 [server.url(name) for name in feeds])
    env = daemon_env(db_url)
    run = subprocess.run([binary, "--config", str(config), "run", "--once"], env=env,
                         capture_output=True, text=True, timeout=600)
    failures = []
    if run.returncode != 0:
        failures.append(f"run --once exited {run.returncode}")

    stored = int(psql(db_url, "SELECT count(*) FROM articles"))
    unplaced = int(psql(db_url, "SELECT count(*) FROM articles a LEFT JOIN article_placements p ON p.article_id = a.id"
                              " WHERE p.story_id IS NULL OR EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = a.id)"))
    set_aside = psql(db_url, "SELECT coalesce(string_agg(article_id || ' ' || stage || ': ' || reason, '; '), '')"
                             " FROM unplaced_articles WHERE state = 'set aside'")
    without_reason = int(psql(db_url, "SELECT count(*) FROM articles a LEFT JOIN article_placements p ON p.article_id = a.id"
                                      " WHERE p.story_id IS NULL"
                                      " AND NOT EXISTS (SELECT 1 FROM cluster_queue q WHERE q.article_id = a.id) AND NOT EXISTS"
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
                            f" FROM article_search WHERE title = '{title}'") for title in SEEDS]
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


if __name__ == "__main__":
    sys.exit(main())
