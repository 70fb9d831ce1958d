"""payment-service: consumes ``OrderCreated`` from ``orders``, charges the
customer and publishes ``PaymentProcessed`` to ``payments``.

With ``FAIL=payment`` the charge is declined: the consumer span ends with an
error and nothing is published, so the story stops here.
"""

from __future__ import annotations

import json
import os
import time

import tracewire.kafka
from confluent_kafka import Message, Producer
from service import Service, headers_json, messaging_attributes

IN, OUT = "orders", "payments"


def charge(
    service: Service, producer: Producer, message: Message, *, decline: bool
) -> None:
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
    attributes = messaging_attributes(IN, key)
    if decline:
        reason = f"card declined for order {order['orderId']}"
        service.log("payment.failed", consumer, order_id=order["orderId"], error=reason)
        service.record(
            consumer,
            f"process {IN}",
            "consumer",
            start,
            error=reason,
            attributes=attributes,
        )
        return
    service.log(
        "payment.processed",
        consumer,
        order_id=order["orderId"],
        amount_cents=order["amountCents"],
    )

    event = {
        "type": "PaymentProcessed",
        "orderId": order["orderId"],
        "email": order["email"],
        "amountCents": order["amountCents"],
        "paymentId": f"pay-{consumer.span_id[:8]}",
    }
    service.send(producer, consumer, OUT, key, event)
    service.record(consumer, f"process {IN}", "consumer", start, attributes=attributes)


def main() -> None:
    service = Service("payment-service")
    producer = service.producer(OUT)
    decline = os.environ.get("FAIL") == "payment"
    service.consume(
        [IN], lambda message: charge(service, producer, message, decline=decline)
    )


if __name__ == "__main__":
    main()
