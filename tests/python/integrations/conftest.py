"""A real Kafka broker for the client tests, started once per session on free ports."""

from __future__ import annotations

import os
import pathlib
import socket
import subprocess
from collections.abc import Iterator

import pytest

BROKER = pathlib.Path(__file__).resolve().parents[3] / "examples" / "kafka" / "broker.sh"
TOPICS = ("tw-confluent", "tw-kafka-python", "tw-aiokafka", "tw-orders", "tw-payments")


def _two_free_ports() -> int:
    """A free port whose successor (the KRaft controller port) is free too."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture(scope="session")
def bootstrap() -> Iterator[str]:
    env = {**os.environ, "KAFKA_PORT": str(_two_free_ports()), "KAFKA_TOPICS": ",".join(TOPICS)}
    started = subprocess.run(
        [str(BROKER), "start"], env=env, capture_output=True, text=True, check=False
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(BROKER), "stop"], env=env, capture_output=True, check=False)
