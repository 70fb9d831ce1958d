"""A Java consumer (kafka-clients and the OpenTelemetry Java API and SDK,
examples/java/OrderConsumer.java) continues the trace that a Python producer
using tracewire started, over a real single-node Kafka broker."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator

import pytest
import tracewire
from confluent_kafka import Producer
from conftest import JAVA, REPO, built, free_port

BROKER = REPO / "examples" / "kafka" / "broker.sh"
TOPIC = "orders"


def kafka_port() -> int:
    """A free port whose successor (the KRaft controller port) is free too."""
    for _ in range(50):
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture(scope="module")
def bootstrap() -> Iterator[str]:
    env = {**os.environ, "KAFKA_PORT": str(kafka_port()), "KAFKA_TOPICS": TOPIC}
    started = subprocess.run(
        [str(BROKER), "start"], env=env, capture_output=True, text=True, check=False
    )
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(BROKER), "stop"], env=env, capture_output=True, check=True)


def test_java_consumer_continues_a_tracewire_trace(bootstrap: str) -> None:
    # The producer's span: a new trace, with a tracestate entry of its own.
    sent = tracewire.Context.new_root().with_tracestate("tracewire", "py")
    producer = Producer({"bootstrap.servers": bootstrap})
    producer.produce(TOPIC, value=b'{"orderId": 42}', headers=sent.inject([]))
    assert producer.flush(30) == 0

    consumer = subprocess.run(
        [
            *JAVA,
            "-cp",
            f"{built('JAVA_CONSUMER_LIBS')}/*",
            str(REPO / "examples" / "java" / "OrderConsumer.java"),
            bootstrap,
            TOPIC,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert consumer.returncode == 0, consumer.stderr
    [span] = [json.loads(line) for line in consumer.stdout.splitlines()]
    assert span["trace_id"] == sent.trace_id
    assert span["parent_span_id"] == sent.span_id
    assert span["span_id"] not in (sent.span_id, "0000000000000000")
    assert span["tracestate"] == "tracewire=py"
    assert span["sampled"] is True
    assert (span["name"], span["kind"]) == (f"process {TOPIC}", "consumer")
    assert f'processed {{"orderId": 42}} in trace {sent.trace_id}' in consumer.stderr
