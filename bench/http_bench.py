#!/usr/bin/env python3
"""HTTP benchmark: Broadsheet against nginx serving the same bytes (issue 8).

For each archive size: generate the database once (kept for later runs),
start Broadsheet on it, fetch each target page, save its exact bytes under a
private nginx's root, then for each target alternate wrk runs on nginx and on
Broadsheet and report req/s, p50/p99 and the ratio, then one paced run on
each at the same fixed offered load (bench/paced.lua) for p99 under steady
traffic rather than saturation. A second Broadsheet with
the response cache off measures the cache-miss path (one connection). Peak RSS
is the server's VmHWM after its runs. Everything runs on 127.0.0.1 and every
wrk run is bounded by --seconds.

Usage: bench/http_bench.py BROADSHEET_BINARY [--sizes 1000,100000] [--seconds 3]
       [--rounds 2] [--data DIR] [--smoke]
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except Exception:
            time.sleep(0.2)
    sys.exit(f"bench: {url} did not answer within {seconds} s")


def fetch(url):
    # A slow first render (a cache miss at 100,000 articles) is measured, not fatal.
    with urllib.request.urlopen(url, timeout=300) as r:
        return r.read()


def first_link(html, prefix):
    m = re.search(r'href="(%s[^"?#]+)"' % re.escape(prefix), html)
    return m.group(1) if m else None


def parse_wrk(out):
    def seconds_of(text):
        m = re.match(r"([\d.]+)(us|ms|s)", text)
        value, unit = float(m.group(1)), m.group(2)
        return value * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = seconds_of(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = seconds_of(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    return {"rps": rps, "p50": p50, "p99": p99, "errors": errors}


PACED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "paced.lua")
PACE_MS = 10


def wrk(url, seconds, connections=32, threads=2, paced=False):
    script = ["-s", PACED] if paced else []
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *script, url],
        capture_output=True, text=True, check=True,
        env=dict(os.environ, PACE_MS=str(PACE_MS)),
    ).stdout
    return parse_wrk(out)


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def start_server(binary, db, port, cache=True, log=None):
    env = dict(os.environ, RUST_LOG="warn")
    args = [binary, "serve", "--bind", f"127.0.0.1:{port}",
            "--database-url", f"sqlite://{db}", "--no-demo"]
    if not cache:
        args += ["--cache-bytes", "0"]
    proc = subprocess.Popen(args, env=env, stdout=log or subprocess.DEVNULL,
                            stderr=log or subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/healthz")
    return proc


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


NGINX_CONF = """
worker_processes 2;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    types {{ text/html html; application/xml xml; application/rss+xml rss; text/plain txt; }}
    client_body_temp_path {dir}/tmp; proxy_temp_path {dir}/tmp; fastcgi_temp_path {dir}/tmp;
    uwsgi_temp_path {dir}/tmp; scgi_temp_path {dir}/tmp;
    server {{
        listen 127.0.0.1:{port};
        root {dir}/root;
    }}
}}
"""


def start_nginx(work, port):
    os.makedirs(f"{work}/tmp", exist_ok=True)
    with open(f"{work}/nginx.conf", "w") as f:
        f.write(NGINX_CONF.format(dir=work, port=port))
    proc = subprocess.Popen(["nginx", "-c", f"{work}/nginx.conf", "-p", work],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc


def targets_of(base, size):
    """The pages to measure, found by following the site's own links."""
    front = fetch(base + "/").decode()
    article = first_link(front, "/articles/")
    section = first_link(front, "/sections/")
    page = fetch(base + article).decode()
    tag = first_link(page, "/tags/")
    author = first_link(page, "/authors/")
    targets = [
        ("article", article, "html"),
        ("front", "/", "html"),
        # The oldest page of the front page (page 5,000 at 100,000 articles):
        # the 20 articles just after the epoch, newest first.
        ("front oldest", "/?after=19700101000000-0", "html"),
        ("section", section, "html"),
        ("tag", tag, "html"),
        ("author", author, "html"),
        ("feed", "/feed.xml", "xml"),
        ("sitemap", "/sitemap.xml", "xml"),
        ("sitemap child", "/sitemaps/articles-1.xml", "xml"),
    ]
    return [t for t in targets if t[1]]


