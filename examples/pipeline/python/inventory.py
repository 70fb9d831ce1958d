"""inventory-service: consumes ``OrderCreated`` from ``orders``, reserves the
stock and publishes ``InventoryReserved`` to ``inventory``.

Each record continues the trace of its producer: the context comes from the
Kafka record headers, and the outgoing record carries this service's span.
"""

from __future__ import annotations

import json
import time

import tracewire
from confluent_kafka import Message, Producer
from service import Service, headers_json, messaging_attributes, publish

IN, OUT = "orders", "inventory"


def reserve(service: Service, producer: Producer, message: Message) -> None:
    start = time.time_ns()
    headers = message.headers()
    consumer = tracewire.continue_trace(headers)
    key = (message.key() or b"").decode()
    service.log(
        "kafka.received",
        consumer,
        topic=IN,
        offset=message.offset(),
        key=key,
        headers=headers_json(headers),
    )
    order = json.loads(message.value() or b"{}")
    service.log(
        "inventory.reserved",
        consumer,
        order_id=order["orderId"],
        item=order["item"],
        quantity=order["quantity"],
    )

    span, span_start = consumer.child(), time.time_ns()
    event = {
        "type": "InventoryReserved",
        "orderId": order["orderId"],
        "item": order["item"],
        "quantity": order["quantity"],
        "warehouse": "ams-1",
    }
    sent: list[tuple[str, bytes]] = span.inject([])
    publish(producer, OUT, key, json.dumps(event).encode(), sent)
    service.record(
        span,
        f"send {OUT}",
        "producer",
        span_start,
        attributes=messaging_attributes(OUT, key),
    )
    service.log(
        "kafka.published",
        span,
        topic=OUT,
        order_id=order["orderId"],
        headers=headers_json(sent),
    )
    service.record(
        consumer,
        f"process {IN}",
        "consumer",
        start,
        attributes=messaging_attributes(IN, key),
    )


def main() -> None:
    service = Service("inventory-service")
    producer = service.producer(OUT)
    service.consume([IN], lambda message: reserve(service, producer, message))


if __name__ == "__main__":
    main()
