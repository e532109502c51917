"""Load test of the web explorer: N simulated users on the Equilibrium tab, loopback only.

The script starts ``nernst explore`` itself (a free port on 127.0.0.1; or
``--url`` for a server that is already running, which must be on loopback),
waits for it, warms it up (one request of each kind, sequentially), then runs
``--users`` simulated users for ``--seconds`` and stops the server.

Each simulated user behaves like a person on the Equilibrium tab:

* loads the page once: ``GET /`` (the page's ``end_id`` token, which the Dash
  renderer echoes on every callback as ``?endId=``), ``GET /_dash-layout``,
  ``GET /_dash-dependencies``, and the page's first callback (the URL state ->
  controls, which gives the preset's ion table and temperature);
* then, after a think time (uniform ``--think-min`` to ``--think-max`` s),
  repeatedly sends the request a change of the ion table or the temperature
  makes: ``POST /_dash-update-component`` for the callback with outputs
  eq-graph.figure ... eq-msg.children and inputs eq-table.data, eq-temp.value,
  with the JSON body the Dash 4 renderer sends (captured from Chromium).
  Every request has a new random K+ outside (2-20 mM, 3 decimals), or, one in
  five, a new temperature instead (20-40 degC, 1 decimal), so no cache can hide
  work;
* a fraction ``--other`` of the requests are other tabs' updates instead: an
  excitability spike with a random current (5-20 uA/cm^2) or a story step.

Every response is checked: HTTP 200, JSON, the callback's outputs present, no
"Not updated" message; and for the first and every ``--check-every``-th
equilibrium update of the run (all users together), the V_rest (GHK) shown in
eq-summary must equal the engine's (``nernst.rest.resting_state`` on the preset
with that K+ outside and temperature) to the 2 decimals displayed.  Any error
fails the run (exit 1).  Latency is the whole request as the client sees it.

Bounded: the load is hard-capped at ``--seconds`` + 30 s, the server's start
and warm-up before it at 60 s (then the server is killed and the exit code is
1); each request times out after 10 s; at most 200 users.  Nothing but
127.0.0.1 (or another loopback address) is contacted.

    .venv/bin/python bench/load_explorer.py [--users 50] [--seconds 60] [--threads T]
        [--port P | --url http://127.0.0.1:8050] [--json] [--save FILE]
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import math
import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlsplit

import requests

MAX_USERS = 200
REQUEST_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0
CAP_MARGIN_S = 30.0

EQ_OUTPUT = "..eq-graph.figure...eq-currents.figure...eq-results.data...eq-equations.children...eq-summary.children...eq-msg.children.."
URL_OUTPUT_PREFIX = "..tabs.value...eq-preset.value...eq-temp.value...eq-table.data"
SPIKE_OUTPUT = "..ex-graph.figure...ex-summary.children...ex-msg.children.."
STORY_OUTPUT = "..story-graph.figure...story-text.children...story-pos.children.."
_VREST = re.compile(r"([+-]?\d+\.\d+) mV")


# ---------------------------------------------------------------------------
# the server
# ---------------------------------------------------------------------------

def check_loopback(url: str) -> str:
    """The URL without a trailing slash; refuses anything that is not http on a loopback address."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    ok = host == "localhost"
    try:
        ok = ok or ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    if parts.scheme != "http" or not ok:
        raise SystemExit(f"load_explorer: --url must be http on a loopback address (127.0.0.1), not {url!r}")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def default_threads() -> int:
    """waitress threads of ``nernst explore`` (the default of nernst.web.serve)."""
    import inspect

    from nernst.web import serve

    return int(inspect.signature(serve).parameters["threads"].default)


