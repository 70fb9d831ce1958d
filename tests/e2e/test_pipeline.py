"""End to end: the order pipeline over a real Kafka broker, four languages, one trace.

Each scenario runs ``examples/pipeline/demo.sh`` once (a browser click in headless
Chromium, Rust, Python and Node services, a single-node Kafka) and the tests read
what it left in its run directory: the services' JSON logs, their span records,
the printed tree and ``result.json``.

Scenarios: ``happy`` (the email is sent), ``payment-fails`` (``--fail payment``),
``body-only`` (user-service publishes without record headers; order-service
continues the trace from the ``traceId``/``spanId`` stamped in the event body).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "pipeline" / "demo.sh"
BROKER = REPO / "examples" / "kafka" / "broker.sh"
TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$")
SCENARIOS = {
    "happy": [],
    "payment-fails": ["--fail", "payment"],
    "body-only": ["--user-orders-headers", "off"],
}
# The page reports through user-service; the five services log themselves.
SERVICES = [
    "user-service",
    "order-service",
    "inventory-service",
    "payment-service",
    "notification-service",
]
LANGUAGES = {
    "checkout-page": "browser (wasm)",
    "user-service": "Rust",
    "order-service": "Rust",
    "inventory-service": "Python",
    "payment-service": "Python",
    "notification-service": "Node",
}


@dataclass
class Run:
    """What one pipeline run left behind."""

    scenario: str
    exit_status: int
    stdout: str
    stderr: str
    run_dir: Path
    kafka_port: int
    result: dict[str, Any]
    spans: list[dict[str, Any]]
    logs: dict[str, list[dict[str, Any]]]

    @property
    def trace_id(self) -> str:
        trace_id: str = self.result["traceId"]
        return trace_id

    def span(self, service: str, name: str) -> dict[str, Any]:
        found = [s for s in self.spans if s["service"] == service and s["name"] == name]
        assert len(found) == 1, f"{service} {name!r}: {len(found)} records"
        return found[0]

    def events(self, service: str, event: str, **match: Any) -> list[dict[str, Any]]:
        return [
            line
            for line in self.logs[service]
            if line.get("event") == event
            and all(line.get(k) == v for k, v in match.items())
        ]


def kafka_ports() -> int:
    """A free port whose successor (the KRaft controller port) is free too."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port < 65535:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port + 1))
                except OSError:
                    continue
            return port
    raise RuntimeError("no two consecutive free ports")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@pytest.fixture(scope="module", params=list(SCENARIOS))
