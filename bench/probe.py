#!/usr/bin/env python3
"""Hostile-input and concurrency probe for Broadsheet (issue 12).

Starts the given `broadsheet` binary on 127.0.0.1 over a fresh SQLite file and
prints figures for: hostile Markdown bodies, parallel saves (with and without
readers), saves across SIGKILLs, image bombs, and session revocation. Every
phase is bounded in time; all traffic goes to 127.0.0.1 only. Standard library
only, so it runs wherever Python 3 does.

    bench/probe.sh            # builds the release binary, then runs this
    python3 bench/probe.py target/release/broadsheet [--seconds 15]
"""

import argparse
import http.client
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

PASSWORD = "probe passphrase, long enough"
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """One `broadsheet serve` process over a SQLite file in a temp folder."""

    def __init__(self, binary, folder):
        self.binary = binary
        self.folder = folder
        self.port = free_port()
        self.db_url = f"sqlite://{folder}/probe.db"
        self.proc = None

    @property
    def origin(self):
        return f"http://{HOST}:{self.port}"

    def cli(self, *args, stdin=None):
        return subprocess.run(
            [self.binary, *args, "--database-url", self.db_url],
            input=stdin, capture_output=True, text=True, timeout=120, check=True,
        )

    def start(self):
        log = open(os.path.join(self.folder, "server.log"), "a")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--bind", f"{HOST}:{self.port}",
             "--database-url", self.db_url, "--base-url", self.origin,
             "--session-key", "p" * 64],
            stdout=log, stderr=log,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if request(self, "GET", "/healthz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("the server did not start; see server.log")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()

    def peak_rss_mb(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return float("nan")


def request(server, method, path, body=None, headers=None, timeout=120):
    conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


def cookies_from(headers, jar):
    for name, value in headers:
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            if val:
                jar[key] = val
            else:
                jar.pop(key, None)


class Editor:
    """A signed-in browser: its cookies, and forms with their CSRF token."""

    def __init__(self, server, email):
        self.server = server
        self.email = email
        self.jar = {}

    def headers(self, extra=None):
        h = {"Origin": self.server.origin}
        if self.jar:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        h.update(extra or {})
        return h

    def get(self, path):
        status, headers, body = request(self.server, "GET", path, headers=self.headers())
        cookies_from(headers, self.jar)
        return status, body.decode("utf-8", "replace")

    def csrf(self, path="/admin/articles/new"):
        status, page = self.get(path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page)
        return found.group(1) if found else ""

    def sign_in(self):
        token = self.csrf("/admin/login")
        body = urlencode({"csrf_token": token, "email": self.email,
                          "password": PASSWORD, "next": "/admin"})
        status, headers, _ = request(
            self.server, "POST", "/admin/login", body=body,
            headers=self.headers({"Content-Type": "application/x-www-form-urlencoded"}))
        cookies_from(headers, self.jar)
        if status != 303:
            raise SystemExit(f"sign-in of {self.email} answered {status}")
        return self

    def post_form(self, path, fields, token=None):
        fields = dict(fields, csrf_token=token or self.csrf())
        body = urlencode(fields)
        status, headers, data = request(
            self.server, "POST", path, body=body,
            headers=self.headers({"Content-Type": "application/x-www-form-urlencoded"}))
        cookies_from(headers, self.jar)
        return status, dict((k.lower(), v) for k, v in headers), data

    def post_article(self, path, fields, image=None, token=None):
        fields = dict(fields, csrf_token=token or self.csrf())
        body, content_type = multipart(fields, image)
        status, headers, data = request(
            self.server, "POST", path, body=body,
            headers=self.headers({"Content-Type": content_type}))
        cookies_from(headers, self.jar)
        return status, dict((k.lower(), v) for k, v in headers), data


def urlencode(fields):
    from urllib.parse import urlencode as enc
    return enc(fields)


def multipart(fields, image):
    boundary = "----probe-boundary-91c2"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                     .encode() + str(value).encode() + b"\r\n")
    if image:
        filename, content_type, data = image
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="image"; '
                     f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
                     + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def article(headline, body="The harbour board met.", action="save", version="", **extra):
    fields = {
        "headline": headline, "slug": "", "standfirst": "A probe article.",
        "takeaways": "", "tags": "Probe", "body": body, "status": "draft",
        "publish_at": "", "version": version, "action": action, "alt": "Probe image",
    }
    fields.update(extra)
    return fields


def run_parallel(count, work):
    results = [None] * count

    def one(i):
        try:
            results[i] = work(i)
        except Exception as e:  # a dropped connection is a result too
            results[i] = e

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def status_of(result):
    return result[0] if isinstance(result, tuple) else type(result).__name__


# --- phases -----------------------------------------------------------------

def hostile_markdown(server, editor, contributor):
    print("\n## Hostile Markdown bodies (refused before rendering; target < 100 ms)")
    bodies = {
        "'- ' x 20,000": "- " * 20_000 + "x",
        "'1. ' x 66,000": "1. " * 66_000 + "x",
        "'>' x 100,000": ">" * 100_000 + "x",
        "<ul><li> x 20,000": "<ul><li>" * 20_000,
        "'*a ' x 5,000 + 'a*' x 5,000": "*a " * 5_000 + "x" + "a*" * 5_000,
        "'[' x 100,000": "[" * 100_000,
        "table 100 columns x 90 rows (accepted)": ("|" + "a|" * 100 + "\n|" + "-|" * 100 + "\n"
                                                   + ("|" + "b|" * 100 + "\n") * 90),
        "table 1,000 columns x 100 rows": ("|" + "a|" * 1000 + "\n|" + "-|" * 1000 + "\n"
                                           + ("|" + "b|" * 1000 + "\n") * 100),
        "'`' runs 1..400": " ".join("`" * n for n in range(1, 400)),
        "'<a' x 50,000": "<a " * 50_000,
        "40 levels (the limit), 190 KB": ("".join(f"{'  ' * d}- level {d}\n" for d in range(40))
                                          + "Filler text for the rest of the body. " * 4_700),
    }
    print(f"{'body':40} {'who':12} {'status':>6} {'ms':>8}")
    for name, body in bodies.items():
        body = body[:199_000]
        for who, action in ((editor, "publish"), (contributor, "preview")):
            token = who.csrf()
            started = time.perf_counter()
            status, _, page = who.post_article(
                "/admin/articles", article(f"Hostile {name} {action}", body, action), token=token)
            ms = (time.perf_counter() - started) * 1000
            label = "editor save" if who is editor else "contrib prev"
            note = ""
            if status == 422 and b"levels deep" in page:
                note = "refused: nesting"
            elif status == 422 and b"elements" in page:
                note = "refused: too many elements"
            print(f"{name:40} {label:12} {status:>6} {ms:>8.1f} {note}")
    # A concurrent reader while the worst accepted body is read.
    started = time.perf_counter()
    status = request(server, "GET", "/")[0]
    print(f"front page meanwhile: {status} in {(time.perf_counter() - started) * 1000:.1f} ms")


def parallel_saves(server, editors, rounds=5):
    print(f"\n## Parallel saves: {len(editors)} at once x {rounds} rounds (target: 0 x 500)")
    tokens = [e.csrf() for e in editors]
    errors = 0
    conflicts = 0
    for r in range(rounds):
        results = run_parallel(len(editors), lambda i: editors[i].post_article(
            "/admin/articles", article(f"Round {r} save {i}", action="publish"), token=tokens[i]))
        statuses = [status_of(x) for x in results]
        errors += sum(1 for s in statuses if s != 303)
        conflicts += statuses.count(409)
    print(f"saves: {len(editors) * rounds}, not 303: {errors} (of which 409: {conflicts})")
    # Everyone saves over the same version: one wins, the rest get the conflict page.
    status, headers, _ = editors[0].post_article("/admin/articles", article("Contested story"), token=tokens[0])
    target = headers["location"].rsplit("/", 2)[-2]
    results = run_parallel(len(editors), lambda i: editors[i].post_article(
        f"/admin/articles/{target}", article("Contested story", f"Version by editor {i}", version="1"),
        token=tokens[i]))
    statuses = [status_of(x) for x in results]
    print(f"same-version race: 303 x {statuses.count(303)}, 409 x {statuses.count(409)}, "
          f"other x {len(statuses) - statuses.count(303) - statuses.count(409)}")


def writers_under_readers(server, writers, seconds, readers=256):
    print(f"\n## {len(writers)} writers under {readers} concurrent readers for {seconds:.0f} s (target: 0 x 500)")
    stop = time.time() + seconds
    counts = {"read": 0, "read_err": 0, "save": 0, "save_err": 0}
    lock = threading.Lock()
    paths = ["/", "/feed.xml", "/sitemap.xml", "/sections/city"]

    def reader(i):
        conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
        n = 0
        while time.time() < stop:
            try:
                conn.request("GET", paths[(i + n) % len(paths)])
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == 200
            except Exception:
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(HOST, server.port, timeout=30)
            n += 1
            with lock:
                counts["read" if ok else "read_err"] += 1

    def writer(i):
        editor = writers[i]
        token = editor.csrf()
        n = 0
        while time.time() < stop:
            status = status_of(_safe(lambda: editor.post_article(
                "/admin/articles", article(f"Writer {i} story {n}", action="publish"), token=token)))
            n += 1
            with lock:
                counts["save" if status == 303 else "save_err"] += 1

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    threads += [threading.Thread(target=writer, args=(i,)) for i in range(len(writers))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"reads: {counts['read']} ok, {counts['read_err']} failed; "
          f"saves: {counts['save']} ok, {counts['save_err']} failed")


def _safe(work):
    try:
        return work()
    except Exception as e:
        return e


def saves_across_kills(server, emails, kills=5):
    print(f"\n## Saves across {kills} SIGKILLs (target: every acknowledged save present)")
    acknowledged = []
    lock = threading.Lock()
    for k in range(kills):
        editors = [Editor(server, e).sign_in() for e in emails]
        tokens = [e.csrf() for e in editors]
        stop = threading.Event()

        def writer(i):
            n = 0
            while not stop.is_set():
                headline = f"Kill {k} writer {i} story {n}"
                result = _safe(lambda: editors[i].post_article(
                    "/admin/articles", article(headline, action="publish"), token=tokens[i]))
                if status_of(result) == 303:
                    with lock:
                        acknowledged.append(headline)
                n += 1

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(len(editors))]
        for t in threads:
            t.start()
        time.sleep(1.5)
        server.kill()
        stop.set()
        for t in threads:
            t.join()
        server.start()
    # Every acknowledged (303) save was a publish: its page must be there.
    # (Checked over HTTP: the system's SQLite may be older than the bundled one.)
    lost = [h for h in acknowledged
            if request(server, "GET", "/articles/" + re.sub(r"[^a-z0-9]+", "-", h.lower()))[0] != 200]
    print(f"acknowledged: {len(acknowledged)}, lost: {len(lost)}, "
          f"server healthy after restarts: {request(server, 'GET', '/healthz')[0] == 200}")