def start_server(port: int, threads: int | None = None) -> subprocess.Popen:
    """``nernst explore`` on 127.0.0.1:port (or serve(..., threads) when threads is given), in its own session.

    Its stderr (waitress logs, e.g. "Task queue depth is N") goes to a temporary file, ``proc.log``."""
    if threads is None:
        cmd = [sys.executable, "-m", "nernst", "explore", "--host", "127.0.0.1", "--port", str(port)]
    else:
        cmd = [sys.executable, "-c",
               f"from nernst.web import serve; serve('127.0.0.1', {int(port)}, threads={int(threads)})"]
    log = tempfile.TemporaryFile()  # noqa: SIM115  (open as long as the server runs)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log,
                            start_new_session=True)
    proc.log = log
    return proc


def server_log(proc: subprocess.Popen | None) -> str:
    """What the server wrote to stderr so far (at most the last 100 kB)."""
    log = getattr(proc, "log", None)
    if log is None:
        return ""
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - 100_000))
    return log.read().decode(errors="replace")


def wait_ready(base: str, proc: subprocess.Popen | None, timeout: float = START_TIMEOUT_S) -> float:
    """Seconds until GET / answers 200."""
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc is not None and proc.poll() is not None:
            err = server_log(proc)
            raise RuntimeError(f"the server exited with code {proc.returncode}: {err[-2000:]}")
        try:
            if requests.get(base + "/", timeout=2).status_code == 200:
                return time.perf_counter() - t0
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer within {timeout:g} s")


def stop_server(proc: subprocess.Popen | None) -> None:
    """SIGTERM to the server's own process group (it was started in a new session), then SIGKILL."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def proc_cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of a process (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


# ---------------------------------------------------------------------------
# Dash requests
# ---------------------------------------------------------------------------

def _outputs(output: str):
    """The ``outputs`` of a callback request from its ``output`` string (a list when there are several)."""
    if output.startswith(".."):
        parts = output[2:-2].split("...")
        return [dict(zip(("id", "property"), p.split(".", 1))) for p in parts]
    i, p = output.split(".", 1)
    return {"id": i, "property": p}


def callback_body(dep: dict, values: dict, changed: list) -> dict:
    """The JSON body the Dash renderer posts for dependency *dep*; *values* maps "id.prop" to the value."""
    def items(specs):
        return [{"id": s["id"], "property": s["property"], "value": values.get(f"{s['id']}.{s['property']}")}
                for s in specs]

    body = {"output": dep["output"], "outputs": _outputs(dep["output"]), "inputs": items(dep["inputs"]),
            "changedPropIds": list(changed), "parsedChangedPropsIds": list(changed)}
    if dep.get("state"):
        body["state"] = items(dep["state"])
    return body


class Engine:
    """The engine's V_rest (GHK) for the preset with K+ outside and temperature changed (cached)."""

    def __init__(self, preset: str):
        from nernst.presets import load_preset

        self.spec = load_preset(preset)
        self._cache: dict = {}
        self._lock = threading.Lock()

    def vrest(self, k_out: float, temp: float) -> float:
        from nernst.rest import resting_state

        key = (k_out, temp)
        with self._lock:
            if key not in self._cache:
                spec = self.spec.with_ion("K", outside_mM=k_out)
                self._cache[key] = float(resting_state(spec, temperature_c=temp).ghk_mV)
            return self._cache[key]


def shown_vrest(summary) -> float | None:
    """The V_rest (GHK) number in the eq-summary children (html.Span of text and an html.B)."""
    try:
        kids = summary["props"]["children"]
        b = next(k for k in kids if isinstance(k, dict) and k.get("props", {}).get("id") == "eq-vrest")
        m = _VREST.fullmatch(b["props"]["children"].strip())
        return float(m.group(1)) if m else None
    except (KeyError, TypeError, StopIteration, AttributeError):
        return None


