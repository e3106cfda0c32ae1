#!/usr/bin/env python3
"""Start the spec's production layout on loopback, print the address to open, stop everything on Ctrl-C.

Run through `.ci/scale` (which installs what this needs and builds the release product first). Standard library only.

The layout, every part on 127.0.0.1 and a free port, its state in one folder (`--state`, default a new temporary
folder, removed on exit unless `--keep`):

- nginx (Debian's) terminating TLS with a self-signed certificate made at start, round robin over the replicas, with
  the configuration the repository ships (server/deploy/nginx.conf, placeholders filled in);
- N replicas `server serve --no-workers` (default 3) and M `server worker` processes (default 2), restarted a second
  after they die (as systemd's Restart=always would);
- PostgreSQL: the machine's server as the primary (a database of its own, `--database`), and a streaming read replica:
  a second cluster made with `pg_basebackup -R -X stream` into the state folder, run with the machine's binaries;
- Redis: the machine's (keys under a prefix of their own, deleted on exit);
- S3: moto; SMTP: aiosmtpd delivering into a Maildir (both from .ci/tools/venv).

Once `/readyz` answers 200 through nginx, `<state>/layout.json` describes everything (addresses, the environment of
the processes, where the pid files and logs are) and the address to open is printed.

Supervision: `<state>/pids/<name>` holds each process's current pid. To stop a supervised process without it being
started again, create `<state>/hold/<name>` and then signal it; remove the file and it is started again.
"""

from __future__ import annotations

import argparse
import base64
import ctypes
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# moto and aiosmtpd, installed by `.ci/bootstrap --test` (SCALE_VENV: another virtualenv holding them).
VENV = Path(os.environ.get("SCALE_VENV") or REPO / ".ci" / "tools" / "venv")
NGINX_TEMPLATE = REPO / "server" / "deploy" / "nginx.conf"
# The order of the P-256 group: a VAPID private key is a scalar in [1, n-1].
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


class Stop(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: stop everything."""


class Failed(Exception):
    """The layout could not be started: the message says why."""


def say(msg: str) -> None:
    print(f"[scale] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------------------------------

_taken_ports: set[int] = set()


def free_port() -> int:
    """A loopback port nobody listens on now (and not handed out before by this run)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _taken_ports:
            _taken_ports.add(port)
            return port


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(what: str, check, timeout: float, interval: float = 0.2, on_fail=None):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            detail = on_fail() if on_fail else ""
            raise Failed(f"{what}: not ready after {timeout:.0f} s{detail}")
        time.sleep(interval)


def run(argv: list[str], *, check: bool = True, env: dict | None = None, timeout: float = 120,
        input: str | None = None) -> subprocess.CompletedProcess:
    res = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, input=input)
    if check and res.returncode != 0:
        raise Failed(f"{' '.join(argv)} failed ({res.returncode}):\n{res.stderr.strip() or res.stdout.strip()}")
    return res


def is_root() -> bool:
    return os.geteuid() == 0


def as_postgres(argv: list[str]) -> list[str]:
    """Run a PostgreSQL server tool as the `postgres` account when we are root (they refuse to run as root)."""
    return ["runuser", "-u", "postgres", "--", *argv] if is_root() else argv


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n    " + "\n    ".join(text[-lines:]) if text else ""


def http_get(url: str, *, ca: str | None = None, timeout: float = 3.0, headers: dict | None = None):
    """GET `url` (http or https, verified against `ca`): (status, body text), or (None, error) when unreachable."""
    m = re.match(r"^(https?)://([^/:]+):(\d+)(/.*)?$", url)
    if not m:
        raise ValueError(url)
    scheme, host, port, path = m.group(1), m.group(2), int(m.group(3)), m.group(4) or "/"
    try:
        if scheme == "https":
            ctx = ssl.create_default_context(cafile=ca)
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ctx)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", path, headers=headers or {})
            res = conn.getresponse()
            return res.status, res.read().decode(errors="replace")
        finally:
            conn.close()
    except (OSError, http.client.HTTPException) as e:
        return None, str(e)