def gif_bomb(width=12_000, height=12_000):
    # Header, a logical screen of width x height, one frame of the same size
    # holding a single LZW code: 35 bytes that decode to 144 million pixels.
    screen = struct.pack("<HHBBB", width, height, 0, 0, 0)
    frame = b"\x2c" + struct.pack("<HHHHB", 0, 0, width, height, 0)
    return b"GIF89a" + screen + frame + b"\x02\x02\x4c\x01\x00\x3b"


def png_bomb(side=10_200):
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    raw = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * side * 3
    data = b"".join(raw.compress(row) for _ in range(side)) + raw.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def image_bombs(server, contributors):
    print("\n## Image bombs, 4 at once (targets: each refused in < 1 s, peak RSS < 300 MB)")
    before = server.peak_rss_mb()
    bombs = [("bomb.gif", "image/gif", gif_bomb()), ("bomb.png", "image/png", png_bomb())] * 2
    tokens = [c.csrf() for c in contributors[:4]]

    def upload(i):
        started = time.perf_counter()
        result = contributors[i].post_article(
            "/admin/articles", article(f"Bomb {i}"), image=bombs[i], token=tokens[i])
        return result, (time.perf_counter() - started) * 1000

    for i, (result, ms) in enumerate(run_parallel(4, upload)):
        status = status_of(result)
        print(f"{bombs[i][0]} ({len(bombs[i][2]):,} bytes): {status} in {ms:.0f} ms")
    print(f"peak RSS: {before:.0f} MB before, {server.peak_rss_mb():.0f} MB after")