class Stats:
    """Thread-safe collection of every request's outcome."""

    def __init__(self, t0: float, max_examples: int = 10):
        self.t0 = t0
        self.lock = threading.Lock()
        self.records: list = []      # (t_s since t0, kind, latency_ms, ok)
        self.errors: dict = {}       # kind of error -> count
        self.examples: list = []
        self.checked = 0
        self.n_eq = 0
        self.max_examples = max_examples
        self.max_abs_diff_mV = 0.0

    def add(self, kind: str, t_start: float, latency_s: float, error: str | None = None, detail: str = ""):
        with self.lock:
            self.records.append((round(t_start - self.t0, 4), kind, round(latency_s * 1000.0, 3), error is None))
            if error is not None:
                self.errors[error] = self.errors.get(error, 0) + 1
                if len(self.examples) < self.max_examples:
                    self.examples.append(f"{kind}: {error}: {detail}"[:300])

    def next_eq_is_checked(self, every: int) -> bool:
        """Whether this equilibrium update is checked: the 1st, then every *every*-th of the run (all users)."""
        with self.lock:
            self.n_eq += 1
            return every > 0 and (self.n_eq - 1) % every == 0

    def checked_ok(self, diff: float):
        with self.lock:
            self.checked += 1
            self.max_abs_diff_mV = max(self.max_abs_diff_mV, diff)


