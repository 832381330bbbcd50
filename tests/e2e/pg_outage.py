#!/usr/bin/env python3
"""PostgreSQL outage: `feedclusterd run` polls feeds that gain an item every few
seconds; in the middle of the run its PostgreSQL is stopped for 30 s and then
started again. The daemon must stay up, reconnect by itself, and in the end
have stored every item of the feeds exactly once. Prints the counts: items
expected, stored, duplicated, lost.

The test runs its own PostgreSQL (it has to stop it): initdb and pg_ctl from
/usr/lib/postgresql/*/bin, as the postgres user when run as root (initdb
refuses root), listening on 127.0.0.1 only with its socket in a temporary
directory. Port: FCD_PG_OUTAGE_PORT, else the first free one of 55481-55499,
else any free port.

Usage: pg_outage.py FEEDCLUSTERD_BINARY [OUTAGE_SECONDS]
"""
import glob
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import hostile_server  # noqa: E402
from e2e_support import LOOPBACK_FETCH, daemon_env, psql, write_config  # noqa: E402

BINARY = sys.argv[1]
OUTAGE = float(sys.argv[2]) if len(sys.argv) > 2 else 30.0
FEEDS = 20
CHANGE_EVERY = 3.0   # a new item per feed every 3 s ...
GROW_FOR = 75.0      # ... for the first 75 s: the outage falls inside the growth
OUTAGE_AT = 15.0     # seconds after the first poll of every source
INTERVAL = 10        # source interval (the config minimum)
SETTLE = 120.0       # after PostgreSQL is back: time allowed to store everything


def pg_bindir():
    dirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda d: [int(x) for x in d.split("/")[4].split(".")])
    if not dirs:
        sys.exit("no PostgreSQL server under /usr/lib/postgresql")
    return pathlib.Path(dirs[-1])


def free_port():
    wanted = os.environ.get("FCD_PG_OUTAGE_PORT")
    candidates = [int(wanted)] if wanted else list(range(55481, 55500)) + [0]
    for port in candidates:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return s.getsockname()[1]
            except OSError:
                continue
    sys.exit("no free port for PostgreSQL")


