"""What the Python services of the order pipeline share: configuration from the
environment, structured log lines, span records, and the Kafka consume loop.

Environment: ``KAFKA_BOOTSTRAP`` (default ``127.0.0.1:19092``), ``SPAN_FILE``
(default ``<service>.spans.jsonl``). Logs are JSON lines on stdout.
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterable
from typing import Any

import tracewire
import tracewire.kafka
from confluent_kafka import Consumer, KafkaError, Message, Producer


class Service:
    """A running service: its name, its span file, a stop flag (SIGTERM/SIGINT)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bootstrap = os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:19092")
        self._spans = open(  # noqa: SIM115 - kept open for the life of the service
            os.environ.get("SPAN_FILE", f"{name}.spans.jsonl"), "a", encoding="utf-8"
        )
        self._stopping = False
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)

    def _stop(self, _signum: int, _frame: object) -> None:
        self._stopping = True

    def log(
        self, event: str, ctx: tracewire.Context | None = None, **fields: Any
    ) -> None:
        """Prints a JSON log line: time, service, event, the span's ids, ``fields``."""
        line = {
            "time_unix_nano": time.time_ns(),
            "service": self.name,
            "event": event,
            "trace_id": ctx.trace_id if ctx else None,
            "span_id": ctx.span_id if ctx else None,
            "parent_span_id": ctx.parent_span_id if ctx else None,
            **fields,
        }
        print(json.dumps(line), flush=True)

    def record(
        self,
        ctx: tracewire.Context,
        name: str,
        kind: str,
        start: int,
        *,
        error: str | None = None,
        links: Iterable[tracewire.Context] = (),
        attributes: dict[str, str] | None = None,
    ) -> None:
        """Appends the span record of ``ctx``, started at ``start``, ending now."""
        record = {
            "trace_id": ctx.trace_id,
            "span_id": ctx.span_id,
            "parent_span_id": ctx.parent_span_id,
            "service": self.name,
            "name": name,
            "kind": kind,
            "start_unix_nano": start,
            "end_unix_nano": time.time_ns(),
            "status": "error" if error else "ok",
            "status_message": error,
            "links": [
                {"trace_id": link.trace_id, "span_id": link.span_id} for link in links
            ],
            "attributes": attributes or {},
        }
        self._spans.write(json.dumps(record) + "\n")
        self._spans.flush()

    def send(
        self,
        producer: Producer,
        parent: tracewire.Context,
        topic: str,
        key: str,
        event: dict[str, Any],
    ) -> None:
        """Publishes ``event`` to ``topic`` in a producer span under ``parent``:
        the record carries that span's context, and the span is recorded and logged."""
        span, start = parent.child(), time.time_ns()
        sent = tracewire.kafka.headers(span)
        publish(producer, topic, key, json.dumps(event).encode(), sent)
        self.record(
            span,
            f"send {topic}",
            "producer",
            start,
            attributes=messaging_attributes(topic, key),
        )
        self.log(
            "kafka.published",
            span,
            topic=topic,
            order_id=event["orderId"],
            headers=headers_json(sent),
        )

    def producer(self, topic: str) -> Producer:
        """A producer that sends each record at once, connected and with the
        metadata of ``topic`` fetched: the first producer span has no connection time.
        """
        producer = Producer(
            {
                "bootstrap.servers": self.bootstrap,
                "client.id": self.name,
                "linger.ms": 0,
            }
        )
        producer.list_topics(topic, timeout=10)
        return producer

    def consume(self, topics: list[str], handle: Callable[[Message], None]) -> None:
        """Calls ``handle`` for every record of ``topics`` until asked to stop.

        The service has its own consumer group and starts from the earliest offset,
        so records published before it joined are still processed.
        """
        consumer = Consumer(
            {
                "bootstrap.servers": self.bootstrap,
                "group.id": self.name,
                "client.id": self.name,
                "auto.offset.reset": "earliest",
            }
        )
        consumer.subscribe(topics)
        self.log("ready", topics=topics)
        try:
            while not self._stopping:
                message = consumer.poll(0.2)
                if message is None:
                    continue
                error = message.error()
                if error is not None:
                    self.log("kafka.error", error=str(error))
                    continue
                handle(message)
        finally:
            consumer.close()
            self.log("stopped")


def publish(
    producer: Producer,
    topic: str,
    key: str,
    value: bytes,
    headers: tracewire.kafka.Headers,
) -> None:
    """Publishes one record and waits for the broker's acknowledgement."""
    failure: list[KafkaError] = []

    def delivered(error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            failure.append(error)

    producer.produce(
        topic, value=value, key=key, headers=list(headers), on_delivery=delivered
    )
    if producer.flush(10) > 0:
        raise RuntimeError(f"{topic}: not delivered within 10 s")
    if failure:
        raise RuntimeError(f"{topic}: {failure[0]}")


def headers_json(
    headers: Iterable[tuple[str, str | bytes | None]]
    | dict[str, str | bytes | None]
    | None,
) -> dict[str, str | list[str]]:
    """Record headers for a log line: name to text, repeats as lists."""
    pairs = headers.items() if isinstance(headers, dict) else headers or ()
    out: dict[str, str | list[str]] = {}
    for name, value in pairs:
        text = (
            value.decode("utf-8", "replace")
            if isinstance(value, bytes)
            else value or ""
        )
        previous = out.get(name)
        if previous is None:
            out[name] = text
        elif isinstance(previous, list):
            previous.append(text)
        else:
            out[name] = [previous, text]
    return out


def messaging_attributes(topic: str, key: str) -> dict[str, str]:
    """Kafka attributes of a span record, OpenTelemetry messaging conventions."""
    return {
        "messaging.system": "kafka",
        "messaging.destination.name": topic,
        "messaging.kafka.message.key": key,
    }
