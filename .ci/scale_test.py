#!/usr/bin/env python3
"""The production layout, proven (issue 18). Standard library only; run with `.ci/tools/venv/bin/python
.ci/scale_test.py` after the release build (`.ci/scale` builds it; this runs `.ci/scale --no-build`).

It starts the layout of `.ci/scale` on a database of its own, runs the scenarios below against it, prints the figures,
and stops everything and drops the database whatever happens. Bounded: it gives up after --timeout seconds (default
300), then still cleans up. Exit code 1 when any check failed (each failure is printed with what was seen).

1. A client signs in through the proxy; the session works on every replica (each replica's /metrics shows it served
   some of the requests; each replica called directly with the same cookie answers signed in).
2. An employee's event stream open on replica A receives an assignment, and a delegation to them, made through
   replica B (and C).
3. A rate limit of N per minute (the REST API's sign-in and refresh limit) allows N in total across the replicas.
4. 200 concurrent delegations through the proxy, with `kill -9` of a replica and of a worker mid-way: every 2xx is in
   the database exactly once, no job is assigned twice; the supervisor restarts both. (The emails are checked last.)
5. A PostgreSQL restart under load: the service answers again within 10 s, no replica restarted.
6. Analytics read from the replica lag while its replay is paused, match the primary once it catches up; with the
   replica stopped they come from the primary and /readyz says so; every replica reports the same /readyz.
7. Throughput of authenticated reads through the proxy with 1 replica up (the other two stopped) and with 3.
8. Every notification that wanted an email was delivered exactly once (digests counted by their "N updates:").

Needs what `.ci/scale` needs: PostgreSQL on 127.0.0.1:5432 (user postgres, trust; it is restarted once, as root, with
pg_ctlcluster), Redis on 127.0.0.1:6379, and the release build (SERVER_BIN to use another binary).
"""

from __future__ import annotations

import argparse
import email
import email.policy
import email.utils
import http.client
import json
import mailbox
import os
import re
import secrets
import shutil
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "scale test password 18"
N_LIMIT = 5  # API_AUTH_RATE_PER_MINUTE of the run
CLIENTS = 10
EMPLOYEES = 5
LOAD_THREADS = 200
LOAD_PER_THREAD = 3


class TimedOut(Exception):
    pass


class Fatal(Exception):
    """A step that the following ones need did not work."""


def log(msg: str) -> None:
    print(f"[scale-test {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------------------------------
# Checks and figures
# ---------------------------------------------------------------------------------------------------------------------

class Report:
    def __init__(self):
        self.passed: list[str] = []
        self.failed: list[str] = []
        self.notes: list[str] = []
        self.figures: dict[str, str] = {}

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed.append(name)
            log(f"PASS {name}" + (f" ({detail})" if detail else ""))
        else:
            self.failed.append(f"{name}: {detail}")
            log(f"FAIL {name}: {detail}")
        return ok

    def note(self, text: str) -> None:
        self.notes.append(text)
        log(f"note: {text}")

    def figure(self, name: str, value: str) -> None:
        self.figures[name] = value
        log(f"figure: {name}: {value}")


R = Report()


# ---------------------------------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------------------------------

class Resp:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes, took: float):
        self.status, self.headers, self.body, self.took = status, headers, body, took

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body or b"null")

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400

    def __repr__(self) -> str:
        return f"{self.status} {self.body[:300]!r}"


class Conn:
    """One keep-alive connection to one origin (http, or https verified against the layout's certificate)."""

    def __init__(self, base: str, ca: str | None = None, timeout: float = 30):
        u = urllib.parse.urlsplit(base)
        self.scheme, self.host, self.port = u.scheme, u.hostname, u.port
        self.ctx = ssl.create_default_context(cafile=ca) if self.scheme == "https" else None
        self.timeout = timeout
        self.c: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self.c:
            self.c.close()
        self.c = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Resp:
        for attempt in (0, 1):
            fresh = self.c is None
            if fresh:
                if self.scheme == "https":
                    self.c = http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.ctx)
                else:
                    self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            start = time.monotonic()
            try:
                self.c.request(method, path, body=body, headers=headers or {})
                r = self.c.getresponse()
                data = r.read()
                res = Resp(r.status, r.getheaders(), data, time.monotonic() - start)
                if (r.getheader("connection") or "").lower() == "close":
                    self.close()
                return res
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                self.close()
                # A kept-alive connection the other end had closed: a GET is safe to send again, a POST is not.
                if attempt == 0 and not fresh and method in ("GET", "HEAD"):
                    continue
                raise
            except Exception:
                self.close()
                raise
        raise AssertionError("unreachable")


def form(fields) -> bytes:
    return urllib.parse.urlencode(fields).encode()


class Browser:
    """A dashboard user: a cookie jar and server-function calls as the site's own pages make them."""

    def __init__(self, lay: "Layout", base: str | None = None):
        self.lay = lay
        self.base = base or lay.proxy
        self.cookies: dict[str, str] = {}
        self.conns: dict[str, Conn] = {}

    def conn(self, base: str) -> Conn:
        if base not in self.conns:
            self.conns[base] = Conn(base, ca=self.lay.ca)
        return self.conns[base]

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def keep_cookies(self, res: Resp) -> None:
        for sc in res.all("set-cookie"):
            pair, _, attrs = sc.partition(";")
            name, _, value = pair.strip().partition("=")
            a = attrs.lower().replace(" ", "")
            if "max-age=0" in a or value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value

    def rpc(self, name: str, fields=(), base: str | None = None) -> Resp:
        base = base or self.base
        headers = {"Origin": self.lay.origin, "Accept": "application/json",
                   "Content-Type": "application/x-www-form-urlencoded"}
        if self.cookies:
            headers["Cookie"] = self.cookie_header()
        res = self.conn(base).request("POST", f"/rpc/{name}", form(fields), headers)
        self.keep_cookies(res)
        return res

    def rpc_ok(self, name: str, fields=(), base: str | None = None):
        res = self.rpc(name, fields, base)
        if not res.ok:
            raise Fatal(f"/rpc/{name} via {base or self.base}: {res}")
        return res.json() if res.body and res.body.strip()[:1] in (b"{", b"[", b"n", b"t", b"f") else None


def api(conn: Conn, method: str, path: str, token: str | None = None, body=None, xff: str | None = None) -> Resp:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body is not None:
        headers["Content-Type"] = "application/json"
    if xff:
        headers["X-Forwarded-For"] = xff
    return conn.request(method, "/api/v1" + path, json.dumps(body).encode() if body is not None else None, headers)