def run(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    scenario: str = request.param
    run_dir = tmp_path_factory.mktemp(f"pipeline-{scenario}")
    port = kafka_ports()
    env = {**os.environ, "KAFKA_PORT": str(port), "FAIL": ""}
    done = subprocess.run(
        [str(DEMO), *SCENARIOS[scenario], "--run-dir", str(run_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    result_file = run_dir / "result.json"
    assert result_file.exists(), f"no result.json\n{done.stdout}\n{done.stderr}"
    return Run(
        scenario=scenario,
        exit_status=done.returncode,
        stdout=done.stdout,
        stderr=done.stderr,
        run_dir=run_dir,
        kafka_port=port,
        result=json.loads(result_file.read_text()),
        spans=[
            s
            for f in sorted((run_dir / "spans").glob("*.jsonl"))
            for s in read_jsonl(f)
        ],
        logs={name: read_jsonl(run_dir / "logs" / f"{name}.log") for name in SERVICES},
    )


def test_the_run_went_as_asked(run: Run) -> None:
    assert run.exit_status == 0, run.stderr
    assert run.result["state"] == "placed"
    expected_tree_status = 3 if run.scenario == "payment-fails" else 0
    assert run.result["tree_exit_status"] == expected_tree_status


def test_one_trace_id_in_every_language(run: Run) -> None:
    assert re.fullmatch(r"[0-9a-f]{32}", run.trace_id)
    services = {s["service"] for s in run.spans}
    expected = set(LANGUAGES)
    if run.scenario == "payment-fails":
        expected.discard("notification-service")
    assert services == expected
    assert {s["trace_id"] for s in run.spans} == {run.trace_id}
    for service, lines in run.logs.items():
        traced = {line["trace_id"] for line in lines if line.get("trace_id")}
        assert traced == {run.trace_id}, (
            f"{service} ({LANGUAGES[service]}) logged {traced}"
        )
    # The notification service (Node) is in the trace even when it made no span.
    assert run.events("notification-service", "kafka.received")
    # The page's span came from Chromium.
    page = run.span("checkout-page", "POST /orders")
    assert "Chrome" in page["attributes"]["user_agent.original"]


def test_tree_shape(run: Run) -> None:
    page = run.span("checkout-page", "POST /orders")
    server = run.span("user-service", "POST /orders")
    placed = run.span("user-service", "send user-orders")
    order_in = run.span("order-service", "process user-orders")
    order_out = run.span("order-service", "send orders")
    inventory_in = run.span("inventory-service", "process orders")
    inventory_out = run.span("inventory-service", "send inventory")
    payment_in = run.span("payment-service", "process orders")

    assert (page["kind"], page["parent_span_id"]) == ("client", None)
    assert (server["kind"], server["parent_span_id"]) == ("server", page["span_id"])
    assert (placed["kind"], placed["parent_span_id"]) == ("producer", server["span_id"])
    assert (order_in["kind"], order_in["parent_span_id"]) == (
        "consumer",
        placed["span_id"],
    )
    assert (order_out["kind"], order_out["parent_span_id"]) == (
        "producer",
        order_in["span_id"],
    )
    # Fan-out: both consumers of `orders` are children of the same producer span.
    assert (inventory_in["kind"], inventory_in["parent_span_id"]) == (
        "consumer",
        order_out["span_id"],
    )
    assert (payment_in["kind"], payment_in["parent_span_id"]) == (
        "consumer",
        order_out["span_id"],
    )
    assert inventory_out["parent_span_id"] == inventory_in["span_id"]
    for span in run.spans:
        assert span["start_unix_nano"] <= span["end_unix_nano"]

    if run.scenario == "payment-fails":
        assert len(run.spans) == 8
        return
    payment_out = run.span("payment-service", "send payments")
    notification = run.span("notification-service", "process payments")
    assert payment_out["parent_span_id"] == payment_in["span_id"]
    # Fan-in: the payment is the parent, the inventory reservation a link.
    assert (notification["kind"], notification["parent_span_id"]) == (
        "consumer",
        payment_out["span_id"],
    )
    assert notification["links"] == [
        {"trace_id": run.trace_id, "span_id": inventory_out["span_id"]}
    ]
    assert all(s["status"] == "ok" for s in run.spans)
    assert len(run.spans) == 10


def test_printed_tree(run: Run) -> None:
    lines = run.stdout.splitlines()
    assert lines[0].startswith(f"trace {run.trace_id} (")
    tree = (run.run_dir / "tree.txt").read_text()
    assert tree == run.stdout

    def depth(service: str, name: str) -> int:
        [line] = [line for line in lines if f"{service}: {name} [" in line]
        assert re.search(r"\] \d+\.\d ms", line), line
        return line.index(service) // 3

    assert depth("checkout-page", "POST /orders") == 1
    assert depth("user-service", "POST /orders") == 2
    assert depth("order-service", "process user-orders") == 4
    assert depth("inventory-service", "process orders") == 6
    assert depth("payment-service", "process orders") == 6
    if run.scenario == "payment-fails":
        [failed] = [line for line in lines if "payment-service: process orders" in line]
        assert "ERROR: card declined" in failed
        assert "notification-service" not in run.stdout
        assert lines[-1].startswith("stopped: payment-service")
    else:
        assert depth("notification-service", "process payments") == 8
        assert "↳ link: inventory-service: send inventory" in run.stdout
        assert lines[-1] == "complete: 10 spans across 6 services, no failure"


def test_kafka_headers_at_each_hop(run: Run) -> None:
    """Each consumer logs the record headers it received: a well-formed
    traceparent of this trace whose parent-id is the producer's span."""
    hops = [
        ("user-orders", "user-service", "send user-orders", "order-service"),
        ("orders", "order-service", "send orders", "inventory-service"),
        ("orders", "order-service", "send orders", "payment-service"),
        ("inventory", "inventory-service", "send inventory", "notification-service"),
    ]
    if run.scenario != "payment-fails":
        hops.append(
            ("payments", "payment-service", "send payments", "notification-service")
        )
    for topic, producer, name, consumer in hops:
        producer_span = run.span(producer, name)
        [published] = run.events(producer, "kafka.published", topic=topic)
        [received] = run.events(consumer, "kafka.received", topic=topic)
        if run.scenario == "body-only" and topic == "user-orders":
            assert published["headers"] == {}
            assert received["headers"] == {}
            continue
        for side in (published, received):
            match = TRACEPARENT.match(side["headers"]["traceparent"])
            assert match, side["headers"]
            assert match[1] == run.trace_id
            assert match[2] == producer_span["span_id"], f"{topic} → {consumer}"
        if received.get("role") == "link":
            assert received["link"]["span_id"] == producer_span["span_id"]
        else:
            assert received["parent_span_id"] == producer_span["span_id"]

    # The HTTP hop: the page's span id arrives as the parent-id.
    [request] = run.events("user-service", "http.request")
    match = TRACEPARENT.match(request["headers"]["traceparent"])
    assert match
    assert match[2] == run.span("checkout-page", "POST /orders")["span_id"]


def test_context_source_of_user_orders(run: Run) -> None:
    """The order service takes the context from the headers, or from the body
    when the record has none; user-service stamps the body either way."""
    [published] = run.events("user-service", "kafka.published", topic="user-orders")
    [received] = run.events("order-service", "kafka.received", topic="user-orders")
    producer = run.span("user-service", "send user-orders")
    body = json.loads(published["body"])
    assert (body["traceId"], body["spanId"]) == (run.trace_id, producer["span_id"])
    expected = "body" if run.scenario == "body-only" else "headers"
    assert received["context_source"] == expected
    order_in = run.span("order-service", "process user-orders")
    assert order_in["attributes"]["tracewire.context_source"] == expected


def test_story_outcome(run: Run) -> None:
    emails = run.events("notification-service", "email.sent")
    if run.scenario == "payment-fails":
        assert emails == []
        payment = run.span("payment-service", "process orders")
        assert payment["status"] == "error"
        assert payment["status_message"].startswith("card declined")
        assert not [s for s in run.spans if s["name"] == "send payments"]
        assert run.events("payment-service", "payment.failed")
    else:
        [email] = emails
        assert email["to"] == "ada@example.com"
        assert email["trace_id"] == run.trace_id
        assert (
            email["link"]["span_id"]
            == run.span("inventory-service", "send inventory")["span_id"]
        )


def test_exports(run: Run) -> None:
    zipkin = json.loads((run.run_dir / "zipkin.json").read_text())
    assert {span["traceId"] for span in zipkin} == {run.trace_id}
    assert len(zipkin) == len(run.spans)
    otlp = json.loads((run.run_dir / "otlp.json").read_text())
    exported = [
        span
        for resource in otlp["resourceSpans"]
        for scope in resource["scopeSpans"]
        for span in scope["spans"]
    ]
    assert len(exported) == len(run.spans)


def test_nothing_left_running(run: Run) -> None:
    for service, pid in run.result["pids"].items():
        assert not _running(pid, service), f"{service} (pid {pid}) still runs"
    status = subprocess.run(
        [str(BROKER), "status"],
        env={**os.environ, "KAFKA_PORT": str(run.kafka_port)},
        capture_output=True,
        check=False,
    )
    assert status.returncode == 3, status.stdout


def _running(pid: int, service: str) -> bool:
    """True if `pid` is alive (not a zombie) and still the service's process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    program = {
        "inventory-service": "inventory.py",
        "payment-service": "payment.py",
        "notification-service": "notification.mjs",
    }.get(service, service)
    return stat.rsplit(")", 1)[1].split()[0] != "Z" and program in cmdline
