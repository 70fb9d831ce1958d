"""tracewire's exports against real tracing backends' formats: Zipkin v2 JSON sent
to a real Zipkin server and read back through its API has the tree tracewire
rebuilds itself (`tracewire tree`), and OTLP/JSON parses strictly into the
OpenTelemetry protobuf message (`opentelemetry-proto`) with the same ids and
parents."""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import tracewire
from conftest import JAVA, built, free_port
from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

START = 1_764_038_400_000_000_000  # 2025-11-25, whole microseconds as Zipkin keeps them
US = 1_000


def record(
    ctx: tracewire.Context,
    service: str,
    name: str,
    kind: str,
    start_us: int,
    end_us: int,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "trace_id": ctx.trace_id,
        "span_id": ctx.span_id,
        "parent_span_id": ctx.parent_span_id,
        "service": service,
        "name": name,
        "kind": kind,
        "start_unix_nano": START + start_us * US,
        "end_unix_nano": START + end_us * US,
        "status": "ok",
        "status_message": None,
        "links": [],
        "attributes": {},
        **extra,
    }


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """An order's trace as its services would record it: a fan-out, a failed
    branch, and a link from the notification to the payment."""
    page = tracewire.Context.new_root()
    server = page.child()
    placed = server.child()
    inventory = placed.child()
    payment = placed.child()
    notify = inventory.child()
    topic = {"messaging.destination.name": "orders"}
    return [
        record(page, "checkout-page", "POST /orders", "client", 0, 9_000),
        record(server, "user-service", "POST /orders", "server", 500, 8_700),
        record(placed, "user-service", "send orders", "producer", 1_000, 1_400, attributes=topic),
        record(inventory, "inventory-service", "process orders", "consumer", 2_000, 3_100),
        record(
            payment,
            "payment-service",
            "process orders",
            "consumer",
            2_050,
            2_300,
            status="error",
            status_message="card declined",
        ),
        record(
            notify,
            "notification-service",
            "send email",
            "internal",
            3_200,
            4_000,
            links=[{"trace_id": payment.trace_id, "span_id": payment.span_id}],
        ),
    ]