class Stream:
    """An open Server-Sent Events stream, read by a thread; events arrive in `events`."""

    def __init__(self, base: str, cookie: str):
        u = urllib.parse.urlsplit(base)
        self.c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
        self.c.request("GET", "/events", headers={"Cookie": cookie, "Accept": "text/event-stream"})
        self.res = self.c.getresponse()
        self.events: list[tuple[float, str, str]] = []
        self.cond = threading.Condition()
        if self.res.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        buf = b""
        try:
            while True:
                chunk = self.res.read1(4096)
                if not chunk:
                    return
                buf += chunk.replace(b"\r\n", b"\n")
                while b"\n\n" in buf:
                    block, buf = buf.split(b"\n\n", 1)
                    name, data = "message", ""
                    for line in block.decode(errors="replace").split("\n"):
                        if line.startswith("event:"):
                            name = line[6:].strip()
                        elif line.startswith("data:"):
                            data = line[5:].strip()
                    if block.strip() and not block.startswith(b":"):
                        with self.cond:
                            self.events.append((time.monotonic(), name, data))
                            self.cond.notify_all()
        except Exception:
            return

    def wait(self, name: str, after: int, timeout: float) -> tuple[float, str, str] | None:
        """The first event called `name` among those after the first `after` ones."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for e in self.events[after:]:
                    if e[1] == name:
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def close(self) -> None:
        try:
            self.c.sock.shutdown(2)
        except Exception:
            pass
        self.c.close()


# ---------------------------------------------------------------------------------------------------------------------
# The layout under test
# ---------------------------------------------------------------------------------------------------------------------

class Layout:
    def __init__(self, info: dict):
        self.info = info
        self.proxy = info["proxy_url"]
        self.origin = info["env"]["PUBLIC_ORIGIN"]
        self.ca = info["ca_cert"]
        self.replicas: dict[str, str] = {n: r["url"] for n, r in info["replicas"].items()}
        self.state = Path(info["state_dir"])

    def pid(self, name: str) -> int | None:
        try:
            return int((self.state / "pids" / name).read_text().strip())
        except (OSError, ValueError):
            return None

    def alive(self, pid: int | None) -> bool:
        if not pid:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        # A zombie is not alive.
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
        except OSError:
            return False

    def sql(self, query: str, url: str | None = None):
        """Rows of `query` on the primary (or `url`), as dicts."""
        wrapped = f"select coalesce(json_agg(t), '[]'::json) from ({query}) t"
        res = subprocess.run(["psql", url or self.info["database_url"], "-X", "-v", "ON_ERROR_STOP=1", "-Atc",
                              wrapped], capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise Fatal(f"psql: {res.stderr.strip()}")
        return json.loads(res.stdout)

    def sql_exec(self, statement: str, url: str) -> str:
        res = subprocess.run(["psql", url, "-X", "-v", "ON_ERROR_STOP=1", "-Atc", statement], capture_output=True,
                             text=True, timeout=60)
        if res.returncode != 0:
            raise Fatal(f"psql: {res.stderr.strip()}")
        return res.stdout.strip()

    def readyz(self, base: str) -> tuple[int | None, dict | None]:
        try:
            res = Conn(base, ca=self.ca, timeout=5).request("GET", "/readyz")
            return res.status, json.loads(res.body)
        except Exception as e:
            return None, {"error": str(e)}

    def metrics(self, name: str) -> list[tuple[str, dict, float]]:
        res = Conn(self.replicas[name], timeout=10).request("GET", "/metrics")
        if res.status != 200:
            raise Fatal(f"{name} /metrics: {res}")
        out = []
        for line in res.body.decode().splitlines():
            m = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)", line)
            if not m or line.startswith("#"):
                continue
            labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(2) or ""))
            try:
                out.append((m.group(1), labels, float(m.group(3))))
            except ValueError:
                pass
        return out


def wait_until(what: str, check, timeout: float, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        v = check()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Fatal(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


# ---------------------------------------------------------------------------------------------------------------------
# The scenarios
# ---------------------------------------------------------------------------------------------------------------------

class Run:
    def __init__(self, lay: Layout):
        self.lay = lay
        self.tag = secrets.token_hex(3)
        self.names = list(lay.replicas)
        self.xff_n = 0
        self.delegated_ok: dict[str, str] = {}  # job URL -> job id, every 2xx delegation of the run
        self.delegated_failed: list[str] = []  # job URLs of non-2xx delegations
        self.lock = threading.Lock()

    def xff(self) -> str:
        """A client address of its own (only a replica called directly believes it: one proxy hop is trusted)."""
        self.xff_n += 1
        return f"10.18.{self.xff_n // 250}.{self.xff_n % 250 + 1}"

    def url(self, what: str) -> str:
        return f"https://jobs.scale-test.example/{self.tag}/{what}"

    # -- setup ----------------------------------------------------------------------------------------------------

    def setup(self) -> None:
        lay = self.lay
        token = lay.info.get("setup_token")
        if not token:
            raise Fatal("layout.json has no setup token: is the database fresh?")
        self.admin = Browser(lay)
        self.admin.rpc_ok("setup", [("setup_token", token), ("email", "admin@scale-test.example"),
                                    ("password", PASSWORD), ("first_name", "Ada"), ("last_name", "Admin")])
        me = self.admin.rpc_ok("me")
        if not me or me.get("email") != "admin@scale-test.example":
            raise Fatal(f"the super admin is not signed in after setup: {me}")
        log("super admin set up through the proxy")
        self.employees = [f"employee{i}@scale-test.example" for i in range(EMPLOYEES)]
        for i, e in enumerate(self.employees):
            self.admin.rpc_ok("admin/create_user", [("role", "employee"), ("email", e), ("password", PASSWORD),
                                                    ("first_name", f"Emp{i}"), ("last_name", "Loyee")])
        self.clients = [f"client{i}@scale-test.example" for i in range(CLIENTS)]
        for i, c in enumerate(self.clients):
            Browser(lay).rpc_ok("signup", [("email", c), ("password", PASSWORD), ("first_name", f"Cli{i}"),
                                           ("last_name", "Ent")])
        ids = lay.sql("select u.email, c.id from clients c join users u on u.id = c.user_id")
        self.client_id = {r["email"]: r["id"] for r in ids}
        ids = lay.sql("select u.email, e.id from employees e join users u on u.id = e.user_id")
        self.employee_id = {r["email"]: r["id"] for r in ids}
        for c in self.clients:
            self.admin.rpc_ok("admin/client_activation", [("client_id", self.client_id[c]), ("activate", "true"),
                                                          ("payment_status", "active"), ("subscription_notes", "")])
        # Client i is served by employee i % EMPLOYEES; the last client waits (scenario 2 assigns them).
        self.serves = {c: self.employees[i % EMPLOYEES] for i, c in enumerate(self.clients[:-1])}
        for c, e in self.serves.items():
            self.admin.rpc_ok("admin/assign", [("client_id", self.client_id[c]), ("employee_id", self.employee_id[e])])
        # API tokens, signed in on the replicas directly, each from an address of its own (the sign-in limit is tiny).
        self.tokens = {}
        for i, c in enumerate(self.clients):
            conn = Conn(lay.replicas[self.names[i % len(self.names)]])
            res = api(conn, "POST", "/auth/login", body={"email": c, "password": PASSWORD,
                                                         "client_name": "scale test"}, xff=self.xff())
            if res.status != 200:
                raise Fatal(f"API sign-in of {c}: {res}")
            self.tokens[c] = res.json()["access_token"]
        log(f"{EMPLOYEES} employees and {CLIENTS} activated clients created, {len(self.serves)} assigned")

    # -- 1 --------------------------------------------------------------------------------------------------------

    def me_counts(self) -> dict[str, float]:
        """Per replica, how many `/rpc/me` requests its /metrics counts; notes series not labelled with its name."""
        out = {}
        for name in self.names:
            total = 0.0
            for metric, labels, value in self.lay.metrics(name):
                if labels.get("replica") != name:
                    self.unlabelled.add(f"{name}: {metric}")
                if metric == "http_requests_total" and labels.get("route") == "/rpc/me":
                    total += value
            out[name] = total
        return out

    def sessions(self) -> None:
        lay = self.lay
        client = self.clients[0]
        b = Browser(lay)
        res = b.rpc("login", [("email", client), ("password", PASSWORD)])
        R.check("1. a client signs in through the proxy", res.ok and any(k.startswith("__Host-") for k in b.cookies),
                f"{res.status}, cookies {list(b.cookies)}")
        cookie = next((c for c in res.all("set-cookie") if c.startswith("__Host-")), "")
        attrs = {a.strip().split("=")[0].lower() for a in cookie.split(";")[1:]}
        R.check("1. the session cookie is __Host-, Secure, HttpOnly, Path=/", {"secure", "httponly", "path"} <= attrs
                and "domain" not in attrs and "path=/" in cookie.lower().replace(" ", ""), cookie.split(";", 1)[-1])
        hsts = res.all("strict-transport-security")
        R.check("1. HSTS through the proxy, once", len(hsts) == 1 and "max-age=" in hsts[0], json.dumps(hsts))
        res = Conn(lay.info["http_redirect_url"]).request("GET", "/client?x=1")
        R.check("1. plain http redirects to the https origin", res.status == 301
                and res.header("location") == lay.origin + "/client?x=1", f"{res.status} {res.header('location')}")
        res = Conn(lay.proxy, ca=lay.ca).request("GET", "/metrics")
        R.check("1. /metrics is not served through the proxy", res.status in (403, 404), f"{res.status}")
        self.unlabelled: set[str] = set()
        before = self.me_counts()
        answers = []
        for _ in range(4 * len(self.names)):
            res = b.rpc("me")
            answers.append(res.status == 200 and (res.json() or {}).get("email") == client)
        after = self.me_counts()
        served = {n: int(after[n] - before[n]) for n in self.names}
        R.check("1. every request through the proxy answers signed in", all(answers),
                f"{answers.count(False)} of {len(answers)} not signed in")
        R.check("1. every replica served some of them (their /metrics)", all(v > 0 for v in served.values()),
                f"/rpc/me served per replica: {served}")
        R.figure("requests per replica through the proxy (/rpc/me)", json.dumps(served))
        R.check("1. every series of each replica's /metrics carries replica=\"<its REPLICA_NAME>\"",
                not self.unlabelled, ", ".join(sorted(self.unlabelled)[:5]) or "all labelled")
        for name, base in lay.replicas.items():
            res = b.rpc("me", base=base)
            ok = res.status == 200 and (res.json() or {}).get("email") == client
            R.check(f"1. {name} called directly with the same cookie answers signed in", ok,
                    f"{res.status} {(res.json() or {}).get('email') if res.status == 200 else res.body[:200]!r}")
        self.client_browser = b
        self.upload(b)

    def upload(self, b: "Browser") -> None:
        """A resume near the 10 MB limit through the proxy (nginx buffers the body in its temporary folder), into
        S3, and back byte for byte through the proxy (most likely from another replica)."""
        lay = self.lay
        pdf = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
        pdf += b"% scale test padding padding padding pad\n" * ((9_500_000 - len(pdf)) // 41)
        pdf += b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
        boundary = "scale" + secrets.token_hex(8)
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nScale resume\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"resume.pdf\"\r\n"
                f"Content-Type: application/pdf\r\n\r\n").encode() + pdf + f"\r\n--{boundary}--\r\n".encode()
        headers = {"Origin": lay.origin, "Cookie": b.cookie_header(), "Accept": "application/json",
                   "Content-Type": f"multipart/form-data; boundary={boundary}"}
        res = Conn(lay.proxy, ca=lay.ca, timeout=120).request("POST", "/files/resumes", body, headers)
        if not R.check(f"1. a {len(pdf) / 1e6:.1f} MB resume uploads through the proxy", res.status == 201,
                       f"{res.status} in {res.took:.1f} s" + ("" if res.status == 201 else f": {res.body[:300]!r}")):
            return
        rid = res.json()["id"]
        got = Conn(lay.proxy, ca=lay.ca, timeout=120).request(
            "GET", f"/files/resumes/{rid}", headers={"Cookie": b.cookie_header()})
        R.check("1. it comes back byte for byte through the proxy", got.status == 200 and got.body == pdf,
                f"{got.status}, {len(got.body)} bytes")
        listing = Conn(lay.info["s3_endpoint"]).request("GET", f"/{lay.info['s3_bucket']}?list-type=2")
        R.check("1. it is stored in the S3 bucket", listing.status == 200 and b"<Key>" in listing.body,
                f"{listing.status}, {listing.body.count(b'<Key>')} object(s)")

    # -- 2 --------------------------------------------------------------------------------------------------------

    def live_events(self) -> None:
        lay = self.lay
        a, b, c = self.names[0], self.names[1 % len(self.names)], self.names[2 % len(self.names)]
        employee = self.employees[0]
        waiting = self.clients[-1]
        # A job waiting for an assistant, so that the assignment hands it over.
        res = api(Conn(lay.proxy, ca=lay.ca), "POST", "/jobs", self.tokens[waiting],
                  {"job_url": self.url("waiting"), "company_name": "Waiting Co", "job_title": "Waits"})
        if res.status != 201:
            raise Fatal(f"delegating a waiting job: {res}")
        self.delegated_ok[self.url("waiting")] = res.json()["id"]
        eb = Browser(lay)
        eb.rpc_ok("login", [("email", employee), ("password", PASSWORD)])
        self.employee_browser = eb
        stream = Stream(lay.replicas[a], eb.cookie_header())
        try:
            if not R.check(f"2. the employee's event stream opens on {a}", stream.res.status == 200,
                           f"{stream.res.status} {stream.res.read(300) if stream.res.status != 200 else ''}"):
                return
            ready = stream.wait("ready", 0, 10)
            R.check("2. the stream says it is ready", ready is not None, "ready" if ready else "no ready event")
            seen = len(stream.events)
            t = time.monotonic()
            self.admin.rpc_ok("admin/assign", [("client_id", self.client_id[waiting]),
                                               ("employee_id", self.employee_id[employee])], base=lay.replicas[b])
            self.serves[waiting] = employee
            got = stream.wait("refresh", seen, 10)
            R.check(f"2. an assignment made through {b} reaches the stream on {a}", got is not None,
                    "no refresh event within 10 s" if got is None else f"after {1000 * (got[0] - t):.0f} ms")
            if got:
                R.figure(f"event latency, assignment on {b} -> stream on {a}", f"{1000 * (got[0] - t):.0f} ms")
            seen = len(stream.events)
            t = time.monotonic()
            res = api(Conn(lay.replicas[c]), "POST", "/jobs", self.tokens[waiting],
                      {"job_url": self.url("live"), "company_name": "Live Co", "job_title": "Streams"},
                      xff=self.xff())
            if res.status == 201:
                self.delegated_ok[self.url("live")] = res.json()["id"]
            got = stream.wait("refresh", seen, 10)
            R.check(f"2. a delegation to them made through {c} reaches the stream on {a}",
                    res.status == 201 and got is not None,
                    f"delegation {res.status}; " + ("no refresh event within 10 s" if got is None
                                                    else f"after {1000 * (got[0] - t):.0f} ms"))
            assigned = lay.sql(f"select assigned_employee_id from job_delegations where job_url in "
                               f"('{self.url('waiting')}', '{self.url('live')}')")
            R.check("2. both jobs went to that employee",
                    len(assigned) == 2 and all(r["assigned_employee_id"] == self.employee_id[employee]
                                               for r in assigned), json.dumps(assigned))
        finally:
            stream.close()

    # -- 3 --------------------------------------------------------------------------------------------------------

    def rate_limit(self) -> None:
        lay = self.lay
        # The shared counts use windows aligned to the minute: start early in one so that all 3N fall in it.
        sec = time.time() % 60
        if sec > 45:
            log(f"waiting {61 - sec:.0f} s for a fresh rate-limit minute")
            time.sleep(61 - sec)
        who = self.xff()
        results = []
        conns = {n: Conn(u) for n, u in lay.replicas.items()}
        for i in range(3 * N_LIMIT):
            name = self.names[i % len(self.names)]
            res = api(conns[name], "POST", "/auth/refresh", body={"refresh_token": f"not-a-token-{i}"}, xff=who)
            results.append((name, res.status, res.header("retry-after")))
        allowed = [r for r in results if r[1] != 429]
        limited = [r for r in results if r[1] == 429]
        R.figure(f"rate limit {N_LIMIT}/min, {3 * N_LIMIT} sign-in calls over {len(self.names)} replicas",
                 f"{len(allowed)} allowed, {len(limited)} refused with 429")
        R.check(f"3. a limit of {N_LIMIT} per minute allows {N_LIMIT} in total across the replicas, not "
                f"{N_LIMIT * len(self.names)}", len(allowed) == N_LIMIT,
                f"{len(allowed)} allowed: " + ", ".join(f"{n}:{s}" for n, s, _ in results))
        R.check("3. every refusal has Retry-After", bool(limited) and all(r[2] and r[2].isdigit() for r in limited),
                json.dumps(limited))
        R.check("3. the allowed calls came first, the refusals after",
                [r[1] != 429 for r in results] == [True] * len(allowed) + [False] * len(limited),
                ", ".join(f"{n}:{s}" for n, s, _ in results))
        # The proxy's own client address is what counts through it (X-Forwarded-For written by a caller is not).
        res = api(Conn(lay.proxy, ca=lay.ca), "POST", "/auth/refresh", body={"refresh_token": "x"}, xff=who)
        R.check("3. through the proxy a caller cannot borrow another address's count", res.status != 429,
                f"{res.status} for a caller sending X-Forwarded-For: {who}")

    # -- load -----------------------------------------------------------------------------------------------------

    def delegate_load(self, label: str, threads: int, per_thread: int, during=None, until: threading.Event | None =
                      None) -> dict:
        """`threads` threads delegating through the proxy, each `per_thread` jobs (or until `until` is set);
        `during(done_count)` is called by a watcher as responses come in."""
        lay = self.lay
        results: list[tuple[float, float, int, str]] = []  # (start, took, status, url)
        start_line = threading.Barrier(threads + 1)
        clients = [c for c in self.clients if c in self.serves]

        def worker(i: int) -> None:
            conn = Conn(lay.proxy, ca=lay.ca, timeout=60)
            client = clients[i % len(clients)]
            start_line.wait()
            n = 0
            while (until is None and n < per_thread) or (until is not None and not until.is_set()):
                url = self.url(f"{label}/{i}/{n}")
                n += 1
                t0 = time.monotonic()
                try:
                    res = api(conn, "POST", "/jobs", self.tokens[client],
                              {"job_url": url, "company_name": f"Load {label}", "job_title": f"Job {i}.{n}"})
                    status = res.status
                    job = res.json().get("id") if status == 201 else None
                except Exception:
                    status, job = 0, None
                took = time.monotonic() - t0
                with self.lock:
                    results.append((t0, took, status, url))
                    if 200 <= status < 300 and job:
                        self.delegated_ok[url] = job
                    else:
                        self.delegated_failed.append(url)

        ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
        for t in ts:
            t.start()
        start_line.wait()
        began = time.monotonic()
        while any(t.is_alive() for t in ts):
            if during:
                with self.lock:
                    n = len(results)
                during(n)
            time.sleep(0.02)
        wall = time.monotonic() - began
        ok = [r for r in results if 200 <= r[2] < 300]
        statuses: dict[int, int] = {}
        for r in results:
            statuses[r[2]] = statuses.get(r[2], 0) + 1
        return {"results": results, "ok": ok, "wall": wall, "statuses": statuses, "began": began}

    # -- 4 --------------------------------------------------------------------------------------------------------

    def kill(self, name: str) -> tuple[int | None, float]:
        pid = self.lay.pid(name)
        if pid and self.lay.alive(pid):
            os.kill(pid, signal.SIGKILL)
        return pid, time.monotonic()

    def kills(self) -> None:
        lay = self.lay
        total = LOAD_THREADS * LOAD_PER_THREAD
        victim_r, victim_w = self.names[1 % len(self.names)], lay.info["workers"][0]
        killed: dict[str, tuple[int | None, float]] = {}

        def during(done: int) -> None:
            if not killed and done >= total // 3:
                self.killed_after = done
                killed[victim_r] = self.kill(victim_r)
                killed[victim_w] = self.kill(victim_w)
                log(f"kill -9 {victim_r} (pid {killed[victim_r][0]}) and {victim_w} (pid {killed[victim_w][0]}) "
                    f"after {done} of {total} responses")

        run = self.delegate_load("kills", LOAD_THREADS, LOAD_PER_THREAD, during=during)
        ok, wall = run["ok"], run["wall"]
        R.figure("200 concurrent delegations with kill -9 of a replica and a worker",
                 f"{len(ok)} of {len(run['results'])} answered 2xx in {wall:.1f} s = {len(ok) / wall:.0f}/s; "
                 f"statuses {json.dumps(run['statuses'])}")
        lat = [r[1] * 1000 for r in run["results"]]
        ok_lat = [r[1] * 1000 for r in ok]
        if killed:
            t_kill = killed[victim_r][1]
            around = [r[1] * 1000 for r in run["results"] if r[0] <= t_kill + 5 and r[0] + r[1] >= t_kill - 1]
            R.figure("latency during the kills (requests in flight from 1 s before to 5 s after)",
                     f"p50 {pct(around, 50):.0f} ms, p99 {pct(around, 99):.0f} ms, max {max(around or [0]):.0f} ms "
                     f"over {len(around)} requests")
        R.figure("latency over the whole burst", f"p50 {pct(lat, 50):.0f} ms, p99 {pct(lat, 99):.0f} ms "
                 f"(2xx only: p99 {pct(ok_lat, 99):.0f} ms)")
        R.check("4. the kills happened mid-way", bool(killed),
                f"after {self.killed_after} of {total} responses" if killed else "the burst ended before a third")
        R.check("4. most delegations succeeded despite the kills", len(ok) >= 0.8 * total,
                f"{len(ok)} of {total}")
        # The supervisor starts both again.
        for name, (old, _t) in killed.items():
            try:
                new = wait_until(f"{name} restarted", lambda: (p := lay.pid(name)) != old and lay.alive(p) and p, 15)
                R.check(f"4. the supervisor restarted {name}", True, f"pid {old} -> {new}")
            except Fatal as e:
                R.check(f"4. the supervisor restarted {name}", False, str(e))
        base = lay.replicas[victim_r]
        try:
            wait_until(f"{victim_r} answers again",
                       lambda: _try(lambda: Conn(base, timeout=3).request("GET", "/healthz").status == 200), 30)
        except Fatal as e:
            R.check(f"4. {victim_r} answers after its restart", False, str(e))
        self.check_written_once("4.", "kills")
        # The emails the killed worker was sending or about to send: each exactly once, after its restart.
        self.check_emails("4.", "after the kills")

    def check_written_once(self, prefix: str, label: str) -> None:
        """The delegations of one phase (`label`): each 2xx written once, each job assigned once."""
        lay = self.lay
        pattern = self.url(label) + "/%"
        rows = lay.sql(f"select job_url, count(*) as n from job_delegations where job_url like '{pattern}' "
                       "group by job_url")
        counts = {r["job_url"]: r["n"] for r in rows}
        mine = self.url(label) + "/"
        with self.lock:
            ok = [u for u in self.delegated_ok if u.startswith(mine)]
            failed = [u for u in self.delegated_failed if u.startswith(mine)]
        missing = [u for u in ok if counts.get(u, 0) == 0]
        twice = [u for u, n in counts.items() if n > 1]
        R.check(f"{prefix} every delegation answered 2xx is in the database", not missing,
                f"{len(ok) - len(missing)} of {len(ok)} found" + (f", missing e.g. {missing[:3]}" if missing else ""))
        R.check(f"{prefix} none is there twice", not twice,
                f"{len(counts)} distinct jobs" + (f", twice e.g. {twice[:3]}" if twice else ""))
        written_anyway = [u for u in failed if counts.get(u, 0) > 0]
        if failed:
            R.note(f"{prefix} {len(failed)} delegations got no 2xx; {len(written_anyway)} of them were written anyway "
                   "(committed, then the answer was lost)")
        rows = lay.sql(
            f"select j.id, j.assigned_employee_id, "
            f"(select count(*) from activity_logs a where a.entity_id = j.id "
            f"  and a.action_type in ('job.assign', 'job.reassign')) as assigns, "
            f"(select count(*) from notifications n where n.notification_type = 'job_assigned' "
            f"  and n.metadata->>'link' = '/employee?job=' || j.id::text) as told "
            f"from job_delegations j where j.job_url like '{pattern}'")
        bad = [r for r in rows if r["assigned_employee_id"] is None or r["assigns"] != 1 or r["told"] != 1]
        R.check(f"{prefix} every job is assigned exactly once (one job.assign entry, one assignment notification)",
                not bad, f"{len(rows) - len(bad)} of {len(rows)} jobs" + (f", wrong e.g. {bad[:3]}" if bad else ""))

    # -- 5 --------------------------------------------------------------------------------------------------------

    def pg_restart(self) -> None:
        lay = self.lay
        pids = {n: lay.pid(n) for n in self.names}
        wpids = {n: lay.pid(n) for n in lay.info["workers"]}
        stop = threading.Event()
        probes: list[tuple[float, float, bool, int]] = []
        token = self.tokens[self.clients[0]]
        db_seen: list[tuple[float, bool]] = []  # (when, PostgreSQL accepts connections)

        def db_watch() -> None:
            while not stop.is_set():
                db_seen.append((time.monotonic(), pg_up(timeout=1)))
                time.sleep(0.1)

        def prober() -> None:
            conn = Conn(lay.proxy, ca=lay.ca, timeout=5)
            while not stop.is_set():
                t = time.monotonic()
                try:
                    res = api(conn, "GET", "/me", token)
                    ok, status = res.status == 200, res.status
                except Exception:
                    ok, status = False, 0
                # (sent, answered, ok, status): a request sent while the database was down may wait for it
                probes.append((t, time.monotonic(), ok, status))
                time.sleep(0.05)

        def restart() -> None:
            time.sleep(2)
            self.t_restart = time.monotonic()
            res = subprocess.run(["pg_ctlcluster", str(lay.info["pg_major"]), "main", "restart", "-m", "fast"],
                                 capture_output=True, text=True, timeout=120)
            self.t_restarted = time.monotonic()
            self.restart_result = res
            time.sleep(8)
            stop.set()

        self.t_restart = self.t_restarted = None
        self.restart_result = None
        threads = [threading.Thread(target=f, daemon=True) for f in (prober, db_watch, restart)]
        for t in threads:
            t.start()
        run = self.delegate_load("pg", LOAD_THREADS, 0, until=stop)
        for t in threads:
            t.join(30)
        res = self.restart_result
        if not R.check("5. pg_ctlcluster restart -m fast", res is not None and res.returncode == 0,
                       (res.stderr.strip() if res else "did not run")):
            return
        # Recovery, as a visitor sees it: from the moment PostgreSQL stopped accepting connections to the answer of
        # the first request sent after that (and after the last failed one) that succeeded. A request sent while the
        # database was down may wait for it (the pools wait up to 5 s for a connection) rather than fail.
        t_down = next((t for t, up in db_seen if t >= self.t_restart and not up), None)
        t_up = next((t for t, up in db_seen if t_down and t > t_down and up), None)
        if t_down is None:
            R.note("PostgreSQL was never seen down by pg_isready (polled every 0.1 s): recovery measured from the "
                   "restart's start")
        start = t_down or self.t_restart
        wall = lambda t: time.strftime("%H:%M:%S", time.localtime(time.time() - time.monotonic() + t)) + \
            f"{(time.time() - time.monotonic() + t) % 1:.3f}"[1:]
        log(f"PostgreSQL restart: begun {wall(self.t_restart)}, down {wall(t_down) if t_down else '?'}, accepting "
            f"again {wall(t_up) if t_up else '?'}, pg_ctlcluster returned {wall(self.t_restarted)}")
        fails = [p for p in probes if p[1] >= start and not p[2]]
        last_fail = max((p[1] for p in fails), default=start)
        back = next((p[1] for p in probes if p[0] >= start and p[0] >= last_fail and p[2]), None)
        recovery = (back - start) if back else None
        waited = max((p[1] - p[0] for p in probes if p[1] >= start), default=0)
        R.figure("recovery after the database restart",
                 (f"the service answered again {recovery:.2f} s after PostgreSQL went down (PostgreSQL accepted "
                  f"connections again after {(t_up - start) if t_up else float('nan'):.2f} s; pg_ctlcluster took "
                  f"{self.t_restarted - self.t_restart:.1f} s); {len(fails)} probe(s) failed (statuses "
                  f"{sorted(set(p[3] for p in fails))}), the longest wait for an answer was {waited:.2f} s")
                 if recovery is not None else "never answered again")
        R.check("5. the service answers again within 10 s of the restart", recovery is not None and recovery <= 10,
                f"{recovery:.2f} s" if recovery is not None else "no answer")
        ready = lay.readyz(lay.proxy)
        R.check("5. /readyz through the proxy is 200 afterwards", ready[0] == 200, json.dumps(ready[1]))
        now_pids = {n: lay.pid(n) for n in self.names}
        R.check("5. no replica was restarted", now_pids == pids and all(lay.alive(p) for p in now_pids.values()),
                f"before {pids}, after {now_pids}")
        now_w = {n: lay.pid(n) for n in lay.info["workers"]}
        if now_w != wpids:
            R.note(f"workers restarted across the database restart: {wpids} -> {now_w}")
        ok, wall = run["ok"], run["wall"]
        R.figure("delegations during the database restart",
                 f"{len(ok)} of {len(run['results'])} 2xx in {wall:.1f} s; statuses {json.dumps(run['statuses'])}")
        self.check_written_once("5.", "pg")
        # The replicas' LISTEN connections were cut by the restart: live events must cross replicas again.
        a, c = self.names[0], self.names[-1]
        stream = Stream(lay.replicas[a], self.employee_browser.cookie_header())
        try:
            got = None
            if stream.res.status == 200 and stream.wait("ready", 0, 10):
                seen = len(stream.events)
                res = api(Conn(lay.replicas[c]), "POST", "/jobs", self.tokens[self.clients[-1]],
                          {"job_url": self.url("live-after-restart"), "company_name": "Live Co",
                           "job_title": "After"}, xff=self.xff())
                if res.status == 201:
                    self.delegated_ok[self.url("live-after-restart")] = res.json()["id"]
                got = stream.wait("refresh", seen, 10)
            R.check(f"5. after the restart, a delegation through {c} still reaches a stream on {a}", got is not None,
                    f"stream {stream.res.status}; " + ("refresh received" if got else "no refresh within 10 s"))
        finally:
            stream.close()

    # -- 6 --------------------------------------------------------------------------------------------------------

    def analytics(self) -> dict | None:
        res = self.admin.rpc("analytics/admin", [("from", ""), ("to", "")])
        if res.status != 200:
            log(f"analytics/admin: {res}")
            return None
        return res.json()

    def primary_figures(self, url: str | None = None) -> dict:
        rows = self.lay.sql("select status, count(*) as n from job_delegations "
                            "where delegated_at >= (now() at time zone 'utc')::date - 29 group by status", url)
        return {r["status"]: r["n"] for r in rows}

    def replica(self) -> None:
        lay = self.lay
        pg = lay.info["pg_replica"]
        replica_url = lay.info["database_read_url"]
        views = {n: lay.readyz(u) for n, u in lay.replicas.items()}
        R.check("6. /readyz of every replica: read_replica ok",
                all(v[1] and v[1].get("read_replica") == "ok" for v in views.values()),
                json.dumps({n: v[1] and v[1].get("read_replica") for n, v in views.items()}))
        self.same_view(views, "with the read replica up")
        # Pause the replica's replay: what it serves lags; a new delegation shows on the primary only.
        lay.sql_exec("select pg_wal_replay_pause()", replica_url)
        try:
            # Pausing takes effect at the next WAL record (the workers' heartbeats write some every 2 s).
            try:
                wait_until("replay paused", lambda: lay.sql_exec("select pg_get_wal_replay_pause_state()",
                                                                 replica_url) == "paused", 10, 0.1)
            except Fatal as e:
                R.note(f"{e}: the lag check below may not hold")
            before = self.analytics()
            for i in range(3):
                res = api(Conn(lay.proxy, ca=lay.ca), "POST", "/jobs", self.tokens[self.clients[1]],
                          {"job_url": self.url(f"lag/{i}"), "company_name": "Lag Co", "job_title": "Lags"})
                if res.status == 201:
                    self.delegated_ok[self.url(f"lag/{i}")] = res.json()["id"]
            primary = sum(self.primary_figures().values())
            lagging = self.analytics()
            R.check("6. analytics are read from the replica (they lag while its replay is paused)",
                    before is not None and lagging is not None
                    and lagging["figures"]["delegated"] == before["figures"]["delegated"]
                    and lagging["figures"]["delegated"] < primary,
                    f"before {before and before['figures']['delegated']}, with replay paused "
                    f"{lagging and lagging['figures']['delegated']}, primary {primary}")
        finally:
            lay.sql_exec("select pg_wal_replay_resume()", replica_url)
        t = time.monotonic()
        caught = None
        while time.monotonic() - t < 10:
            got = self.analytics()
            want = self.primary_figures()
            if got and got["figures"]["delegated"] == sum(want.values()) and \
                    {s["status"]: s["count"] for s in got["figures"]["by_status"] if s["count"]} == want:
                caught = time.monotonic() - t
                break
            time.sleep(0.3)
        R.check("6. analytics from the replica match the primary once it catches up", caught is not None,
                f"after {caught:.1f} s" if caught is not None else f"got {got and got['figures']}, primary {want}")
        # Replica stopped: analytics come from the primary; /readyz says so on every replica.
        res = subprocess.run(pg["stop"], capture_output=True, text=True, timeout=60)
        R.check("6. the read replica stops (pg_ctl stop -m fast)", res.returncode == 0, res.stderr.strip())
        try:
            t = time.monotonic()
            got = self.analytics()
            took = time.monotonic() - t
            want = self.primary_figures()
            R.check("6. with the replica stopped, analytics still answer, from the primary",
                    got is not None and got["figures"]["delegated"] == sum(want.values()),
                    f"in {took * 1000:.0f} ms: {got and got['figures']['delegated']} vs primary {sum(want.values())}")
            time.sleep(1.2)  # the replicas look at the read replica every half second
            views = {n: lay.readyz(u) for n, u in lay.replicas.items()}
            R.check('6. /readyz of every replica says "down: reading the primary"',
                    all(v[1] and v[1].get("read_replica") == "down: reading the primary" for v in views.values()),
                    json.dumps({n: v[1] and v[1].get("read_replica") for n, v in views.items()}))
            R.check("6. the replicas stay ready without the read replica", all(v[0] == 200 for v in views.values()),
                    json.dumps({n: v[0] for n, v in views.items()}))
            self.same_view(views, "with the read replica down")
        finally:
            res = subprocess.run(pg["start"], capture_output=True, text=True, timeout=90)
            if res.returncode != 0:
                R.note(f"the read replica did not start again: {res.stdout} {res.stderr}")
        try:
            wait_until("read replica ok again", lambda: all(
                (lay.readyz(u)[1] or {}).get("read_replica") == "ok" for u in lay.replicas.values()), 15, 0.5)
            R.check("6. the replicas use the read replica again once it is back", True)
        except Fatal as e:
            R.check("6. the replicas use the read replica again once it is back", False, str(e))

    def same_view(self, views: dict, when: str) -> None:
        stripped = {}
        for n, (status, body) in views.items():
            body = dict(body or {})
            served = body.pop("served_by", None)
            if served != n:
                R.check(f"6. /readyz of {n} names it (served_by)", False, f"served_by={served!r}")
            stripped[n] = (status, json.dumps(body, sort_keys=True))
        distinct = set(stripped.values())
        R.check(f"6. every replica reports the same /readyz {when} (apart from served_by)", len(distinct) == 1,
                json.dumps({n: v[1] for n, v in stripped.items()}))

    # -- 7 --------------------------------------------------------------------------------------------------------

    def read_load(self, requests: int, threads: int) -> tuple[float, list[float], dict]:
        lay = self.lay
        clients = list(self.tokens)
        left = [requests]
        lat: list[float] = []
        statuses: dict[int, int] = {}
        lock = threading.Lock()

        def worker(i: int) -> None:
            conn = Conn(lay.proxy, ca=lay.ca, timeout=30)
            token = self.tokens[clients[i % len(clients)]]
            while True:
                with lock:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                try:
                    res = api(conn, "GET", "/jobs", token)
                    s, took = res.status, res.took
                except Exception:
                    s, took = 0, 0.0
                with lock:
                    statuses[s] = statuses.get(s, 0) + 1
                    lat.append(took * 1000)

        ts = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(threads)]
        t0 = time.monotonic()
        for t in ts:
            t.start()
        for t in ts:
            t.join(120)
        return time.monotonic() - t0, lat, statuses

    def throughput(self) -> None:
        """Authenticated reads through the proxy: 3 replicas, then 1 (the other two stopped and held), then 3
        again; the ratio uses the mean of the two 3-replica runs (what the machine does meanwhile drifts)."""
        lay = self.lay
        others = self.names[1:]
        n, threads = 3000, 24
        hold = Path(lay.info["hold_dir"])
        self.read_load(200, threads)  # warm up connections and caches
        first_wall, first_lat, first_st = self.read_load(n, threads)
        for name in others:
            (hold / name).touch()
            pid = lay.pid(name)
            if pid:
                os.kill(pid, signal.SIGTERM)
        try:
            for name in others:
                wait_until(f"{name} stopped", lambda: not lay.alive(lay.pid(name)), 20)
            self.read_load(200, threads)  # the proxy finds the two replicas gone
            one_wall, one_lat, one_st = self.read_load(n, threads)
        finally:
            for name in others:
                (hold / name).unlink(missing_ok=True)
        for name in others:
            wait_until(f"{name} back", lambda: _try(lambda: Conn(lay.replicas[name], timeout=2)
                                                    .request("GET", "/healthz").status == 200), 30, 0.3)
        self.read_load(200, threads)
        again_wall, again_lat, again_st = self.read_load(n, threads)
        one = n / one_wall
        three_runs = (n / first_wall, n / again_wall)
        three = statistics.mean(three_runs)
        R.figure("throughput through the proxy, 1 replica (2 stopped)",
                 f"{one:.0f} requests/s (GET /api/v1/jobs as 10 clients, {threads} threads, {n} requests; p99 "
                 f"{pct(one_lat, 99):.0f} ms)")
        R.figure("throughput through the proxy, 3 replicas",
                 f"{three:.0f} requests/s (runs before and after: {three_runs[0]:.0f} and {three_runs[1]:.0f}; p99 "
                 f"{pct(first_lat + again_lat, 99):.0f} ms)")
        R.figure("ratio 3 replicas / 1 replica", f"{three / one:.2f} (everything shares this machine's "
                 f"{os.cpu_count()} cores: PostgreSQL, nginx, the replicas and this test's client; more replicas add "
                 "no CPU here, so this shows the proxy's and the replicas' overhead, not what more machines give)")
        R.check("7. every read answered 200 with 1 and with 3 replicas",
                set(one_st) == {200} and set(first_st) == {200} and set(again_st) == {200},
                f"1: {one_st}, 3: {first_st} and {again_st}")

    # -- 8 --------------------------------------------------------------------------------------------------------

    def emails(self) -> None:
        self.check_emails("8.", "since the start (the database restart included)")

    def check_emails(self, prefix: str, scope: str) -> None:
        """Every notification so far that wanted an email (all of them: nobody changed their preferences) was told in
        exactly one email: a digest "N updates: ..." tells N. A worker killed between a digest's send and its mark
        leaves the message recorded, and the next try sends that same message again: the same Message-ID with the
        same news is one message delivered twice (clients that de-duplicate by Message-ID show it once) and counts once; the same Message-ID
        with other news would be two emails."""
        lay = self.lay
        maildir = Path(lay.info["maildir"])
        t0 = time.monotonic()
        pending = None
        while time.monotonic() - t0 < 75:
            pending = lay.sql("select count(*) as n from notifications where email_pending")[0]["n"]
            if pending == 0:
                break
            time.sleep(1)
        R.check(f"{prefix} no notification is left waiting for its email", pending == 0,
                f"{pending} still email_pending after {time.monotonic() - t0:.0f} s")
        # Let the last messages land.
        last, stable = -1, 0
        while stable < 3 and time.monotonic() - t0 < 90:
            n = len(list((maildir / "new").glob("*"))) + len(list((maildir / "cur").glob("*")))
            stable = stable + 1 if n == last else 0
            last = n
            time.sleep(1)
        told: dict[str, int] = {}
        messages = 0
        sent: dict[str, list[tuple[float, str, set]]] = {}  # recipient -> (delivered at, subject, item titles)
        box = mailbox.Maildir(maildir, factory=None, create=False)
        seen: dict[str, tuple[str, str, str]] = {}  # Message-ID -> (recipient, subject, plain body)
        again, changed = 0, []
        for key, msg in box.iteritems():
            m = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
            subject = str(m["subject"] or "")
            if subject.startswith("Confirm your email address"):
                continue
            to = email.utils.parseaddr(str(m["to"]))[1].lower()
            body = m.get_body(preferencelist=("plain",))
            text = body.get_content() if body else ""
            mid = str(m["message-id"] or "").strip()
            if mid and mid in seen:
                if seen[mid] == (to, subject, text):
                    again += 1
                    continue
                changed.append(f"{mid} to {to}: {seen[mid][1][:40]!r} then {subject[:40]!r}")
            seen[mid] = (to, subject, text)
            mm = re.match(r"^(\d+) updates: ", subject)
            told[to] = told.get(to, 0) + (int(mm.group(1)) if mm else 1)
            messages += 1
            items = set(re.findall(r"^\* (.+)$", text, re.M)) or {subject}
            path = next((maildir / d / key for d in ("new", "cur") if (maildir / d / key).exists()), None)
            sent.setdefault(to, []).append((path.stat().st_mtime if path else 0, subject, items))
        rows = lay.sql("select lower(u.email) as email, count(*) as n from notifications n "
                       "join users u on u.id = n.user_id group by u.email")
        wanted = {r["email"]: r["n"] for r in rows}
        over = {e: (told.get(e, 0), wanted.get(e, 0)) for e in set(told) | set(wanted)
                if told.get(e, 0) > wanted.get(e, 0)}
        under = {e: (told.get(e, 0), wanted.get(e, 0)) for e in set(told) | set(wanted)
                 if told.get(e, 0) < wanted.get(e, 0)}
        R.figure(f"notification emails {scope}",
                 f"{messages} messages telling {sum(told.values())} notifications to "
                 f"{len(told)} people; the database holds {sum(wanted.values())} notifications; "
                 f"{again} delivered again as the same message after a kill")
        R.check(f"{prefix} a message sent again is the same message", not changed,
                "same Message-ID, other news: " + " | ".join(changed[:6]))
        overlaps = []
        for to in over:
            mails = sorted(sent.get(to, []))
            for i, (t1, s1, i1) in enumerate(mails):
                for t2, s2, i2 in mails[i + 1:]:
                    if i1 & i2:
                        at = time.strftime("%H:%M:%S", time.localtime(t1)) + f"{t1 % 1:.3f}"[1:]
                        overlaps.append(f"{to} at {at} {s1[:45]!r} and {t2 - t1:+.3f} s later {s2[:45]!r} "
                                        f"share {len(i1 & i2)} listed items")
        R.check(f"{prefix} no notification was emailed twice", not over,
                "emailed/notifications per person: " + json.dumps(over)
                + ("; digests telling the same news: " + " | ".join(overlaps[:6]) if overlaps else ""))
        R.check(f"{prefix} every notification was emailed", not under,
                "emailed/notifications per person: " + json.dumps(under))


def _try(fn):
    try:
        return fn()
    except Exception:
        return None


# ---------------------------------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------------------------------

def pg_up(timeout: int = 2) -> bool:
    res = subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-t", str(timeout)], capture_output=True)
    return res.returncode == 0


def ensure_pg_up(major: int | None) -> None:
    """The machine's PostgreSQL must be up when this ends, whatever happened."""
    if pg_up():
        return
    for _ in range(20):
        time.sleep(0.5)
        if pg_up():
            return
    ver = str(major or "")
    if not ver:
        ls = sorted(os.listdir("/usr/lib/postgresql")) if os.path.isdir("/usr/lib/postgresql") else []
        ver = ls[-1] if ls else "15"
    log(f"PostgreSQL is down: starting it again (pg_ctlcluster {ver} main start)")
    subprocess.run(["pg_ctlcluster", ver, "main", "start"], timeout=120)
    if not pg_up():
        R.check("the machine's PostgreSQL is up at the end", False, "pg_isready fails")


