"""The hostile-input corpus (tests/hostile/corpus.py) against a real ``rsikg serve`` and the
``rsikg`` command, with a loopback listener that counts every connection made to it.

For every request: no 5xx (a 503 only where a query deadline is the answer), no dropped
connection, the expected 4xx where the input must be refused, nothing internal or fetched in the
answer. Throughout: /health answers within 1 s (polled every 0.25 s), the server does not crash,
its log has no traceback, the listener gets no connection, and the store holds exactly the same
quads at the end. The server runs twice: as started here (root: query workers may enter a
network namespace) with the whole corpus, and without CAP_SYS_ADMIN, where they cannot, with the
cases that reach for the network (those whose request changes with the listener's address: 368
of 920), which is what the missing namespace changes; the rest would repeat the first run.

A crash or a freeze is recorded against its case, and the server is restarted on the same store
so that the rest of the corpus still runs; a case that does not answer in time is recorded and
the server restarted too, so that the work the client left cannot slow the cases after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT, _rsikg_command
from tests.hostile import corpus
from tests.hostile.corpus import ANSWERED, REFUSED, RUNAWAY, Case, CliCase
from tests.listener import MARKER, Listener
from tests.web.conftest import TOKEN, Server, start_server

QUERY_DEADLINE = 3  # seconds, low so that runaway cases cost little
MAX_ANSWER = 8 * 2**20  # an answer beyond this is amplification; reading stops there
MEMORY_CEILING = 6 * 2**30  # the server's process tree is killed above this (the machine has ~23 GB)
HEALTH_EVERY = 0.25
HEALTH_WITHIN = 1.0
# text that must never reach a client: internals, and what the listener answers
LEAKS = ("Traceback", 'File "/', "OSError", "Network is unreachable", "Errno", MARKER)
DROP_SYS_ADMIN = ["setpriv", "--bounding-set", "-sys_admin", "--inh-caps", "-sys_admin", "--"]


# -- the listener --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    running = Listener()
    yield running
    running.close()


# -- the store -----------------------------------------------------------------------------------


def _cli_env(store: Path) -> dict[str, str]:
    return {**os.environ, "RSIKG_PROJECT_DIR": str(ROOT), "RSIKG_STORE": str(store), "COLUMNS": "200"}


def store_quads(store: Path) -> list[str]:
    """Every quad of the store, sorted (the server must be stopped: the store is locked)."""
    exported = subprocess.run(
        [*_rsikg_command(), "export", "--format", "nquads"],
        capture_output=True,
        text=True,
        env=_cli_env(store),
        timeout=120,
        check=True,
    )
    return sorted(line for line in exported.stdout.splitlines() if line.strip())


def digest(quads: list[str]) -> str:
    return hashlib.sha256("\n".join(quads).encode()).hexdigest()


def store_change(store: Path, before: list[str]) -> str | None:
    after = store_quads(store)
    if after == before:
        return None
    added, removed = sorted(set(after) - set(before)), sorted(set(before) - set(after))
    return (
        f"the store changed: {digest(before)[:12]} → {digest(after)[:12]}, {len(added)} quad(s) added "
        f"(e.g. {added[:2]}), {len(removed)} removed (e.g. {removed[:2]})"
    )


@dataclass(frozen=True)
class Prepared:
    store: Path
    quads: list[str]


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    """The project's graph with the illustrative decisions, loaded once; each run gets a copy."""
    store = tmp_path_factory.mktemp("hostile") / "store"
    subprocess.run(
        [*_rsikg_command(), "load", "--examples"],
        capture_output=True,
        env=_cli_env(store),
        timeout=300,
        check=True,
    )
    return Prepared(store, store_quads(store))


# -- the server's process tree -------------------------------------------------------------------