@pytest.fixture(scope="module")
def records_file(records: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("spans") / "spans.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def cli(*args: str, status: int = 0) -> str:
    done = subprocess.run(
        [str(built("TRACEWIRE_CLI")), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == status, done.stderr
    return done.stdout


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1) as health:
            status: int = health.status
            return status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def zipkin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Zipkin server (in-memory storage) on a free loopback port."""
    port = free_port()
    log = tmp_path_factory.mktemp("zipkin") / "zipkin.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                *JAVA,
                "-Xmx256m",
                "-jar",
                str(built("ZIPKIN_JAR")),
                "--armeria.ports[0].ip=127.0.0.1",
                f"--armeria.ports[0].port={port}",
                "--armeria.ports[0].protocols=http",
            ],
            env={**os.environ, "STORAGE_TYPE": "mem", "QUERY_PORT": str(port)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while not healthy(url):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"Zipkin did not start\n{log.read_text()}"
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def tree_lines(text: str) -> list[tuple[int, str]]:
    """(depth, "service: name [kind]") of each span line of `tracewire tree`."""
    spans = []
    for line in text.splitlines():
        found = re.match(r"^((?:│  |   )*)[├└]─ (.+?\[\w+\])", line)
        if found:
            spans.append((len(found.group(1)) // 3, found.group(2)))
    return spans


def zipkin_tree_lines(spans: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """The same lines, from what Zipkin's API returned: children by start, then id."""
    by_id = {s["id"]: s for s in spans}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for span in sorted(spans, key=lambda s: (s["timestamp"], s["id"])):
        parent = span.get("parentId")
        children.setdefault(parent if parent in by_id else None, []).append(span)
    lines: list[tuple[int, str]] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in children.get(parent, []):
            kind = span.get("kind", "internal").lower()
            service = span["localEndpoint"]["serviceName"]
            lines.append((depth, f"{service}: {span['name']} [{kind}]"))
            walk(span["id"], depth + 1)

    walk(None, 0)
    return lines


def read_trace(zipkin: str, trace_id: str) -> list[dict[str, Any]]:
    """The spans Zipkin's API holds for the trace (none yet: 404)."""
    try:
        with urllib.request.urlopen(f"{zipkin}/api/v2/trace/{trace_id}", timeout=5) as got:
            spans: list[dict[str, Any]] = json.load(got)
            return spans
    except urllib.error.HTTPError as error:
        if error.code != 404:
            raise
        return []


def test_zipkin_keeps_the_tree(
    zipkin: str, records: list[dict[str, Any]], records_file: Path
) -> None:
    trace_id = records[0]["trace_id"]
    exported = cli("export", "zipkin", str(records_file))
    posted = urllib.request.Request(
        f"{zipkin}/api/v2/spans",
        data=exported.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(posted, timeout=10) as response:
        assert response.status == 202
    # Zipkin stores asynchronously: poll until the whole trace is readable.
    stored: list[dict[str, Any]] = []
    for _ in range(100):
        stored = read_trace(zipkin, trace_id)
        if len(stored) == len(records):
            break
        time.sleep(0.1)
    assert len(stored) == len(records)

    # The failed payment makes `tree` exit 3: the branch where the order stopped.
    own = cli("tree", "--trace-id", trace_id, str(records_file), status=3)
    # Zipkin's model keeps service and span names in lower case.
    assert [(d, label.lower()) for d, label in tree_lines(own)] == zipkin_tree_lines(stored)
    assert len(tree_lines(own)) == len(records)

    by_id = {s["id"]: s for s in stored}
    for r in records:
        span = by_id[r["span_id"]]
        assert span["traceId"] == trace_id
        assert span.get("parentId") == r["parent_span_id"]
        assert span["timestamp"] == r["start_unix_nano"] // US
        assert span["duration"] == (r["end_unix_nano"] - r["start_unix_nano"]) // US
    assert by_id[records[4]["span_id"]]["tags"]["error"] == "card declined"
    assert "ERROR: card declined" in own
    assert by_id[records[2]["span_id"]]["tags"]["messaging.destination.name"] == "orders"
    link = records[5]["links"][0]
    assert by_id[records[5]["span_id"]]["tags"]["link.0"] == f"{link['trace_id']}/{link['span_id']}"


def hex_ids_as_base64(value: Any) -> Any:
    """OTLP/JSON writes trace and span ids as hex where the protobuf JSON mapping
    has base64 for bytes (the OTLP specification's one deviation from it): check
    each is lowercase hex of the right length, and re-encode it for the parser."""
    lengths = {"traceId": 32, "spanId": 16, "parentSpanId": 16}
    if isinstance(value, list):
        return [hex_ids_as_base64(v) for v in value]
    if not isinstance(value, dict):
        return value
    converted = {}
    for key, item in value.items():
        if key in lengths:
            assert re.fullmatch(f"[0-9a-f]{{{lengths[key]}}}", item), (key, item)
            item = base64.b64encode(bytes.fromhex(item)).decode()
        converted[key] = hex_ids_as_base64(item)
    return converted


def test_otlp_json_parses_into_the_protobuf_message(
    records: list[dict[str, Any]], records_file: Path
) -> None:
    exported = json.loads(cli("export", "otlp", str(records_file)))
    request = ExportTraceServiceRequest()
    json_format.Parse(json.dumps(hex_ids_as_base64(exported)), request, ignore_unknown_fields=False)

    parsed: dict[str, tuple[str, Span]] = {}
    for resource_spans in request.resource_spans:
        [service] = [
            a.value.string_value
            for a in resource_spans.resource.attributes
            if a.key == "service.name"
        ]
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                parsed[span.span_id.hex()] = (service, span)
    assert len(parsed) == len(records)
    kinds = {
        "internal": Span.SPAN_KIND_INTERNAL,
        "server": Span.SPAN_KIND_SERVER,
        "client": Span.SPAN_KIND_CLIENT,
        "producer": Span.SPAN_KIND_PRODUCER,
        "consumer": Span.SPAN_KIND_CONSUMER,
    }
    for r in records:
        service, span = parsed[r["span_id"]]
        assert service == r["service"]
        assert span.trace_id.hex() == r["trace_id"]
        assert span.parent_span_id.hex() == (r["parent_span_id"] or "")
        assert (span.name, span.kind) == (r["name"], kinds[r["kind"]])
        assert (span.start_time_unix_nano, span.end_time_unix_nano) == (
            r["start_unix_nano"],
            r["end_unix_nano"],
        )
        failed = r["status"] == "error"
        assert span.status.code == (Status.STATUS_CODE_ERROR if failed else Status.STATUS_CODE_OK)
        assert [(link.trace_id.hex(), link.span_id.hex()) for link in span.links] == [
            (link["trace_id"], link["span_id"]) for link in r["links"]
        ]
        assert {a.key: a.value.string_value for a in span.attributes} == r["attributes"]
    assert parsed[records[4]["span_id"]][1].status.message == "card declined"
