"""inventory-service: consumes ``OrderCreated`` from ``orders``, reserves the
stock and publishes ``InventoryReserved`` to ``inventory``.

Each record continues the trace of its producer: the context comes from the
Kafka record headers, and the outgoing record carries this service's span.
"""

from __future__ import annotations

import json
import time

import tracewire.kafka
from confluent_kafka import Message, Producer
from service import Service, headers_json, messaging_attributes

IN, OUT = "orders", "inventory"


def reserve(service: Service, producer: Producer, message: Message) -> None:
    start = time.time_ns()
    headers = message.headers()
    consumer = tracewire.kafka.continue_from(message)
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

    event = {
        "type": "InventoryReserved",
        "orderId": order["orderId"],
        "item": order["item"],
        "quantity": order["quantity"],
        "warehouse": "ams-1",
    }
    service.send(producer, consumer, OUT, key, event)
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
