"""Record headers in and out through the three Python Kafka clients, over a real
broker: the consumer continues the producer's trace, and the other headers of a
forwarded record (bytes, repeats) pass through untouched."""

from __future__ import annotations

import asyncio
import importlib.util
import pathlib
from typing import Any

import aiokafka
import confluent_kafka
import kafka
import pytest
import tracewire
import tracewire.kafka
from tracewire import scope

TIMEOUT_S = 30.0
EXAMPLES = pathlib.Path(__file__).resolve().parents[3] / "examples" / "python"
# What a forwarded record carried: a stale traceparent (in another spelling), a
# binary header and a repeated one.
FORWARDED = [
    ("TraceParent", b"00-11111111111111111111111111111111-2222222222222222-01"),
    ("schema", b"\x00\xff\x01"),
    ("hop", b"1"),
    ("hop", b"2"),
]


def producer_span() -> tracewire.Context:
    return tracewire.Context.new_root().with_tracestate("shop", "eu").with_baggage("order", "o-7")


def check_received(headers: Any, message: Any, sent: tracewire.Context) -> None:
    assert [
        (k, bytes(v))
        for k, v in headers
        if k != "traceparent" and k != "tracestate" and k != "baggage"
    ] == FORWARDED[1:]
    assert sum(1 for k, _ in headers if k.lower() == "traceparent") == 1
    consumer = tracewire.kafka.continue_from(message)
    assert consumer.trace_id == sent.trace_id
    assert consumer.parent_span_id == sent.span_id
    assert consumer.tracestate == "shop=eu"
    assert consumer.baggage == {"order": "o-7"}
    assert tracewire.kafka.extract_from(message) == sent


def test_confluent_kafka(bootstrap: str) -> None:
    sent = producer_span()
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap})
    producer.produce("tw-confluent", b"{}", headers=tracewire.kafka.headers(sent, FORWARDED))
    assert producer.flush(TIMEOUT_S) == 0
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "tw", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe(["tw-confluent"])
    try:
        message = None
        for _ in range(int(TIMEOUT_S)):
            message = consumer.poll(1.0)
            if message is not None and message.error() is None:
                break
        assert message is not None
        assert message.error() is None
        check_received(message.headers(), message, sent)
        # A handler wrapped by traced() runs with the consumer span as current.
        seen = tracewire.kafka.traced(lambda m: scope.current())(message)
        assert seen is not None
        assert seen.parent_span_id == sent.span_id
    finally:
        consumer.close()


def test_kafka_python(bootstrap: str) -> None:
    sent = producer_span()
    producer = kafka.KafkaProducer(bootstrap_servers=bootstrap)
    producer.send("tw-kafka-python", b"{}", headers=tracewire.kafka.headers(sent, FORWARDED)).get(
        timeout=TIMEOUT_S
    )
    producer.close()
    consumer = kafka.KafkaConsumer(
        "tw-kafka-python",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        consumer_timeout_ms=int(TIMEOUT_S * 1000),
    )
    try:
        record = next(iter(consumer))
        check_received(record.headers, record, sent)
    finally:
        consumer.close()


def test_aiokafka(bootstrap: str) -> None:
    sent = producer_span()

    async def relay() -> tuple[Any, tracewire.Context | None]:
        producer = aiokafka.AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(
                "tw-aiokafka", b"{}", headers=tracewire.kafka.headers(sent, FORWARDED)
            )
        finally:
            await producer.stop()
        consumer = aiokafka.AIOKafkaConsumer(
            "tw-aiokafka", bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), TIMEOUT_S)
        finally:
            await consumer.stop()

        async def handle(_: Any) -> tracewire.Context | None:
            await asyncio.sleep(0)
            return scope.current()

        return record, await tracewire.kafka.traced_async(handle)(record)

    record, seen = asyncio.run(relay())
    check_received(record.headers, record, sent)
    assert seen is not None
    assert seen.parent_span_id == sent.span_id


def test_a_record_without_headers_starts_a_trace() -> None:
    class Record:
        headers = None

    assert tracewire.kafka.extract_from(Record()) is None
    assert tracewire.kafka.continue_from(Record()).parent_span_id is None
    with pytest.raises(TypeError):
        tracewire.kafka.continue_from(object())  # type: ignore[arg-type]


def test_relay_example(bootstrap: str) -> None:
    spec = importlib.util.spec_from_file_location("relay", EXAMPLES / "kafka" / "relay.py")
    assert spec is not None
    assert spec.loader is not None
    relay = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(relay)
    order = producer_span()
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap})
    producer.produce("tw-orders", b"{}", headers=tracewire.kafka.headers(order))
    assert producer.flush(TIMEOUT_S) == 0
    relay.main(bootstrap, "tw-orders", "tw-payments")
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "check", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe(["tw-payments"])
    try:
        message = consumer.poll(TIMEOUT_S)
        assert message is not None
        assert message.error() is None
        payment = tracewire.kafka.extract_from(message)
        assert payment is not None
        assert payment.trace_id == order.trace_id
        assert payment.span_id != order.span_id
        assert payment.tracestate == "shop=eu"
        assert payment.baggage == {"order": "o-7"}
    finally:
        consumer.close()
