"""The interop tests' shared parts: where test.sh put what it built, and the peer
programs, each started once per session and asked one JSON line at a time."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
# Short-lived JVMs: the client compiler and the serial collector start fastest.
JAVA = ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"]


def built(variable: str) -> Path:
    """A path test.sh prepared and exported (a peer binary, a classpath, a jar)."""
    value = os.environ.get(variable)
    if not value:
        pytest.fail(f"${variable} is not set: run the interop tests with tests/interop/test.sh")
    return Path(value)


def free_port() -> int:
    """A loopback port nothing listens on (for a server this session starts)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Peer:
    """One implementation behind the line protocol (tests/interop/README.md)."""

    name: str
    tracewire: bool
    command: list[str]
    process: subprocess.Popen[str] | None = field(default=None, repr=False)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        if self.process is None:
            self.process = subprocess.Popen(
                self.command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                cwd=REPO,
            )
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"{self.name} exited ({self.process.wait()}) on {request}"
        reply: dict[str, Any] = json.loads(line)
        return reply

    def close(self) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            assert self.process.wait(timeout=30) == 0, f"{self.name} failed"


@pytest.fixture(scope="session")
def peers() -> Iterator[list[Peer]]:
    python = HERE / "python"
    started = [
        Peer("tracewire Python", True, [sys.executable, str(python / "tracewire_peer.py")]),
        Peer("tracewire Node", True, ["node", str(HERE / "node" / "tracewire-peer.mjs")]),
        Peer("tracewire Rust", True, [str(built("INTEROP_RUST_PEER"))]),
        Peer("OTel Python", False, [sys.executable, str(python / "otel_peer.py")]),
        Peer("OTel JS", False, ["node", str(HERE / "node" / "otel-peer.mjs")]),
        Peer(
            "OTel Java",
            False,
            [*JAVA, "-cp", f"{built('INTEROP_JAVA_LIBS')}/*", str(HERE / "java" / "Peer.java")],
        ),
        Peer("OTel Go", False, [str(built("INTEROP_GO_PEER"))]),
    ]
    yield started
    for peer in started:
        peer.close()