def server_log_problems(state: Path, limit: int = 40) -> list[str]:
    out = []
    for f in sorted((state / "logs").glob("*.log")):
        for line in f.read_text(errors="replace").splitlines():
            if re.search(r"\b(ERROR|panicked|WARN)\b", line):
                out.append(f"{f.name}: {line[:400]}")
    return out[-limit:]


def main() -> int:
    ap = argparse.ArgumentParser(
        description="Start .ci/scale's layout on a database of its own, prove issue 18's scenarios against it, print "
                    "the figures, stop it and drop the database.")
    ap.add_argument("--timeout", type=float, default=300, help="give up after this many seconds (default 300)")
    ap.add_argument("--keep", action="store_true", help="keep the layout's state folder (logs) afterwards")
    ap.add_argument("--skip", default="", help="scenarios not to run, e.g. 5,7 (comma-separated numbers)")
    args = ap.parse_args()

    def timed_out(*_):
        raise TimedOut(f"the test took longer than {args.timeout:.0f} s")

    def interrupted(signum, _frame):
        raise KeyboardInterrupt(signal.Signals(signum).name)

    signal.signal(signal.SIGALRM, timed_out)
    signal.signal(signal.SIGTERM, interrupted)
    signal.alarm(int(args.timeout))

    started = time.monotonic()
    database = f"jd_scale_test_{secrets.token_hex(4)}"
    tmp = Path(tempfile.mkdtemp(prefix="jd-scale-test-"))
    os.chmod(tmp, 0o711)  # the layout's PostgreSQL replica and nginx workers run as other accounts
    state = tmp / "layout"
    env_args = [
        f"API_AUTH_RATE_PER_MINUTE={N_LIMIT}",
        "API_RATE_PER_MINUTE=1000000",
        "RATE_SIGNUPS_PER_HOUR=0",
        "RATE_LOGINS_PER_MINUTE=0",
        "MFA_REQUIRED_ROLES=none",
        "EMAIL_BATCH_SECS=1",
        "SCHEDULE_EVERY_SECS=5",
        "QUEUE_HEARTBEAT_SECS=2",
    ]
    # SCALE_COMMAND: how to start the layout, e.g. `.ci/tools/venv/bin/python .ci/scale.py` to skip .ci/scale's
    # bootstrap when the tools are known to be there.
    launcher = os.environ.get("SCALE_COMMAND", "").split() or [str(REPO / ".ci" / "scale")]
    argv = [*launcher, "--no-build", "--state", str(state), "--database", database, "--fresh"]
    for e in env_args:
        argv += ["--env", e]
    if args.keep:
        argv.append("--keep")
    log(f"starting the layout: {' '.join(argv)}")
    layout_log = tmp / "scale.log"
    proc = subprocess.Popen(argv, stdout=open(layout_log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            cwd=REPO, start_new_session=True)
    info = None
    major = None
    code = 1
    try:
        t = time.monotonic()
        while not (state / "layout.json").exists():
            if proc.poll() is not None:
                raise Fatal(f".ci/scale exited ({proc.returncode}):\n{layout_log.read_text(errors='replace')[-4000:]}")
            if time.monotonic() - t > 200:
                raise Fatal(f".ci/scale not ready after 200 s:\n{layout_log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.3)
        info = json.loads((state / "layout.json").read_text())
        major = info.get("pg_major")
        log(f"layout ready in {time.monotonic() - t:.0f} s: {info['proxy_url']}")
        R.figure("layout start", f"{time.monotonic() - t:.0f} s to /readyz 200 through nginx")
        lay = Layout(info)
        run = Run(lay)
        run.setup()
        steps = [("1. sessions", run.sessions), ("2. live events", run.live_events), ("3. rate limit", run.rate_limit),
                 ("4. kills", run.kills), ("5. database restart", run.pg_restart), ("6. read replica", run.replica),
                 ("7. throughput", run.throughput), ("8. emails", run.emails)]
        skip = {x.strip() for x in args.skip.split(",") if x.strip()}
        for name, step in steps:
            if name.split(".")[0] in skip:
                R.note(f"scenario {name} skipped (--skip)")
                continue
            log(f"---- {name} ({time.monotonic() - started:.0f} s in)")
            try:
                step()
            except (Fatal, OSError, http.client.HTTPException, KeyError, ValueError, TypeError) as e:
                if not isinstance(e, Fatal):
                    import traceback
                    traceback.print_exc()
                R.check(f"{name} ran to its end", False, repr(e) if not isinstance(e, Fatal) else str(e))
        code = 0 if not R.failed else 1
    except TimedOut as e:
        R.check("finished in time", False, str(e))
    except KeyboardInterrupt as e:
        R.check("not interrupted", False, f"interrupted ({e})")
    except Fatal as e:
        R.check("the layout and its accounts could be set up", False, str(e))
    except Exception as e:
        import traceback
        traceback.print_exc()
        R.check("no unexpected error", False, repr(e))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            ensure_pg_up(major)
            problems = server_log_problems(state) if state.exists() else []
            if R.failed and problems:
                log("warnings and errors in the layout's logs (last ones):\n  " + "\n  ".join(problems))
            if proc.poll() is None:
                log("stopping the layout (SIGTERM to .ci/scale)")
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    log("the layout did not stop within 60 s: killing it")
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(10)
                    if info:
                        subprocess.run(info["pg_replica"]["stop"], capture_output=True, timeout=60)
            tail = layout_log.read_text(errors="replace").splitlines()[-12:] if layout_log.exists() else []
            log("layout's last lines:\n  " + "\n  ".join(tail))
            res = subprocess.run(["psql", "postgres://postgres@127.0.0.1:5432/postgres", "-X", "-Atc",
                                  f'drop database if exists "{database}" with (force)'], capture_output=True,
                                 text=True, timeout=60)
            if res.returncode != 0:
                R.note(f"could not drop {database}: {res.stderr.strip()}")
            if args.keep:
                log(f"kept {tmp}")
            else:
                shutil.rmtree(tmp, ignore_errors=True)
        except Exception as e:
            R.check("clean up", False, repr(e))
        print()
        print("=" * 100)
        print(f"Scaled layout (issue 18): {len(R.passed)} checks passed, {len(R.failed)} failed, "
              f"in {time.monotonic() - started:.0f} s")
        if R.figures:
            print("Figures:")
            for k, v in R.figures.items():
                print(f"  - {k}: {v}")
        if R.notes:
            print("Notes:")
            for n in R.notes:
                print(f"  - {n}")
        if R.failed:
            print("Failed:")
            for f in R.failed:
                print(f"  - {f}")
        print("=" * 100, flush=True)
    return 1 if R.failed else code


if __name__ == "__main__":
    sys.exit(main())