def _start_time(pid: int) -> str | None:
    """When the process started (field 22 of /proc/PID/stat): tells a process from a later one
    that got the same id."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children[parent].append(int(stat.parent.name))
    return children


class Tree:
    """The server process and every process it started (query workers, sandboxes), remembered
    by id and start time, so that only they are ever killed, even after they were orphaned."""

    def __init__(self, pid: int) -> None:
        self.root = pid
        self.members: dict[int, str] = {}
        started = _start_time(pid)
        if started is not None:
            self.members[pid] = started
        self.refresh()

    def refresh(self) -> None:
        """Add the root's current descendants (only while the root is the process we started)."""
        if _start_time(self.root) != self.members.get(self.root):
            return
        children, todo = _children(), [self.root]
        while todo:
            pid = todo.pop()
            started = _start_time(pid)
            if started is not None:
                self.members.setdefault(pid, started)
            todo += children.get(pid, [])

    def alive(self) -> list[int]:
        return [pid for pid, started in self.members.items() if _start_time(pid) == started]

    def rss(self) -> int:
        total = 0
        for pid in self.alive():
            with contextlib.suppress(OSError, ValueError, IndexError):
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(status.split("VmRSS:")[1].split()[0]) * 1024
        return total

    def kill(self) -> None:
        for pid in self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


# -- watching /health and memory -----------------------------------------------------------------


@dataclass
class Watch:
    """Polls /health every 0.25 s and samples the server tree's memory, labelled with the case
    that is running; kills the tree if it passes MEMORY_CEILING (so the machine survives)."""

    url: str
    tree: Tree
    label: str = "start"
    polls: list[tuple[str, float | None]] = field(default_factory=list)
    peak: dict[str, int] = field(default_factory=dict)
    killed_for_memory: list[str] = field(default_factory=list)
    paused: bool = False

    def __post_init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=HEALTH_WITHIN) as client:
            while not self._stop.wait(HEALTH_EVERY):
                if self.paused:
                    continue
                label, tree, started = self.label, self.tree, time.monotonic()
                try:
                    ok = client.get(f"{self.url}/health").status_code == 200
                    self.polls.append((label, time.monotonic() - started if ok else None))
                except httpx.HTTPError:
                    self.polls.append((label, None))
                self._memory(label, tree)

    def _memory(self, label: str, tree: Tree) -> None:
        tree.refresh()
        used = tree.rss()
        self.peak[label] = max(self.peak.get(label, 0), used)
        if used > MEMORY_CEILING:
            self.killed_for_memory.append(label)
            tree.kill()

    def slow(self) -> list[str]:
        """Each case during which /health failed or took over 1 s, with how often."""
        missed = Counter(label for label, t in self.polls if t is None or t > HEALTH_WITHIN)
        return [
            f"/health missed {n} of {sum(1 for lbl, _ in self.polls if lbl == label)} poll(s) during: {label}"
            for label, n in missed.items()
        ]

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()


# -- sending a case ------------------------------------------------------------------------------


@dataclass
class Outcome:
    status: int | None = None
    head: bytes = b""  # the first MAX_ANSWER bytes of the answer
    size: int = 0
    error: str | None = None  # the connection failed: no answer in time, dropped, refused
    seconds: float = 0.0


def _read(response: httpx.Response, outcome: Outcome) -> None:
    outcome.status = response.status_code
    for chunk in response.iter_bytes():
        outcome.size += len(chunk)
        if outcome.size > MAX_ANSWER:
            break
        outcome.head += chunk


def send(client: httpx.Client, url: str, case: Case) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    try:
        if case.raw is not None or len(case.target) > HTTPX_MAX_URL:
            send_raw(url, case, case.raw or as_raw(case), outcome)
        else:
            try:
                send_httpx(client, url, case, outcome)
            except httpx.LocalProtocolError:  # httpx will not send it (a header it finds illegal)
                send_raw(url, case, as_raw(case), outcome)
    except httpx.TimeoutException:
        outcome.error = f"no answer within {case.timeout:g} s"
    except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
        outcome.error = f"connection dropped ({type(error).__name__})"
    except (httpx.ConnectError, ConnectionRefusedError):
        outcome.error = "connection refused"
    outcome.seconds = time.monotonic() - started
    return outcome


def send_httpx(client: httpx.Client, url: str, case: Case, outcome: Outcome) -> None:
    timeout = httpx.Timeout(case.timeout, connect=5)
    request = client.build_request(
        case.method, url + case.target, content=case.body or None, headers=case.headers, timeout=timeout
    )
    response = client.send(request, stream=True)
    try:
        _read(response, outcome)
    finally:
        response.close()


HTTPX_MAX_URL = 60_000  # httpx refuses longer URLs; those requests go over a bare socket


