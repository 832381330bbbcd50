#!/usr/bin/env python3
"""A stalled clusterer is visible: with every decision write refused (a trigger
stands in for a database that cannot take them), `feedclusterd run --once` over
the demo feeds stores the articles, exits non-zero saying how many were left
unplaced, sets none aside (the fault is not theirs), and the unplaced_articles
view and source_health show them waiting.

Usage: stalled_clusterer.py FEEDCLUSTERD_BINARY DEMO_FEEDS_DIR
(FEEDCLUSTERD_TEST_DATABASE_URL set).
"""
import pathlib
import subprocess
import sys
import tempfile

from e2e_support import LOOPBACK_FETCH, FeedServer, daemon_env, psql, scratch_database, test_database_url, write_config


def main():
    binary, feeds_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    base_url = test_database_url()
    server = FeedServer(feeds_dir)
    try:
        with scratch_database(base_url, "fcd_stall") as db_url:
            return check(binary, feeds_dir, server, db_url)
    finally:
        server.shutdown()


def check(binary, feeds_dir, server, db_url):
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-stall-"))
    config = work / "config.toml"
    # Feeds of several items only: a batch of one article whose write
    # fails cannot be told from a poison pill, so it would be set aside.
    feeds = [feed for feed in sorted(feeds_dir.glob("*.xml"))
             if feed.read_text(encoding="utf-8", errors="replace").count("<item>") >= 3]
    write_config(config, ["[log]", 'level = "info"', "[http]", 'listen = ""', *LOOPBACK_FETCH, "max_per_host = 8"],
                 [server.url(feed.name) for feed in feeds])
    env = daemon_env(db_url)
    subprocess.run([binary, "--config", str(config), "migrate"], env=env, check=True, capture_output=True)
    psql(db_url, "CREATE FUNCTION refuse_placements() RETURNS trigger LANGUAGE plpgsql AS"
                 " $$BEGIN IF NEW.story_id IS NOT NULL THEN RAISE EXCEPTION 'placements refused'; END IF;"
                 " RETURN NEW; END$$")
    psql(db_url, "CREATE TRIGGER refuse_placements BEFORE INSERT OR UPDATE ON article_placements FOR EACH ROW"
                 " EXECUTE FUNCTION refuse_placements()")

    run = subprocess.run([binary, "--config", str(config), "run", "--once"], env=env,
                         capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    stored = int(psql(db_url, "SELECT count(*) FROM articles"))
    waiting = int(psql(db_url, "SELECT count(*) FROM unplaced_articles WHERE state = 'waiting'"))
    per_source = int(psql(db_url, "SELECT coalesce(sum(articles_waiting), 0) FROM source_health"))
    set_aside = int(psql(db_url, "SELECT count(*) FROM cluster_set_aside"))
    print(f"exit {run.returncode}; {stored} stored, {waiting} waiting ({per_source} by source_health),"
          f" {set_aside} set aside", flush=True)
    failures = []
    if run.returncode == 0:
        failures.append("run --once exited 0 with every article unplaced")
    if "left unplaced" not in output:
        failures.append("the output does not say articles were left unplaced")
    if stored == 0 or waiting != stored or per_source != stored:
        failures.append(f"expected all {stored} stored articles shown waiting")
    if set_aside:
        failures.append(f"{set_aside} articles set aside for a fault that is not theirs")
    if failures:
        print("\n".join(output.splitlines()[-20:]))
        for failure in failures:
            print("FAIL:", failure, flush=True)
        return 1
    print("the stall is visible", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