def session_revocation(server, email):
    print("\n## Session revocation (target: 0 requests accepted after the session ended)")
    accepted = 0
    checks = 0

    def try_old(jar, label):
        nonlocal accepted, checks
        stale = Editor(server, email)
        stale.jar = dict(jar)
        status, headers, _ = stale.post_article("/admin/articles", article(f"Stale cookie {label}"),
                                                token=stale.csrf() or "none")
        checks += 1
        location = headers.get("location", "")
        # Accepted means the article was created (a redirect to its edit page);
        # a redirect to the sign-in page or a 403 is a refusal.
        if status == 303 and location.endswith("/edit"):
            accepted += 1
        print(f"{label}: old cookie answered {status} {location}")

    editor = Editor(server, email).sign_in()
    copied = dict(editor.jar)
    editor.post_form("/admin/logout", {})
    try_old(copied, "after sign-out")

    editor = Editor(server, email).sign_in()
    copied = dict(editor.jar)
    server.cli("user", "passwd", "--email", email, "--password-stdin", stdin=PASSWORD + "\n")
    try_old(copied, "after `user passwd`")
    print(f"accepted after the end of their session: {accepted} of {checks}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="length of the readers-and-writers phase")
    parser.add_argument("--parallel", type=int, default=64, help="parallel saves per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="broadsheet-probe-") as folder:
        server = Server(os.path.abspath(args.binary), folder)
        server.cli("migrate")
        emails = [f"editor{i}@probe.example" for i in range(args.parallel)]
        for email in emails:
            server.cli("user", "add", "--email", email, "--name", email, "--role", "editor",
                       "--password-stdin", stdin=PASSWORD + "\n")
        contributors = [f"writer{i}@probe.example" for i in range(4)]
        for email in contributors:
            server.cli("user", "add", "--email", email, "--name", email, "--role", "contributor",
                       "--password-stdin", stdin=PASSWORD + "\n")
        server.start()
        try:
            editors = [Editor(server, e).sign_in() for e in emails]
            writers = [Editor(server, e).sign_in() for e in contributors]
            print(f"# Broadsheet probe, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, {server.origin}")
            # Images first, so the server's peak memory is theirs alone.
            image_bombs(server, writers)
            hostile_markdown(server, editors[0], writers[0])
            parallel_saves(server, editors)
            writers_under_readers(server, editors[:2], args.seconds)
            print(f"\npeak RSS so far: {server.peak_rss_mb():.0f} MB")
            saves_across_kills(server, emails[:8])
            session_revocation(server, emails[-1])
        finally:
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
