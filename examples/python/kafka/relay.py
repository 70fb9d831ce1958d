"""A consume-continue-produce service step with confluent-kafka: each order read
from `orders` is answered on `payments` under a span continuing the order's trace.

    python examples/python/kafka/relay.py 127.0.0.1:9092 orders payments
"""

from __future__ import annotations

import sys

import confluent_kafka
import tracewire.kafka


def relay(consumer: confluent_kafka.Consumer, producer: confluent_kafka.Producer, out: str) -> None:
    message = consumer.poll(30.0)
    if message is None or message.error() is not None:
        raise RuntimeError(f"nothing consumed: {message and message.error()}")
    ctx = tracewire.kafka.continue_from(message)
    producer.produce(out, message.value(), headers=tracewire.kafka.headers(ctx))


def main(bootstrap: str, source: str, target: str) -> None:
    consumer = confluent_kafka.Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "relay", "auto.offset.reset": "earliest"}
    )
    consumer.subscribe([source])
    producer = confluent_kafka.Producer({"bootstrap.servers": bootstrap})
    try:
        relay(consumer, producer, target)
        producer.flush(30.0)
    finally:
        consumer.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])
