//! order-service: consumes `UserOrderPlaced` from `user-orders`, creates the
//! order and publishes `OrderCreated` to `orders`.
//!
//! The context comes from the record headers; a record without them (a legacy
//! producer) is continued from the `traceId`/`spanId` stamped in its body.

use std::time::Duration;

use rdkafka::consumer::BaseConsumer;
use rdkafka::message::{BorrowedMessage, Message, OwnedHeaders};
use serde_json::{json, Value};
use tracewire::span::{SpanKind, SpanRecord, Status};
use tracewire::{kafka, Context, Propagator};
use tracewire_pipeline::{
    headers_json, messaging_attributes, now_ns, publish, KafkaProducer, Service,
};

const IN: &str = "user-orders";
const OUT: &str = "orders";
/// Cents per item: the shop sells one thing at one price.
const PRICE_CENTS: u64 = 1250;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let service = Service::start("order-service")?;
    let producer = tracewire_pipeline::producer(&service, OUT)?;
    let consumer: BaseConsumer = tracewire_pipeline::consumer(&service, &[IN])?;
    service.log("ready", None, json!({ "topics": [IN] }));
    while !service.stopping() {
        match consumer.poll(Duration::from_millis(200)) {
            Some(Ok(message)) => process(&service, &producer, &message),
            Some(Err(err)) => service.log("kafka.error", None, json!({ "error": err.to_string() })),
            None => {}
        }
    }
    service.log("stopped", None, json!({}));
    Ok(())
}

/// The consumer span's context and where it came from: the record headers, the
/// body, or nowhere (a new trace).
fn continue_from(message: &BorrowedMessage<'_>) -> (Context, &'static str) {
    if let Some(remote) = kafka::extract(&Propagator::DEFAULT, message) {
        return (remote.child(), "headers");
    }
    let body = message.payload().unwrap_or_default();
    match tracewire::json::extract(body, Default::default()) {
        Ok(Some(remote)) => (remote.child(), "body"),
        _ => (Context::new_root(), "none"),
    }
}

fn process(service: &Service, producer: &KafkaProducer, message: &BorrowedMessage<'_>) {
    let start = now_ns();
    let (consumer, source) = continue_from(message);
    let key = String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned();
    service.log(
        "kafka.received",
        Some(&consumer),
        json!({
            "topic": IN,
            "offset": message.offset(),
            "key": key,
            "context_source": source,
            "headers": headers_json(&message.headers()),
        }),
    );
    let outcome = serde_json::from_slice::<Value>(message.payload().unwrap_or_default())
        .map_err(|e| format!("bad UserOrderPlaced: {e}"))
        .and_then(|placed| create_order(service, producer, &consumer, &placed));
    let mut record = SpanRecord::new(
        &consumer,
        service.name(),
        &format!("process {IN}"),
        SpanKind::Consumer,
        start,
        now_ns(),
    );
    messaging_attributes(&mut record, IN, &key);
    record
        .attributes
        .insert("tracewire.context_source".into(), source.into());
    if let Err(message) = outcome {
        record.status = Status::Error;
        record.status_message = Some(message);
    }
    service.record(&record);
}

fn create_order(
    service: &Service,
    producer: &KafkaProducer,
    consumer: &Context,
    placed: &Value,
) -> Result<(), String> {
    let order_id = placed["orderId"]
        .as_str()
        .ok_or("UserOrderPlaced without orderId")?;
    let quantity = placed["quantity"].as_u64().unwrap_or(1);
    let event = json!({
        "type": "OrderCreated",
        "orderId": order_id,
        "userId": placed["userId"],
        "email": placed["email"],
        "item": placed["item"],
        "quantity": quantity,
        "amountCents": quantity * PRICE_CENTS,
    });
    service.log(
        "order.created",
        Some(consumer),
        json!({ "order_id": order_id, "amount_cents": quantity * PRICE_CENTS }),
    );

    let start = now_ns();
    let span = consumer.child();
    let headers = kafka::inject(&Propagator::DEFAULT, &span, OwnedHeaders::new());
    let sent = publish(
        producer,
        OUT,
        order_id,
        event.to_string().as_bytes(),
        &headers,
    );
    let mut record = SpanRecord::new(
        &span,
        service.name(),
        &format!("send {OUT}"),
        SpanKind::Producer,
        start,
        now_ns(),
    );
    messaging_attributes(&mut record, OUT, order_id);
    if let Err(err) = &sent {
        record.status = Status::Error;
        record.status_message = Some(err.to_string());
    }
    service.record(&record);
    sent.map_err(|e| format!("publishing OrderCreated failed: {e}"))?;
    service.log(
        "kafka.published",
        Some(&span),
        json!({ "topic": OUT, "order_id": order_id, "headers": headers_json(&headers) }),
    );
    Ok(())
}