class User:
    """One simulated person on the Equilibrium tab."""

    def __init__(self, base: str, idx: int, stats: Stats, engine: Engine, deadline: float, *, seed: int,
                 think=(0.2, 1.0), other=0.1, other_kinds=("spike", "story"), check_every=20,
                 preset="mammalian_neuron", timeout=REQUEST_TIMEOUT_S):
        self.timeout = timeout
        self.base, self.idx, self.stats, self.engine, self.deadline = base, idx, stats, engine, deadline
        self.rng = random.Random(seed)
        self.think, self.other, self.check_every, self.preset = think, other, check_every, preset
        self.other_kinds = tuple(other_kinds)
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "Origin": base, "Referer": base + "/"})
        self.end_id = None
        self.deps: dict = {}
        self.rows = None
        self.temp = None
        self.n_eq = 0
        self.n_story_steps = 8

    # --- one request -------------------------------------------------------
    def _get(self, kind: str, path: str):
        t = time.perf_counter()
        try:
            r = self.session.get(self.base + path, timeout=self.timeout)
            lat = time.perf_counter() - t
        except requests.Timeout as exc:
            self.stats.add(kind, t, time.perf_counter() - t, "timeout", str(exc))
            return None
        except requests.RequestException as exc:
            self.stats.add(kind, t, time.perf_counter() - t, "connection", str(exc))
            return None
        if r.status_code != 200:
            self.stats.add(kind, t, lat, f"http {r.status_code}", r.text[:200])
            return None
        self.stats.add(kind, t, lat)
        return r

    def _post(self, kind: str, dep_key: str, values: dict, changed: list, check=None):
        """POST one callback; *check(response_dict)* returns an error text or None."""
        body = callback_body(self.deps[dep_key], values, changed)
        t = time.perf_counter()
        try:
            r = self.session.post(self.base + "/_dash-update-component", params={"endId": self.end_id},
                                  json=body, timeout=self.timeout)
            lat = time.perf_counter() - t
        except requests.Timeout as exc:
            self.stats.add(kind, t, time.perf_counter() - t, "timeout", str(exc))
            return None
        except requests.RequestException as exc:
            self.stats.add(kind, t, time.perf_counter() - t, "connection", str(exc))
            return None
        if r.status_code != 200:
            self.stats.add(kind, t, lat, f"http {r.status_code}", r.text[:200])
            return None
        try:
            resp = r.json()["response"]
        except (ValueError, KeyError, TypeError) as exc:
            self.stats.add(kind, t, lat, "bad json", f"{exc}: {r.text[:200]}")
            return None
        err = check(resp) if check else None
        if err:
            self.stats.add(kind, t, lat, err.split(":", 1)[0], err)
            return None
        self.stats.add(kind, t, lat)
        return resp

    # --- what a person does --------------------------------------------------
    def load_page(self) -> bool:
        r = self._get("page", "/")
        if r is None:
            return False
        m = re.search(r'<script id="_dash-config" type="application/json">(.*?)</script>', r.text, re.DOTALL)
        try:
            self.end_id = json.loads(m.group(1)).get("end_id")
        except (AttributeError, ValueError):
            self.stats.add("page", time.perf_counter(), 0.0, "bad page", "no _dash-config")
            return False
        if self._get("page", "/_dash-layout") is None:
            return False
        r = self._get("page", "/_dash-dependencies")
        if r is None:
            return False
        for dep in r.json():
            out = dep["output"]
            if out == EQ_OUTPUT:
                self.deps["eq"] = dep
            elif out.startswith(URL_OUTPUT_PREFIX):
                self.deps["url"] = dep
            elif out == SPIKE_OUTPUT:
                self.deps["spike"] = dep
            elif out == STORY_OUTPUT:
                self.deps["story"] = dep
        missing = {"eq", "url", "spike", "story"} - set(self.deps)
        if missing:
            self.stats.add("page", time.perf_counter(), 0.0, "missing callback", ", ".join(sorted(missing)))
            return False
        # the page's first callback: URL state -> controls (gives the preset's table and temperature)
        q = f"?tab=equilibrium&preset={self.preset}"
        resp = self._post("page", "url", {"url.search": q}, ["url.search"],
                          check=lambda d: None if "eq-table" in d and "eq-temp" in d else "bad response: no table")
        if resp is None:
            return False
        self.rows = resp["eq-table"]["data"]
        self.temp = resp["eq-temp"]["value"]
        if not any(str(r.get("ion")) == "K" for r in self.rows):
            self.stats.add("page", time.perf_counter(), 0.0, "bad response", "the preset has no K+")
            return False
        return True

    def equilibrium_update(self):
        if self.rng.random() < 0.2:  # a new temperature
            self.temp = round(self.rng.uniform(20.0, 40.0), 1)
            changed = ["eq-temp.value"]
        else:  # a new K+ outside in the table
            k_new = round(self.rng.uniform(2.0, 20.0), 3)
            self.rows = [dict(r, outside=k_new) if str(r.get("ion")) == "K" else dict(r) for r in self.rows]
            changed = ["eq-table.data"]
        rows = self.rows
        k_out = float(next(r["outside"] for r in rows if str(r.get("ion")) == "K"))
        self.n_eq += 1
        verify = self.stats.next_eq_is_checked(self.check_every)
        temp = float(self.temp)

        def check(d):
            if set(d) != {"eq-graph", "eq-currents", "eq-results", "eq-equations", "eq-summary", "eq-msg"}:
                return f"bad response: outputs {sorted(d)}"
            msg = d["eq-msg"].get("children")
            if msg:
                return f"app message: {msg}"
            if not verify:
                return None
            shown = shown_vrest(d["eq-summary"].get("children"))
            if shown is None:
                return "bad response: no V_rest in eq-summary"
            want = self.engine.vrest(k_out, temp)
            diff = abs(shown - want)
            if diff > 0.005 + 1e-9:  # the summary shows 2 decimals
                return f"V_rest mismatch: shown {shown:+.2f} mV, engine {want:+.4f} mV (K_o {k_out}, T {temp})"
            self.stats.checked_ok(diff)
            return None

        self._post("eq", "eq", {"eq-table.data": rows, "eq-temp.value": self.temp}, changed, check)

    def spike_update(self):
        cur = round(self.rng.uniform(5.0, 20.0), 2)

        def check(d):
            txt = d.get("ex-summary", {}).get("children")
            if d.get("ex-msg", {}).get("children"):
                return f"app message: {d['ex-msg']['children']}"
            return None if isinstance(txt, str) and "spikes" in txt and "ex-graph" in d else "bad response: spike"

        self._post("spike", "spike", {"ex-current.value": cur, "ex-duration.value": 50, "ex-temp.value": 6.3,
                                      "tabs.value": "excitability"}, ["ex-current.value"], check)

    def story_update(self):
        k = self.rng.randrange(self.n_story_steps)

        def check(d):
            pos = d.get("story-pos", {}).get("children")
            m = re.fullmatch(r"step (\d+) of (\d+)", pos or "")
            if not m or "story-graph" not in d:
                return "bad response: story"
            self.n_story_steps = int(m.group(2)) + 1
            return None

        self._post("story", "story", {"story-step.data": k, "tabs.value": "story"}, ["story-step.data"], check)

    def sleep_think(self) -> bool:
        left = self.deadline - time.perf_counter()
        if left <= 0:
            return False
        time.sleep(min(left, self.rng.uniform(*self.think)))
        return time.perf_counter() < self.deadline

    def run(self):
        try:
            if not self.load_page():
                return
            while self.sleep_think():
                if self.other_kinds and self.rng.random() < self.other:
                    kind = self.other_kinds[self.rng.randrange(len(self.other_kinds))]
                    if kind == "spike":
                        self.spike_update()
                    else:
                        self.story_update()
                else:
                    self.equilibrium_update()
        except Exception as exc:  # noqa: BLE001  (a bug in this script must count as an error, not vanish)
            self.stats.add("user", time.perf_counter(), 0.0, "exception", repr(exc))
        finally:
            self.session.close()


