"""``make run`` checks its port before it installs or loads anything (issue 16, item 6): a taken
port is a one-line message naming it and how to choose another, and exit 2; ``PORT=`` chooses."""

from __future__ import annotations

import socket
import subprocess

from tests.conftest import ROOT


def _port_free(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "port-free", f"PORT={port}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_taken_port_is_named_before_anything_is_installed() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = _port_free(port)
        assert busy.returncode == 2
        assert f"127.0.0.1:{port} is taken" in busy.stderr and "make run PORT=" in busy.stderr
    free = _port_free(port)  # closed again: free
    assert free.returncode == 0, free.stderr