def miss_probes_of(base):
    """Pages timed on the cache-miss path only (one connection, the cache off):
    a tag's and an author's feed (50 articles spread over the archive, looked up
    by id) and a tag page that is a 404. Each was once planned as a walk of the
    public archive: fast at 1,000 articles, slow at 100,000."""
    page = fetch(base + first_link(fetch(base + "/").decode(), "/articles/")).decode()
    tag = first_link(page, "/tags/")
    author = first_link(page, "/authors/")
    probes = [
        ("tag feed", tag and tag + "/feed.xml"),
        ("author feed", author and author + "/feed.xml"),
        ("missing tag", "/tags/no-such-tag-in-this-archive"),
    ]
    return [p for p in probes if p[1]]


def fmt_ms(seconds):
    return f"{seconds * 1000:.2f}"


def run_size(args, size, work):
    db = os.path.join(args.data, f"articles-{size}.db")
    if not os.path.exists(db):
        print(f"generating {size} articles into {db} …", flush=True)
        started = time.time()
        subprocess.run([args.binary, "generate", "--articles", str(size),
                        "--database-url", f"sqlite://{db}"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"  took {time.time() - started:.0f} s", flush=True)
        # A site in its steady state has its related lists: without them the
        # server would rebuild them in the background during the runs.
        started = time.time()
        subprocess.run([args.binary, "related", "rebuild",
                        "--database-url", f"sqlite://{db}"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"  related lists rebuilt in {time.time() - started:.0f} s", flush=True)

    port = free_port()
    server = start_server(args.binary, db, port)
    base = f"http://127.0.0.1:{port}"
    nginx_dir = os.path.join(work, f"nginx-{size}")
    os.makedirs(f"{nginx_dir}/root", exist_ok=True)
    nginx_port = free_port()
    targets = targets_of(base, size)
    probes = miss_probes_of(base)
    saved = {}
    for i, (name, path, ext) in enumerate(targets):
        body = fetch(base + path)
        file = f"/t{i}.{ext}"
        with open(f"{nginx_dir}/root{file}", "wb") as f:
            f.write(body)
        saved[name] = (file, len(body))
    nginx = start_nginx(nginx_dir, nginx_port)
    wait_for(f"http://127.0.0.1:{nginx_port}{saved[targets[0][0]][0]}")

    results = {}
    try:
        for name, path, _ in targets:
            ours_url, theirs_url = base + path, f"http://127.0.0.1:{nginx_port}{saved[name][0]}"
            wrk(ours_url, 1)
            wrk(theirs_url, 1)
            ours, theirs = [], []
            for _ in range(args.rounds):
                theirs.append(wrk(theirs_url, args.seconds))
                ours.append(wrk(ours_url, args.seconds))
            # The same fixed offered load on both (see paced.lua).
            paced_theirs = wrk(theirs_url, args.seconds, paced=True)
            paced_ours = wrk(ours_url, args.seconds, paced=True)
            best = lambda runs: max(runs, key=lambda r: r["rps"])
            results[name] = {"ours": best(ours), "nginx": best(theirs),
                             "paced": paced_ours, "paced_nginx": paced_theirs,
                             "errors": sum(r["errors"] for r in ours + [paced_ours]),
                             "bytes": saved[name][1]}
        rss = peak_rss_mb(server.pid)
    finally:
        stop(server)
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=10)

    # The cache-miss path: the cache off, one connection, one request at a time.
    miss_port = free_port()
    miss_server = start_server(args.binary, db, miss_port, cache=False)
    try:
        for name, path, _ in targets:
            url = f"http://127.0.0.1:{miss_port}{path}"
            wrk(url, 1, connections=1, threads=1)
            results[name]["miss"] = wrk(url, max(1, args.seconds // 2), connections=1, threads=1)
        probed = {}
        for name, path in probes:
            url = f"http://127.0.0.1:{miss_port}{path}"
            wrk(url, 1, connections=1, threads=1)
            probed[name] = wrk(url, max(1, args.seconds // 2), connections=1, threads=1)
    finally:
        stop(miss_server)
    return results, rss, probed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--seconds", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--data", default=None)
    parser.add_argument("--smoke", action="store_true",
                        help="a tiny archive and one short round: proves the script works")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.seconds, args.rounds = "200", 1, 1
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            sys.exit(f"bench: {tool} is not installed (apt-get install wrk nginx-light)")
    work = tempfile.mkdtemp(prefix="broadsheet-bench-")
    os.chmod(work, 0o755)  # nginx's workers drop root and must read the saved pages
    args.data = args.data or os.path.join(work, "data")
    os.makedirs(args.data, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    all_results = {}
    all_probes = {}
    try:
        for size in sizes:
            results, rss, probed = run_size(args, size, work)
            all_results[size] = results
            all_probes[size] = probed
            print(f"\n## {size} articles (wrk -t2 -c32, best of {args.rounds} × {args.seconds} s, "
                  f"nginx serving the same bytes; peak RSS {rss:.0f} MB)\n")
            print(f"(paced: both at the same fixed load, 32 connections each pausing {PACE_MS} ms "
                  f"between requests; see bench/paced.lua)\n")
            print(f"{'target':<16} {'ratio':>6} {'req/s':>9} {'nginx':>9} {'p50 ms':>7} "
                  f"{'p99 ms':>7} {'nginx p99':>9} {'paced p99':>9} {'nginx':>6} {'paced r/s':>9} "
                  f"{'errors':>6} {'KB':>6} {'miss ms':>8}")
            for name, r in results.items():
                o, n = r["ours"], r["nginx"]
                po, pn = r["paced"], r["paced_nginx"]
                print(f"{name:<16} {o['rps'] / n['rps']:>6.2f} {o['rps']:>9.0f} {n['rps']:>9.0f} "
                      f"{fmt_ms(o['p50']):>7} {fmt_ms(o['p99']):>7} {fmt_ms(n['p99']):>9} "
                      f"{fmt_ms(po['p99']):>9} {fmt_ms(pn['p99']):>6} {po['rps']:>9.0f} "
                      f"{r['errors']:>6} {r['bytes'] / 1024:>6.1f} {fmt_ms(r['miss']['p50']):>8}",
                      flush=True)
            print(f"\ncache-miss probes (one connection, the cache off): " + ", ".join(
                f"{name} {fmt_ms(r['p50'])} ms" for name, r in probed.items()), flush=True)
        if len(sizes) > 1:
            small, large = sizes[0], sizes[-1]
            print(f"\n## flat with size: {large} articles ÷ {small} articles\n")
            print(f"{'target':<16} {'ratio to nginx':>14} {'miss time':>10}")
            for name in all_results[small]:
                other = name if name in all_results[large] else None
                if other is None:
                    continue
                a, b = all_results[small][name], all_results[large][other]
                ra = a["ours"]["rps"] / a["nginx"]["rps"]
                rb = b["ours"]["rps"] / b["nginx"]["rps"]
                miss = b["miss"]["p50"] / a["miss"]["p50"]
                print(f"{other:<16} {rb / ra:>14.2f} {miss:>10.2f}")
            for name in all_probes[small]:
                if name in all_probes[large]:
                    miss = all_probes[large][name]["p50"] / all_probes[small][name]["p50"]
                    print(f"{name:<16} {'':>14} {miss:>10.2f}")
        failed = [(s, n) for s, rs in all_results.items() for n, r in rs.items() if r["errors"]]
        if failed:
            sys.exit(f"bench: errors in {failed}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