def as_raw(case: Case) -> bytes:
    head = f"{case.method} {case.target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in case.headers)
    return f"{head}Content-Length: {len(case.body)}\r\n\r\n".encode() + case.body


def send_raw(url: str, case: Case, raw: bytes, outcome: Outcome) -> None:
    """A request over a bare socket (malformed HTTP, or too long for httpx); the server may
    answer or close, never crash."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=case.timeout) as connection:
        with contextlib.suppress(OSError):  # it closed early: what it answered is still to be read
            connection.sendall(raw)
        try:
            while outcome.size <= MAX_ANSWER:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                outcome.head += chunk
                outcome.size += len(chunk)
                if b"\r\n\r\n" in outcome.head and b"Connection: close" not in raw:
                    break  # a keep-alive answer: the head is what we judge
        except TimeoutError:
            outcome.error = f"no answer within {case.timeout:g} s"
        except OSError:
            pass
    if outcome.head.startswith(b"HTTP/"):
        outcome.status = int(outcome.head.split(b" ", 2)[1])
        outcome.error = None


_WANTED = {REFUSED: "a 4xx", ANSWERED: "no 5xx", RUNAWAY: "no 5xx but the deadline's 503"}


def judge(case: Case, outcome: Outcome) -> list[str]:
    """What is wrong with the answer to one case."""
    if outcome.error:
        return [outcome.error]
    status = outcome.status
    if status is None:
        return [] if case.raw is not None else ["no status"]
    fine = {
        REFUSED: 400 <= status < 500,
        ANSWERED: status < 500,
        RUNAWAY: status < 500 or status == 503,
    }[case.expect]
    problems = []
    if not fine:
        text = outcome.head[:200].decode("utf-8", "replace").replace("\n", " ")
        problems.append(f"status {status} (wanted {_WANTED[case.expect]}): {text}")
    for text in (*LEAKS, *case.forbidden):
        if text.encode() in outcome.head:
            problems.append(f"the answer contains {text!r}")
    if outcome.size > MAX_ANSWER:
        problems.append(f"an answer over {MAX_ANSWER // 2**20} MB (reading stopped)")
    return problems


# -- running the corpus against a server ---------------------------------------------------------


@dataclass
class Run:
    """One server run of the corpus: the server, its restarts, and what went wrong."""

    directory: Path
    prefix: list[str]
    listener: Listener
    server: Server = field(init=False)
    tree: Tree = field(init=False)
    watch: Watch = field(init=False)
    logs: list[str] = field(default_factory=list)
    problems: dict[str, list[str]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    restarts: int = 0

    def __post_init__(self) -> None:
        self.server = self._start()
        self.tree = Tree(self.server.process.pid)
        self.watch = Watch(self.server.url, self.tree)

    def _start(self) -> Server:
        return start_server(self.directory, command_prefix=self.prefix, query_deadline=QUERY_DEADLINE)

    def restart(self, cause: str) -> None:
        """Kill what is left of the server and start it again on the same store."""
        self.watch.paused = True
        self.watch.label = f"{cause} (restarting)"
        self.tree.kill()
        self.server.process.wait()
        self.logs.append(self.server.log.read_text(errors="replace"))
        self.server = self._start()
        self.restarts += 1
        self.tree = Tree(self.server.process.pid)
        self.watch.url, self.watch.tree = self.server.url, self.tree
        self.watch.paused = False

    def health(self) -> int | None:
        """The store's triple count from /health, None when it does not answer within 1 s."""
        try:
            response = httpx.get(f"{self.server.url}/health", timeout=HEALTH_WITHIN)
            return int(response.json()["triples"])
        except (httpx.HTTPError, ValueError, KeyError):
            return None

    def diagnose(self, case: Case) -> str | None:
        """After a failed connection: has the server crashed, frozen, or is it answering?"""
        code = self.server.process.poll()
        if code is None and case.name in self.watch.killed_for_memory:
            code = -signal.SIGKILL
        if code is not None:
            memory = (
                " (killed here: its memory passed the ceiling)"
                if case.name in self.watch.killed_for_memory
                else ""
            )
            return f"the server died: exit {code}{memory}"
        if all(self.health() is None for _ in range(3)):
            return "the server froze: /health did not answer for 3 s after"
        return None

    def play(self, client: httpx.Client, case: Case) -> None:
        self.watch.label = case.name
        connections = self.listener.connections
        triples = self.health() if case.writes else None
        outcome = send(client, self.server.url, case)
        self.seconds[case.name] = outcome.seconds
        problems = judge(case, outcome)
        if outcome.error is not None or self.server.process.poll() is not None:
            state = self.diagnose(case)
            if state is not None:
                problems.append(state)
            self.restart(case.name)  # also ends the work a client that gave up left behind
        elif case.writes and self.health() != triples:
            problems.append(f"the store changed: {triples} → {self.health()} triples")
        if self.listener.connections > connections:
            problems.append(f"{self.listener.connections - connections} connection(s) to the listener")
        if problems:
            self.problems[case.name] = problems

    def finish(self) -> list[str]:
        """Stop the server by SIGTERM, as an operator would; what went wrong on the way."""
        found = []
        if self.server.process.poll() is not None:
            found.append(f"the server is not running at the end (exit {self.server.process.returncode})")
        self.watch.stop()
        self.tree.refresh()
        self.server.process.terminate()
        try:
            self.server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            found.append("SIGTERM did not stop the server within 10 s")
        time.sleep(1)  # its workers end with it
        if len(self.tree.alive()) > 0:
            found.append(f"{len(self.tree.alive())} process(es) of the server outlived it")
        self.tree.kill()
        self.server.process.wait()
        self.logs.append(self.server.log.read_text(errors="replace"))
        for log in self.logs:
            for sign in ("Traceback", "Fatal Python error", "Segmentation fault"):
                if sign in log:
                    at = log.index(sign)
                    found.append(
                        f"a server log has {log.count(sign)} × {sign!r}, first: {log[at : at + 400]!r}"
                    )
        return found