# ---------------------------------------------------------------------------
# the run
# ---------------------------------------------------------------------------

def percentiles(xs) -> dict:
    if not xs:
        return {"n": 0}
    s = sorted(xs)

    def q(p):  # nearest rank
        return s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))]

    return {"n": len(s), "p50": q(0.50), "p95": q(0.95), "p99": q(0.99), "max": s[-1], "mean": sum(s) / len(s)}


def warm_up(base: str, engine: Engine, preset: str) -> float:
    """One request of each kind, sequentially (fills the server's caches as a server that has been up would;
    with a cold Numba cache the first story step compiles for 10-20 s, hence the long timeout)."""
    t = time.perf_counter()
    stats = Stats(t)
    u = User(base, -1, stats, engine, time.perf_counter() + START_TIMEOUT_S, seed=0, check_every=1, preset=preset,
             timeout=START_TIMEOUT_S - 10)
    ok = u.load_page()
    if ok:
        u.equilibrium_update()
        u.spike_update()
        u.story_update()
    u.session.close()
    if stats.errors:
        raise RuntimeError(f"warm-up failed: {stats.examples}")
    return time.perf_counter() - t


def run_load(base: str, users: int, seconds: float, *, think=(0.2, 1.0), other=0.1,
             other_kinds=("spike", "story"), check_every=20, preset="mammalian_neuron", seed=1,
             server_pid: int | None = None, request_timeout_s: float = REQUEST_TIMEOUT_S) -> dict:
    """Run *users* simulated users against *base* for *seconds*; the raw results.

    A fraction *other* of the updates are of *other_kinds* ("spike", "story"), drawn evenly."""
    if not 1 <= users <= MAX_USERS:
        raise ValueError(f"users must be from 1 to {MAX_USERS}")
    engine = Engine(preset)
    engine.vrest(5.0, 37.0)  # import the engine before the clock starts
    load0 = os.getloadavg()
    cpu_srv0 = proc_cpu_s(server_pid) if server_pid else None
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    deadline = t0 + seconds
    stats = Stats(t0)
    rng = random.Random(seed)
    pool = [User(base, i, stats, engine, deadline, seed=rng.randrange(2**32), think=think, other=other,
                 other_kinds=other_kinds, check_every=check_every, preset=preset, timeout=request_timeout_s)
            for i in range(users)]
    threads = [threading.Thread(target=u.run, name=f"user-{u.idx}", daemon=True) for u in pool]
    for th in threads:
        th.start()
        time.sleep(min(0.02, seconds / max(users, 1) / 10))  # a ramp of 1 s at most for 50 users
    for th in threads:
        th.join(max(0.0, deadline + request_timeout_s + 2.0 - time.perf_counter()))
    hung = sum(th.is_alive() for th in threads)
    if hung:
        stats.add("user", time.perf_counter(), 0.0, "hung user", f"{hung} users still running after the deadline")
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu_srv1 = proc_cpu_s(server_pid) if server_pid else None
    load1 = os.getloadavg()

    recs = list(stats.records)
    by_kind: dict = {}
    for _, kind, lat, ok in recs:
        if ok:
            by_kind.setdefault(kind, []).append(lat)
    n_total = len(recs)
    n_err = sum(stats.errors.values())
    measured = [r for r in recs if r[1] in ("eq", "spike", "story")]
    return {
        "users": users, "seconds": seconds, "wall_s": wall, "think_s": list(think), "other_fraction": other,
        "other_kinds": list(other_kinds),
        "check_every": check_every, "preset": preset,
        "requests": n_total, "errors": n_err, "error_kinds": dict(stats.errors), "error_examples": stats.examples,
        "updates": len(measured), "updates_per_s": len(measured) / wall if wall > 0 else 0.0,
        "requests_per_s": n_total / wall if wall > 0 else 0.0,
        "latency_ms": {k: percentiles(v) for k, v in sorted(by_kind.items())},
        "vrest_checked": stats.checked, "vrest_max_abs_diff_mV": stats.max_abs_diff_mV,
        "loadavg_start": list(load0), "loadavg_end": list(load1),
        "client_cpu_s": (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime),
        "server_cpu_s": (cpu_srv1 - cpu_srv0) if cpu_srv0 is not None and cpu_srv1 is not None else None,
        "records": recs,
    }