class Postgres:
    """A private cluster this test can stop and start."""

    def __init__(self, directory, port):
        self.dir, self.port, self.bin = directory, port, pg_bindir()
        self.as_owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def run(self, *args):
        return subprocess.run(self.as_owner + list(args), capture_output=True, text=True, timeout=120)

    def init(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        out = self.run(str(self.bin / "initdb"), "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres",
                       "-E", "UTF8", "--locale=C.UTF-8")
        if out.returncode != 0:
            sys.exit("initdb failed: " + out.stdout + out.stderr)

    def start(self):
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
                   " -c synchronous_commit=off -c full_page_writes=off")
        out = self.run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"),
                       "-w", "-t", "60", "-o", options, "start")
        if out.returncode != 0:
            sys.exit("pg_ctl start failed: " + out.stdout + out.stderr + self.log_tail())

    def stop(self, mode="fast"):
        if (self.dir / "data" / "postmaster.pid").exists():
            self.run(str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", mode, "-w", "-t", "60", "stop")

    def log_tail(self):
        try:
            return (self.dir / "server.log").read_text()[-2000:]
        except OSError:
            return ""


def main():
    work = pathlib.Path(tempfile.mkdtemp(prefix="fcd-pg-outage-"))
    os.chmod(work, 0o755)  # the postgres user must reach its directory inside
    postgres = Postgres(work / "pg", free_port())
    server = hostile_server.HostileServer(change_every=CHANGE_EVERY, grow_for=GROW_FOR, hostile=False).start()
    daemon = None
    log_path = work / "daemon.log"
    log = open(log_path, "w")
    failures = []

    def check(ok, message):
        print(("ok   " if ok else "FAIL ") + message, flush=True)
        if not ok:
            failures.append(message)

    try:
        postgres.init()
        postgres.start()
        print(f"PostgreSQL on 127.0.0.1:{postgres.port}", flush=True)
        urls = [server.url(f"/healthy/{n}.xml") for n in range(FEEDS)]
        config = work / "config.toml"
        write_config(config, ["[log]", 'level = "info"', "[http]", 'listen = ""', *LOOPBACK_FETCH, "max_per_host = 8",
                              "[polling]", 'lease_duration = "30s"', "[service]", 'shutdown_timeout = "5s"'],
                     urls, [f'interval = "{INTERVAL}s"'])
        env = daemon_env(postgres.url)
        # No leak suppression: in the sanitizer build a leak after the outage
        # (libpqxx 6.4 lost the result of a statement sent on a connection the
        # server had closed) makes the SIGTERM exit below non-zero.
        daemon = subprocess.Popen([BINARY, "--config", str(config), "run"], env=env, stdout=log,
                                  stderr=subprocess.STDOUT)

        deadline = time.monotonic() + 90
        polled = 0
        while time.monotonic() < deadline and daemon.poll() is None and polled < FEEDS:
            time.sleep(1)
            try:
                polled = int(psql(postgres.url, "SELECT count(*) FROM sources WHERE last_polled_at IS NOT NULL"))
            except subprocess.CalledProcessError:
                pass
        check(polled == FEEDS, f"every source polled before the outage ({polled} of {FEEDS})")
        time.sleep(OUTAGE_AT)
        before = psql(postgres.url, "SELECT count(*) FROM articles")
        postgres.stop("fast")
        stopped_at = time.monotonic()
        print(f"PostgreSQL stopped with {before} articles stored; down for {OUTAGE:.0f}s", flush=True)
        while time.monotonic() < stopped_at + OUTAGE:
            time.sleep(1)
            if daemon.poll() is not None:
                break
        check(daemon.poll() is None, "daemon alive through the outage")
        postgres.start()
        print("PostgreSQL started again", flush=True)

        # Every item the feeds will ever have (they stop growing at GROW_FOR).
        grow_end = server.started_at + GROW_FOR
        expected = sum(server.healthy_items(n, at=grow_end + 1) for n in range(FEEDS))
        deadline = time.monotonic() + SETTLE + max(0.0, grow_end - time.time())
        present = 0
        while time.monotonic() < deadline and daemon.poll() is None:
            time.sleep(2)
            try:
                present = int(psql(postgres.url, "SELECT count(*) FROM articles WHERE guid ~ '^healthy[0-9]+-[0-9]+$'"))
            except subprocess.CalledProcessError:
                continue
            if present >= expected and time.time() > grow_end:
                break
        check(daemon.poll() is None, "daemon still running after PostgreSQL came back")
        stored = int(psql(postgres.url, "SELECT count(*) FROM articles"))
        distinct = int(psql(postgres.url, "SELECT count(DISTINCT (source_id, guid)) FROM articles"))
        present = int(psql(postgres.url, "SELECT count(DISTINCT guid) FROM articles WHERE guid ~ '^healthy[0-9]+-[0-9]+$'"))
        duplicated, lost = stored - distinct, expected - present
        print(f"items expected {expected}, stored {stored}, duplicated {duplicated}, lost {lost}", flush=True)
        check(duplicated == 0 and lost == 0 and stored == expected, "every item stored exactly once")
        text = log_path.read_text()
        reconnects = text.count("cannot claim sources")
        print(f"     daemon log: {reconnects} 'cannot claim sources' line(s)", flush=True)
        # The first outage error names the server's reason, not libpqxx's
        # lost encoding (a statement sent on a closed connection).
        check("client encoding" not in text, "no 'Could not obtain client encoding' in the log")

        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=60)
        check(code == 0, f"SIGTERM: exit {code}")
    finally:
        if daemon is not None and daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        log.close()
        server.stop()
        postgres.stop("immediate")
        if failures:
            text = log_path.read_text()
            sanitizer = text.find("==ERROR: ")
            print("---- daemon log " + ("(sanitizer report)" if sanitizer >= 0 else "(tail)"))
            print(text[sanitizer:sanitizer + 12000] if sanitizer >= 0 else text[-6000:])
            print("---- PostgreSQL log (tail)")
            print(postgres.log_tail())
            print(f"---- kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    if failures:
        print(f"FAIL: {len(failures)} check(s) failed")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