def summary(kind: str, routes: Counter[str], seconds: float) -> str:
    per_route = ", ".join(f"{route} {n}" for route, n in sorted(routes.items()))
    return f"hostile corpus ({kind}): {sum(routes.values())} cases in {seconds:.0f} s; {per_route}"


def report(path: Path, problems: dict[str, list[str]], extra: list[str], seconds: dict[str, float]) -> str:
    """The failures, grouped, and a JSON copy beside them for whoever fixes them."""
    slowest = sorted(seconds.items(), key=lambda item: -item[1])
    path = Path(os.environ.get("RSIKG_HOSTILE_REPORT_DIR", path.parent)) / path.name
    path.write_text(json.dumps({"problems": problems, "other": extra, "slowest": slowest}, indent=1))
    lines = [f"{len(problems)} case(s) failed (all in {path}):"]
    lines += [f"- {name[:140]}: {'; '.join(found)[:400]}" for name, found in problems.items()]
    return "\n".join(lines + [f"- {e[:600]}" for e in extra])


def _elsewhere(base: str) -> str:
    """Another address than the listener's ``base`` (``http://127.0.0.1:PORT/``), never sent to."""
    host, port = base.rstrip("/").rsplit(":", 1)
    return f"{host}:{int(port) % 60000 + 1}/"


def reaching_for(cases: list[Case], elsewhere: list[Case]) -> list[Case]:
    """The cases of ``cases`` that name the listener, in whatever spelling (escaped, encoded,
    split): those that differ from the same corpus made for another address."""
    assert [c.name for c in cases] == [c.name for c in elsewhere]
    return [case for case, other in zip(cases, elsewhere, strict=True) if case != other]


def _capability_variants() -> list[object]:
    without = pytest.param(
        DROP_SYS_ADMIN,
        id="without-cap-sys-admin",
        marks=pytest.mark.skipif(
            os.geteuid() != 0 or shutil.which("setpriv") is None,
            reason="dropping CAP_SYS_ADMIN needs root and setpriv; without root the first run is this case",
        ),
    )
    return [pytest.param([], id="as-started"), without]