def table(res: dict) -> str:
    out = [(f"{res['users']} users for {res['seconds']:g} s (wall {res['wall_s']:.1f} s), think "
            f"{res['think_s'][0]:g}-{res['think_s'][1]:g} s, {100 * res['other_fraction']:.0f} % other tabs; "
            f"server: {res.get('server', '?')}"),
           "",
           "| request | n | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) | mean (ms) |",
           "|---|---|---|---|---|---|---|"]
    names = {"eq": "equilibrium update", "spike": "excitability spike", "story": "story step",
             "page": "page load (GET /, layout, deps, first callback)"}
    for k in ("eq", "spike", "story", "page"):
        p = res["latency_ms"].get(k)
        if p and p["n"]:
            out.append(f"| {names[k]} | {p['n']} | {p['p50']:.0f} | {p['p95']:.0f} | {p['p99']:.0f} | "
                       f"{p['max']:.0f} | {p['mean']:.0f} |")
    srv = res["server_cpu_s"]
    out += ["",
            f"requests {res['requests']}, errors {res['errors']}"
            + (f" {res['error_kinds']}" if res["errors"] else "")
            + f"; updates {res['updates']} ({res['updates_per_s']:.1f}/s); "
              f"V_rest checked {res['vrest_checked']} (max |diff| {res['vrest_max_abs_diff_mV']:.4f} mV)",
            f"load average (1, 5, 15 min) at start {', '.join(f'{x:.2f}' for x in res['loadavg_start'])}, "
            f"at end {', '.join(f'{x:.2f}' for x in res['loadavg_end'])}; CPU: server "
            + (f"{srv:.1f} s ({1000 * srv / max(res['updates'], 1):.1f} ms per update)" if srv is not None else "?")
            + f", load generator {res['client_cpu_s']:.1f} s"
            + (f"; waitress 'Task queue depth' warnings: {res['server_queue_warnings']}"
               if res.get("server_queue_warnings") is not None else "")]
    for e in res["error_examples"]:
        out.append(f"  error: {e}")
    return "\n".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=50, help=f"simulated users (1-{MAX_USERS}; default 50)")
    ap.add_argument("--seconds", type=float, default=60.0, help="duration of the load (default 60)")
    ap.add_argument("--port", type=int, default=0, help="port for the server this script starts (default: a free one)")
    ap.add_argument("--url", default=None, help="use this running server instead (loopback only)")
    ap.add_argument("--threads", type=int, default=None,
                    help="waitress threads of the started server (default: nernst explore's own)")
    ap.add_argument("--think-min", type=float, default=0.2)
    ap.add_argument("--think-max", type=float, default=1.0)
    ap.add_argument("--other", type=float, default=0.1, help="fraction of other tabs' updates (default 0.1)")
    ap.add_argument("--check-every", type=int, default=20,
                    help="check V_rest on the first and every n-th equilibrium update of the run (default 20)")
    ap.add_argument("--preset", default="mammalian_neuron")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print the raw data as JSON instead of the table")
    ap.add_argument("--save", default=None, help="also write the raw data (JSON) to this file")
    args = ap.parse_args(argv)
    if not 1 <= args.users <= MAX_USERS:
        ap.error(f"--users must be from 1 to {MAX_USERS}")
    if not 0 < args.seconds <= 3600:
        ap.error("--seconds must be in (0, 3600]")
    if not 0 <= args.think_min <= args.think_max <= 60:
        ap.error("need 0 <= --think-min <= --think-max <= 60")
    if not 0 <= args.other <= 1:
        ap.error("--other must be from 0 to 1")

    proc = None
    watchdog = None

    def arm(cap: float, phase: str):
        """(Re)start the watchdog: after *cap* seconds it stops the server and exits with 1."""
        nonlocal watchdog

        def hard_stop():
            sys.stderr.write(f"load_explorer: {phase} took longer than its hard cap of {cap:g} s; stopping\n")
            stop_server(proc)
            os._exit(1)

        if watchdog is not None:
            watchdog.cancel()
        watchdog = threading.Timer(cap, hard_stop)
        watchdog.daemon = True
        watchdog.start()

    arm(START_TIMEOUT_S, "server start and warm-up")
    try:
        if args.url:
            base = check_loopback(args.url)
            threads = None
            server_desc = f"already running at {base}"
        else:
            port = args.port or free_port()
            if not 1 <= port <= 65535:
                ap.error("--port must be from 1 to 65535")
            base = f"http://127.0.0.1:{port}"
            proc = start_server(port, args.threads)
            threads = args.threads if args.threads is not None else default_threads()
            server_desc = f"nernst explore (waitress, {threads} threads) at {base}"
        ready_s = wait_ready(base, proc)
        warm_s = warm_up(base, Engine(args.preset), args.preset)
        arm(args.seconds + CAP_MARGIN_S, "the load")
        res = run_load(base, args.users, args.seconds, think=(args.think_min, args.think_max), other=args.other,
                       check_every=args.check_every, preset=args.preset, seed=args.seed,
                       server_pid=proc.pid if proc else None)
    finally:
        stop_server(proc)
        watchdog.cancel()
    log = server_log(proc)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from common import machine  # bench/common.py, beside this script

    res.update({"server": server_desc, "waitress_threads": threads, "server_ready_s": ready_s, "warm_up_s": warm_s,
                "date": datetime.date.today().isoformat(), "machine": machine(),
                "server_queue_warnings": log.count("Task queue depth") if proc is not None else None,
                "server_log_tail": log[-2000:],
                "command": " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:])})
    if args.save:
        with open(args.save, "w") as f:
            json.dump(res, f)
    if args.json:
        print(json.dumps(res))
    else:
        print(table(res))
    if res["errors"]:
        sys.stderr.write(f"load_explorer: FAILED: {res['errors']} errors\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