def pdeathsig():
    """In the child before exec: get SIGTERM if the launcher dies (even by SIGKILL), so that nothing is left behind."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


# ---------------------------------------------------------------------------------------------------------------------
# Supervised processes
# ---------------------------------------------------------------------------------------------------------------------


class Proc:
    """A child process with its log, its pid file, and (when `restart`) a supervisor that starts it again ~1 s after
    it dies, with the same command and environment, unless `<state>/hold/<name>` exists."""

    def __init__(self, layout: "Layout", name: str, argv: list[str], env: dict, restart: bool = True,
                 stop_signal: int = signal.SIGTERM):
        self.layout = layout
        self.name = name
        self.argv = argv
        self.env = env
        self.restart = restart
        self.stop_signal = stop_signal
        self.popen: subprocess.Popen | None = None
        self.log = layout.state / "logs" / f"{name}.log"
        self.pid_file = layout.state / "pids" / name
        self.died_at: float | None = None
        self.starts = 0
        self.held = False

    def start(self) -> None:
        with open(self.log, "ab") as log:
            log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.popen = subprocess.Popen(
                self.argv, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                cwd=self.layout.state, start_new_session=True, preexec_fn=pdeathsig,
            )
        self.starts += 1
        self.died_at = None
        self.held = False
        tmp = self.pid_file.with_suffix(".tmp")
        tmp.write_text(f"{self.popen.pid}\n")
        tmp.replace(self.pid_file)

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen else None

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def supervise(self) -> None:
        """One step of the supervisor: notice a death, start again after a second."""
        if self.popen is None:
            return
        code = self.popen.poll()
        if code is None:
            return
        hold = (self.layout.state / "hold" / self.name).exists()
        if self.died_at is None:
            self.died_at = time.monotonic()
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
            say(f"{self.name} (pid {self.popen.pid}) stopped: {how}"
                + ("; held, not restarted" if hold else "; restarting in 1 s"))
        if not self.restart:
            return
        if hold:
            self.held = True
            return
        if time.monotonic() - self.died_at >= 1.0:
            self.start()
            say(f"{self.name} restarted: pid {self.popen.pid}")

    def signal(self) -> None:
        """Ask it to stop (SIGTERM: the replicas end their event streams and finish requests in flight)."""
        if self.alive():
            try:
                os.kill(self.popen.pid, self.stop_signal)
            except ProcessLookupError:
                pass

    def wait_or_kill(self, timeout: float = 15.0) -> None:
        if self.popen is None:
            return
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"{self.name} did not stop within {timeout:.0f} s: killing it")
            try:
                os.killpg(self.popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.popen.wait(5)


# ---------------------------------------------------------------------------------------------------------------------
# The layout
# ---------------------------------------------------------------------------------------------------------------------


class Layout:
    def __init__(self, args):
        self.args = args
        self.state: Path = Path()
        self.created_state = False
        self.procs: list[Proc] = []
        self.cleanups: list[tuple[str, callable]] = []
        self.server_bin = Path(os.environ.get("SERVER_BIN")
                               or Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target")) / "release" / "server")
        if not self.server_bin.is_absolute():
            self.server_bin = (REPO / self.server_bin).resolve()
        self.info: dict = {}

    # -- state folder ---------------------------------------------------------------------------------------------

    def make_state(self) -> None:
        if self.args.state:
            self.state = Path(self.args.state).resolve()
            if self.state.exists() and any(self.state.iterdir()):
                raise Failed(f"--state {self.state} exists and is not empty: choose a new folder")
            self.state.mkdir(parents=True, exist_ok=True)
        else:
            self.state = Path(tempfile.mkdtemp(prefix="jd-scale-"))
        self.created_state = True
        # Others may pass through (PostgreSQL's replica and nginx's workers run as other accounts) but not list it.
        os.chmod(self.state, 0o711)
        if is_root():
            closed = [p for p in self.state.parents if not os.stat(p).st_mode & 0o001]
            if closed:
                raise Failed(f"{closed[0]} may not be passed through by other accounts (the read replica runs as "
                             "postgres, nginx's workers as www-data): choose a --state elsewhere, or chmod o+x it")
        # (Not the Maildir: aiosmtpd makes it, with its tmp/new/cur, only where no folder exists.)
        for d in ("logs", "pids", "hold", "data", "tls", "nginx", "nginx/logs", "nginx/tmp"):
            (self.state / d).mkdir(parents=True, exist_ok=True)
        for d in ("nginx", "nginx/tmp"):
            os.chmod(self.state / d, 0o711)

    # -- checks ---------------------------------------------------------------------------------------------------

    def check_tools(self) -> None:
        missing = [t for t in ("nginx", "openssl", "psql", "pg_basebackup", "redis-cli") if not shutil.which(t)]
        if missing:
            raise Failed(f"missing: {', '.join(missing)} (run .ci/bootstrap --test; PostgreSQL and Redis "
                         "client tools come with the machine's servers)")
        if not self.server_bin.exists():
            raise Failed(f"{self.server_bin} does not exist: build it (.ci/scale without --no-build), or set "
                         "SERVER_BIN")
        for tool in ("moto_server", "python"):
            if not (VENV / "bin" / tool).exists():
                raise Failed(f"{VENV / 'bin' / tool} is missing: run .ci/bootstrap --test")

    # -- TLS ------------------------------------------------------------------------------------------------------

    def make_certificate(self) -> None:
        cert, key = self.state / "tls" / "cert.pem", self.state / "tls" / "key.pem"
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", str(key), "-out", str(cert), "-days", "30", "-subj", "/CN=127.0.0.1",
             "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
             "-addext", "extendedKeyUsage=serverAuth"])
        os.chmod(key, 0o600)
        self.cert, self.key = cert, key

    # -- Redis ----------------------------------------------------------------------------------------------------

    def check_redis(self) -> None:
        self.redis_url = self.args.redis_url
        res = run(["redis-cli", "-u", self.redis_url, "ping"], check=False, timeout=10)
        if res.returncode != 0 or "PONG" not in res.stdout:
            raise Failed(f"Redis at {self.redis_url} does not answer: {res.stdout.strip()} {res.stderr.strip()}")
        self.redis_prefix = f"jd-scale-{secrets.token_hex(4)}:"
        self.cleanups.append(("Redis keys", self.clean_redis))

    def clean_redis(self) -> None:
        keys = run(["redis-cli", "-u", self.redis_url, "--scan", "--pattern", f"{self.redis_prefix}*"],
                   check=False, timeout=30).stdout.split()
        for i in range(0, len(keys), 500):
            run(["redis-cli", "-u", self.redis_url, "DEL", *keys[i:i + 500]], check=False, timeout=30)
        say(f"deleted {len(keys)} Redis key(s) under {self.redis_prefix}")

    # -- PostgreSQL -----------------------------------------------------------------------------------------------

    def psql(self, sql: str, db: str = "postgres", port: int | None = None, check: bool = True) -> str:
        url = self.pg_url(db, port)
        return run(["psql", url, "-v", "ON_ERROR_STOP=1", "-Atc", sql], check=check, timeout=60).stdout.strip()

    def pg_url(self, db: str, port: int | None = None) -> str:
        m = re.match(r"^(postgres(?:ql)?://[^/]+?)(?::(\d+))?(/[^?]*)?(\?.*)?$", self.args.pg_url)
        if not m:
            raise Failed(f"--pg-url {self.args.pg_url}: expected postgres://user@host:port/db")
        base = m.group(1)
        return f"{base}:{port or m.group(2) or 5432}/{db}"

    def make_database(self) -> None:
        name = self.args.database
        if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
            raise Failed(f"--database {name}: use lower-case letters, digits and _")
        try:
            version = int(self.psql("show server_version_num"))
        except Failed as e:
            raise Failed(f"the PostgreSQL primary ({self.args.pg_url}) does not answer: {e}")
        self.pg_major = version // 10000
        exists = self.psql(f"select 1 from pg_database where datname = '{name}'") == "1"
        if exists and self.args.fresh:
            say(f"dropping database {name} (--fresh)")
            self.psql(f'drop database "{name}" with (force)')
            exists = False
        if not exists:
            self.psql(f'create database "{name}"')
            say(f"created database {name} on the primary")
        else:
            say(f"using the existing database {name} (--fresh starts from an empty one)")
        self.database_url = self.pg_url(name)

    def pg_bindir(self) -> Path:
        candidate = Path(f"/usr/lib/postgresql/{self.pg_major}/bin")
        if (candidate / "pg_ctl").exists():
            return candidate
        res = run(["pg_config", "--bindir"], check=False)
        if res.returncode == 0 and (Path(res.stdout.strip()) / "pg_ctl").exists():
            return Path(res.stdout.strip())
        raise Failed(f"no PostgreSQL {self.pg_major} server binaries (pg_ctl) found")

    def allow_replication(self) -> None:
        """Add `host replication all 127.0.0.1/32 trust` to the primary's pg_hba.conf (once) and reload it."""
        line = "host replication all 127.0.0.1/32 trust"
        hba = Path(self.psql("show hba_file"))
        if not is_root():
            raise Failed(f"the primary refuses replication connections from 127.0.0.1: add `{line}` to {hba} "
                         "and reload it (needs root)")
        text = hba.read_text()
        if not any(l.split() == line.split() for l in text.splitlines()):
            with open(hba, "a") as f:
                f.write(("" if text.endswith("\n") else "\n")
                        + "# Added by JobDelegate's .ci/scale: its read replica streams from this server.\n"
                        + line + "\n")
            say(f"added `{line}` to {hba} (the machine's PostgreSQL had no replication line)")
        self.psql("select pg_reload_conf()")
        say("reloaded the primary's configuration")

    def make_replica(self) -> None:
        bindir = self.pg_bindir()
        root = self.state / "pg-replica"
        data, run_dir = root / "data", root / "run"
        root.mkdir()
        run_dir.mkdir()
        if is_root():
            shutil.chown(root, "postgres", "postgres")
            shutil.chown(run_dir, "postgres", "postgres")
        os.chmod(root, 0o700)
        port = free_port()
        say(f"making the read replica: pg_basebackup of the primary into {data}")
        base = as_postgres([str(bindir / "pg_basebackup"), "-d", self.pg_url("postgres"), "-D", str(data),
                            "-R", "-X", "stream", "-c", "fast", "--no-sync"])
        res = run(base, check=False, timeout=300)
        if res.returncode != 0 and "replication connection" in res.stderr and "pg_hba.conf" in res.stderr:
            shutil.rmtree(data, ignore_errors=True)
            self.allow_replication()
            res = run(base, check=False, timeout=300)
        if res.returncode != 0:
            raise Failed(f"pg_basebackup failed:\n{res.stderr.strip()}")
        max_conn = max(100, int(self.psql("show max_connections") or 100))
        # Debian keeps postgresql.conf and pg_hba.conf in /etc: the copy has neither, so the replica gets its own.
        (data / "postgresql.conf").write_text(
            "# The read replica of JobDelegate's .ci/scale layout (a hot standby of the primary).\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {port}\n"
            f"unix_socket_directories = '{run_dir}'\n"
            f"max_connections = {max_conn}\n"
            "hot_standby = on\n"
            "shared_buffers = 32MB\n"
            "timezone = 'UTC'\n"
            "log_timezone = 'UTC'\n"
            "datestyle = 'iso, mdy'\n"
            "cluster_name = 'jd-scale-replica'\n")
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\nhost replication all 127.0.0.1/32 trust\n")
        (data / "pg_ident.conf").write_text("")
        if is_root():
            for f in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
                shutil.chown(data / f, "postgres", "postgres")
        log = self.state / "logs" / "pg-replica.log"
        log.touch()
        if is_root():
            shutil.chown(log, "postgres", "postgres")
        self.replica_ctl = {
            "start": as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60",
                                  "start"]),
            "stop": as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"]),
            "stop_immediate": as_postgres([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                                           "stop"]),
        }
        self.cleanups.append(("the read replica", self.stop_replica))
        res = run(self.replica_ctl["start"], check=False, timeout=90)
        if res.returncode != 0:
            raise Failed(f"the read replica did not start:\n{res.stdout.strip()}{tail(log)}")
        self.replica_port, self.replica_data = port, data
        self.write_replica_pid()
        wait_for("the read replica in recovery",
                 lambda: self.psql("select pg_is_in_recovery()", port=port, check=False) == "t", 30)
        self.database_read_url = self.pg_url(self.args.database, port)
        say(f"read replica streaming on 127.0.0.1:{port} (PostgreSQL {self.pg_major}, {bindir})")

    def write_replica_pid(self) -> None:
        """pids/pg-replica: the replica's postmaster while it runs (absent while it is stopped)."""
        pid_file = self.state / "pids" / "pg-replica"
        try:
            pid = (self.replica_data / "postmaster.pid").read_text().split()[0]
        except (OSError, IndexError):
            pid_file.unlink(missing_ok=True)
            return
        if not pid_file.exists() or pid_file.read_text().strip() != pid:
            pid_file.write_text(pid + "\n")

    def stop_replica(self) -> None:
        data = getattr(self, "replica_data", None) or self.state / "pg-replica" / "data"
        if (data / "postmaster.pid").exists():
            run(self.replica_ctl["stop_immediate"], check=False, timeout=60)
            say("stopped the read replica")

    # -- S3 and SMTP ----------------------------------------------------------------------------------------------

    def start_moto(self) -> None:
        port = free_port()
        p = self.spawn("moto", [str(VENV / "bin" / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                       dict(os.environ), restart=True)
        wait_for("moto (S3)", lambda: port_open(port) or self.dead(p), 60, on_fail=lambda: tail(p.log))
        self.check_alive(p)
        self.s3_endpoint = f"http://127.0.0.1:{port}"
        self.s3_bucket = f"jd-scale-{secrets.token_hex(4)}"
        # Made here rather than by each process at start, where five would race to create it. moto takes unsigned
        # requests.
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("PUT", f"/{self.s3_bucket}")
        res = conn.getresponse()
        res.read()
        conn.close()
        if res.status != 200:
            raise Failed(f"moto did not create the bucket: {res.status}")

    def start_smtp(self) -> None:
        port = free_port()
        maildir = self.state / "maildir"
        p = self.spawn("smtp", [str(VENV / "bin" / "python"), "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                                "-c", "aiosmtpd.handlers.Mailbox", str(maildir)], dict(os.environ), restart=True)
        wait_for("aiosmtpd (SMTP)", lambda: port_open(port) or self.dead(p), 60, on_fail=lambda: tail(p.log))
        self.check_alive(p)
        self.smtp_port, self.maildir = port, maildir

    # -- the product ----------------------------------------------------------------------------------------------

    def site(self) -> tuple[Path | None, dict]:
        """Where the site files are, and the LEPTOS_* settings cargo-leptos would give the release binary."""
        candidates = []
        if os.environ.get("LEPTOS_SITE_ROOT"):
            candidates.append(Path(os.environ["LEPTOS_SITE_ROOT"]))
        candidates += [REPO / "target" / "site", self.server_bin.parent.parent / "site"]
        if os.environ.get("CARGO_TARGET_DIR"):
            candidates.append(Path(os.environ["CARGO_TARGET_DIR"]) / "site")
        root = next((c.resolve() for c in candidates if (c / "pkg").is_dir()), None)
        env = {"LEPTOS_OUTPUT_NAME": "jobdelegate", "LEPTOS_SITE_PKG_DIR": "pkg", "LEPTOS_ENV": "PROD"}
        if root:
            env["LEPTOS_SITE_ROOT"] = str(root)
        # `hash-files`: cargo-leptos writes the assets' hashes beside the binary, and says so to the server.
        if (self.server_bin.parent / "hash.txt").exists():
            env["LEPTOS_HASH_FILES"] = "true"
            env["LEPTOS_HASH_FILE_NAME"] = "hash.txt"
        return root, env

    def product_env(self) -> dict:
        self.https_port, self.http_port = free_port(), free_port()
        self.origin = f"https://127.0.0.1:{self.https_port}"
        while True:
            k = secrets.token_bytes(32)
            if 0 < int.from_bytes(k, "big") < P256_ORDER:
                break
        site_root, leptos = self.site()
        if site_root is None:
            say("warning: no site files (target/site/pkg) found: pages are served without their scripts and styles "
                "(build with .ci/scale, without --no-build)")
        self.site_root = site_root
        env = {
            "DATABASE_URL": self.database_url,
            "DATABASE_READ_URL": self.database_read_url,
            "REDIS_URL": self.redis_url,
            "REDIS_PREFIX": self.redis_prefix,
            "PUBLIC_ORIGIN": self.origin,
            "TRUST_PROXY": "true",
            "SESSION_SECRET": base64.b64encode(secrets.token_bytes(64)).decode(),
            "VAPID_PRIVATE_KEY": base64.urlsafe_b64encode(k).decode().rstrip("="),
            "S3_BUCKET": self.s3_bucket,
            "S3_ENDPOINT": self.s3_endpoint,
            "S3_PATH_STYLE": "true",
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": "jd-scale",
            "S3_SECRET_ACCESS_KEY": "jd-scale-secret",
            "SMTP_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            # A killed worker's job runs again after three missed heartbeats: 6 s rather than 30.
            "QUEUE_HEARTBEAT_SECS": "2",
            **leptos,
        }
        for kv in self.args.env:
            if "=" not in kv:
                raise Failed(f"--env {kv}: expected KEY=VALUE")
            key, value = kv.split("=", 1)
            env[key] = value
        return env

    def base_env(self) -> dict:
        """What the processes inherit from us: PATH and the like, none of the product's own settings."""
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "USER", "LOGNAME", "TMPDIR", "RUST_BACKTRACE", "RUST_LOG",
                "SSL_CERT_FILE", "SSL_CERT_DIR")
        return {k: v for k, v in os.environ.items() if k in keep}

    def process_env(self, name: str, extra: dict) -> dict:
        data = self.state / "data" / name
        data.mkdir(exist_ok=True)
        # NO_COLOR: plain logs (no terminal escapes) in <state>/logs.
        return {**self.base_env(), "NO_COLOR": "1", **self.env, "DATA_DIR": str(data), "REPLICA_NAME": name,
                **extra}

    def migrate(self) -> None:
        log = self.state / "logs" / "migrate.log"
        env = self.process_env("migrate", {})
        with open(log, "wb") as f:
            res = subprocess.run([str(self.server_bin), "migrate"], env=env, stdout=f, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, timeout=300, cwd=self.state)
        if res.returncode != 0:
            raise Failed(f"server migrate failed:{tail(log)}")
        say("database migrated")

    def start_product(self) -> None:
        self.replicas = {}
        for i in range(1, self.args.replicas + 1):
            name, port = f"replica-{i}", free_port()
            env = self.process_env(name, {"BIND_ADDR": f"127.0.0.1:{port}"})
            self.spawn(name, [str(self.server_bin), "serve", "--no-workers"], env)
            self.replicas[name] = f"http://127.0.0.1:{port}"
        self.workers = []
        for i in range(1, self.args.workers + 1):
            name = f"worker-{i}"
            self.spawn(name, [str(self.server_bin), "worker"], self.process_env(name, {}))
            self.workers.append(name)

    def start_nginx(self) -> None:
        prefix = self.state / "nginx"
        upstreams = "\n        ".join(
            f"server {url.removeprefix('http://')} max_fails=1 fail_timeout=2s;" for url in self.replicas.values())
        values = {
            "__PREFIX__": str(prefix), "__BIND__": "127.0.0.1", "__LISTEN_PORT__": str(self.https_port),
            "__HTTP_PORT__": str(self.http_port), "__SERVER_NAME__": "127.0.0.1 localhost",
            "__PUBLIC_ORIGIN__": self.origin, "__CERT__": str(self.cert), "__KEY__": str(self.key),
            "__UPSTREAMS__": upstreams,
            # Worker processes drop root for www-data; without root the line would only draw a warning.
            "__USER__": "www-data" if _account("www-data") else "nobody",
        }
        lines = []
        for line in NGINX_TEMPLATE.read_text().splitlines():
            if not line.lstrip().startswith("#"):  # the comments keep naming the placeholders
                if line.strip() == "user __USER__;" and not is_root():
                    line = "# user: not started as root, the workers run as the account that started nginx"
                for key, value in values.items():
                    line = line.replace(key, value)
                left = re.findall(r"__[A-Z_]+__", line)
                if left:
                    raise Failed(f"{NGINX_TEMPLATE}: unknown placeholder {left[0]}")
            lines.append(line)
        text = "\n".join(lines) + "\n"
        conf = prefix / "nginx.conf"
        conf.write_text(text)
        argv = ["nginx", "-e", str(prefix / "logs" / "error.log"), "-p", str(prefix), "-c", str(conf)]
        res = run(argv + ["-t"], check=False)
        if res.returncode != 0:
            raise Failed(f"nginx -t refused {conf}:\n{res.stderr.strip()}")
        self.nginx_conf = conf
        # Stopped with SIGTERM (fast: open event streams would hold a graceful SIGQUIT for their hour).
        p = self.spawn("nginx", argv + ["-g", "daemon off;"], dict(os.environ))
        wait_for("nginx", lambda: port_open(self.https_port) or self.dead(p), 30,
                 on_fail=lambda: tail(prefix / "logs" / "error.log"))
        self.check_alive(p)

    # -- processes ------------------------------------------------------------------------------------------------

    def spawn(self, name: str, argv: list[str], env: dict, restart: bool = True) -> Proc:
        p = Proc(self, name, argv, env, restart=restart)
        p.start()
        self.procs.append(p)
        return p

    def dead(self, p: Proc) -> bool:
        return not p.alive()

    def check_alive(self, p: Proc) -> None:
        if not p.alive():
            raise Failed(f"{p.name} exited at start:{tail(p.log)}")

    def wait_ready(self) -> None:
        deadline = time.monotonic() + self.args.ready_timeout
        for name, url in self.replicas.items():
            p = next(p for p in self.procs if p.name == name)
            while http_get(url + "/healthz")[0] != 200:
                if not p.alive() and p.starts >= 3:
                    raise Failed(f"{name} keeps exiting:{tail(p.log)}")
                if time.monotonic() > deadline:
                    raise Failed(f"{name} does not answer /healthz:{tail(p.log)}")
                self.supervise_once()
                time.sleep(0.2)
        last = None
        while True:
            status, body = http_get(self.origin + "/readyz", ca=str(self.cert))
            if status == 200:
                return
            last = (status, body)
            if time.monotonic() > deadline:
                raise Failed(f"/readyz through nginx is not 200 after {self.args.ready_timeout} s: {last}")
            self.supervise_once()
            time.sleep(0.3)

    def supervise_once(self) -> None:
        for p in self.procs:
            p.supervise()

    # -- describing it --------------------------------------------------------------------------------------------

    def setup_token(self) -> str | None:
        for name in self.replicas:
            f = self.state / "data" / name / "setup-token"
            if f.exists():
                return f.read_text().strip()
        return None

    def write_layout(self) -> None:
        procs = {p.name: {"pid_file": str(p.pid_file), "log": str(p.log), "argv": p.argv,
                          "data_dir": p.env.get("DATA_DIR")} for p in self.procs}
        self.info = {
            "proxy_url": self.origin,
            "http_redirect_url": f"http://127.0.0.1:{self.http_port}",
            "replicas": {name: {"url": url, "pid_file": str(self.state / "pids" / name)}
                         for name, url in self.replicas.items()},
            "workers": self.workers,
            "database": self.args.database,
            "database_url": self.database_url,
            "database_read_url": self.database_read_url,
            "pg_admin_url": self.pg_url("postgres"),
            "pg_major": self.pg_major,
            "pg_replica": {"port": self.replica_port, "data_dir": str(self.replica_data),
                           "pid_file": str(self.state / "pids" / "pg-replica"),
                           "start": self.replica_ctl["start"], "stop": self.replica_ctl["stop"]},
            "redis_url": self.redis_url,
            "redis_prefix": self.redis_prefix,
            "s3_endpoint": self.s3_endpoint,
            "s3_bucket": self.s3_bucket,
            "smtp_port": self.smtp_port,
            "maildir": str(self.maildir),
            "ca_cert": str(self.cert),
            "tls_key": str(self.key),
            "nginx_conf": str(self.nginx_conf),
            "nginx_access_log": str(self.state / "nginx" / "logs" / "access.log"),
            "state_dir": str(self.state),
            "pids_dir": str(self.state / "pids"),
            "hold_dir": str(self.state / "hold"),
            "logs_dir": str(self.state / "logs"),
            "server_bin": str(self.server_bin),
            "site_root": str(self.site_root) if self.site_root else None,
            "setup_token": self.setup_token(),
            "launcher_pid": os.getpid(),
            "env": self.env,
            "processes": procs,
        }
        path = self.state / "layout.json"
        tmp = path.with_suffix(".tmp")
        # It holds the session secret: readable by its owner only.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.info, f, indent=2)
        tmp.replace(path)

    def banner(self) -> None:
        token = self.info.get("setup_token")
        lines = [
            "",
            "JobDelegate runs as the production layout:",
            f"  open       {self.origin}/",
            f"             (self-signed certificate {self.cert}: the browser warns once; trust it or click through)",
        ]
        if token:
            lines.append(f"  first run  open {self.origin}/setup with the setup token {token}")
        lines += [
            f"  replicas   " + ", ".join(f"{n} {u}" for n, u in self.replicas.items()),
            f"  workers    " + ", ".join(self.workers),
            f"  database   {self.database_url} (primary), {self.database_read_url} (read replica)",
            f"  Redis      {self.redis_url} keys under {self.redis_prefix}",
            f"  S3 (moto)  {self.s3_endpoint} bucket {self.s3_bucket}",
            f"  SMTP       127.0.0.1:{self.smtp_port}, mail delivered into {self.maildir}",
            f"  state      {self.state} (layout.json, logs/, pids/)",
            "",
            "Stop with Ctrl-C (or kill -TERM %d): everything above stops%s." % (
                os.getpid(), "" if self.args.keep else f" and {self.state} is removed (--keep keeps it)"),
        ]
        print("\n".join(lines), flush=True)

    # -- start, supervise, stop -----------------------------------------------------------------------------------

    def start(self) -> None:
        self.make_state()
        say(f"state in {self.state}")
        self.check_tools()
        self.make_certificate()
        self.check_redis()
        self.make_database()
        self.make_replica()
        self.start_moto()
        self.start_smtp()
        self.env = self.product_env()
        self.migrate()
        self.start_product()
        self.start_nginx()
        say(f"waiting for {self.origin}/readyz")
        self.wait_ready()
        self.write_layout()
        self.banner()

    def supervise(self) -> None:
        while True:
            self.supervise_once()
            if getattr(self, "replica_data", None):
                self.write_replica_pid()
            time.sleep(0.2)

    def stop(self) -> None:
        # nginx first (no new requests), then the product, then what it uses.
        order = ["nginx"] + [p.name for p in self.procs if p.name.startswith("replica-")] \
            + [p.name for p in self.procs if p.name.startswith("worker-")]
        by_name = {p.name: p for p in self.procs}
        first = [by_name[n] for n in order if n in by_name]
        rest = [p for p in self.procs if p not in first]
        for group in (first[:1], first[1:], rest):
            for p in group:
                p.signal()
            for p in group:
                p.wait_or_kill()
        if self.procs:
            say("stopped " + ", ".join(p.name for p in self.procs))
        for what, fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # keep cleaning up
                say(f"could not clean up {what}: {e}")
        if self.created_state and not self.args.keep:
            shutil.rmtree(self.state, ignore_errors=True)
            say(f"removed {self.state}")
        elif self.created_state:
            say(f"kept {self.state}")


def _account(name: str) -> bool:
    try:
        import pwd
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Start JobDelegate's production layout on loopback (nginx with TLS, replicas, workers, "
                    "PostgreSQL primary and read replica, Redis, S3, SMTP); Ctrl-C stops it.")
    ap.add_argument("--state", help="folder for everything the layout writes (default: a new temporary folder)")
    ap.add_argument("--keep", action="store_true", help="keep the state folder on exit")
    ap.add_argument("--database", default="jobdelegate_scale", help="database on the primary (default %(default)s)")
    ap.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra setting for every replica and worker (repeatable), e.g. EMAIL_BATCH_SECS=1")
    ap.add_argument("--replicas", type=int, default=3, help="`server serve --no-workers` processes (default 3)")
    ap.add_argument("--workers", type=int, default=2, help="`server worker` processes (default 2)")
    ap.add_argument("--pg-url", default=os.environ.get("SCALE_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
                    help="the primary, as a superuser that may create databases (default %(default)s)")
    ap.add_argument("--redis-url", default=os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/0"),
                    help="the Redis to use (default %(default)s); keys under a prefix of their own, deleted on exit")
    ap.add_argument("--ready-timeout", type=float, default=180, help="seconds to wait for /readyz (default 180)")
    ap.add_argument("--no-build", action="store_true", help="(read by .ci/scale) do not build first")
    args = ap.parse_args()
    if args.replicas < 1 or args.workers < 1:
        ap.error("at least one replica and one worker")

    def stop_signal(signum, _frame):
        raise Stop(signal.Signals(signum).name)

    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, stop_signal)

    layout = Layout(args)
    code = 0
    try:
        layout.start()
        layout.supervise()
    except Stop as e:
        say(f"{e}: stopping")
    except Failed as e:
        print(f"[scale] failed: {e}", file=sys.stderr, flush=True)
        code = 1
    except Exception as e:
        import traceback
        traceback.print_exc()
        print(f"[scale] failed: {e}", file=sys.stderr, flush=True)
        code = 1
    finally:
        # A second Ctrl-C while stopping does not leave things half stopped.
        for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(s, lambda *_: say("stopping already; please wait"))
        layout.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