@pytest.mark.parametrize("prefix", _capability_variants())
def test_the_server_survives_the_hostile_corpus(
    prefix: list[str], listener: Listener, prepared: Prepared, tmp_path: Path
) -> None:
    shutil.copytree(prepared.store, tmp_path / "store")
    cases = corpus.http_cases(listener.base, TOKEN)
    if prefix:  # no network namespace for the workers: the cases that reach for the network
        cases = reaching_for(cases, corpus.http_cases(_elsewhere(listener.base), TOKEN))
        assert len(cases) > 300, len(cases)  # every spelling of SERVICE, LOAD, a remote document, …
    started = time.monotonic()
    run = Run(tmp_path, prefix, listener)
    try:
        isolated = httpx.get(f"{run.server.url}/health").json().get("workers_network_isolated")
        with httpx.Client() as client:
            for case in cases:
                run.play(client, case)
        extra = run.finish()
    finally:  # whatever happened, nothing the test started outlives it
        run.watch.stop()
        run.tree.kill()
    extra += run.watch.slow()
    extra += [f"restarted {run.restarts} time(s)"] if run.restarts else []
    change = store_change(tmp_path / "store", prepared.quads)
    extra += [change] if change else []
    extra += [f"the listener got: {request}" for request in listener.requests[:5]]
    extra += [f"killed at the memory ceiling during: {label}" for label in run.watch.killed_for_memory]
    kind = f"{'without CAP_SYS_ADMIN' if prefix else 'as started'}, workers isolated: {isolated}"
    print("\n" + summary(kind, Counter(case.route for case in cases), time.monotonic() - started))
    heavy = sorted(run.watch.peak.items(), key=lambda item: -item[1])[:3]
    print("most memory (server and workers): " + "; ".join(f"{m / 2**30:.1f} GB {n}" for n, m in heavy))
    name = f"hostile-{'without-cap' if prefix else 'as-started'}.json"
    assert not run.problems and not extra, report(tmp_path / name, run.problems, extra, run.seconds)


# -- the command ---------------------------------------------------------------------------------


# memory and output of a command bounded, so that a bomb fails in it and not on the machine
LIMITS = ["prlimit", f"--as={4 * 2**30}", f"--fsize={2 * MAX_ANSWER}", "--"]


def run_cli(case: CliCase, directory: Path, store: Path) -> list[str]:
    directory.mkdir()
    args = list(case.args)
    if case.file is not None:
        (directory / case.file[0]).write_bytes(case.file[1])
        args = [str(directory / case.file[0]) if a == "{file}" else a for a in args]
    out, err = directory / "stdout", directory / "stderr"
    env = _cli_env(store if case.store else Path(":memory:"))
    with out.open("wb") as stdout, err.open("wb") as stderr:
        try:
            code = subprocess.run(
                [*LIMITS, *_rsikg_command(), *args],
                stdout=stdout,
                stderr=stderr,
                env=env,
                cwd=directory,
                timeout=case.timeout,
            ).returncode
        except subprocess.TimeoutExpired:
            return [f"no exit within {case.timeout:g} s"]
    text = (out.read_bytes()[:MAX_ANSWER] + err.read_bytes()[:MAX_ANSWER]).decode("utf-8", "replace")
    problems = []
    if code == -signal.SIGXFSZ:
        problems.append(f"killed for writing over {MAX_ANSWER * 2 // 2**20} MB of output")
    elif code < 0:
        problems.append(f"killed by signal {-code}")
    elif code not in (1, 2):
        problems.append(f"exit {code} (wanted 1 or 2)")
    if not text.strip():
        problems.append("no message")
    problems += [f"the output contains {leak!r}: {text[-300:]!r}" for leak in LEAKS if leak in text]
    return problems


def test_the_command_survives_the_hostile_corpus(
    listener: Listener, prepared: Prepared, tmp_path: Path
) -> None:
    store = tmp_path / "store"
    shutil.copytree(prepared.store, store)
    cases = corpus.cli_cases(listener.base)
    started = time.monotonic()
    problems: dict[str, list[str]] = {}
    seconds: dict[str, float] = {}
    for n, case in enumerate(cases):
        connections, began = listener.connections, time.monotonic()
        found = run_cli(case, tmp_path / f"case-{n}", store)
        seconds[case.name] = time.monotonic() - began
        if listener.connections > connections:
            found.append(f"{listener.connections - connections} connection(s) to the listener")
        if found:
            problems[case.name] = found
    change = store_change(store, prepared.quads)
    extra = [change] if change else []
    print("\n" + summary("the command", Counter(case.route for case in cases), time.monotonic() - started))
    assert not problems and not extra, report(tmp_path / "hostile-cli.json", problems, extra, seconds)
