//! Consume, continue, produce with rdkafka: the consumer span continues the trace
//! of the record's headers, the record it produces carries the producer span.
//! Run with `cargo run -p tracewire --features rdkafka --example kafka`.

use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage};
use rdkafka::Timestamp;
use tracewire::{kafka, Propagator, Repeated};

fn main() {
    // Kafka producers often append headers instead of replacing them: read the
    // last `traceparent` of a record.
    let propagator = Propagator::builder()
        .extract([tracewire::Format::TraceContext, tracewire::Format::Baggage])
        .inject([tracewire::Format::TraceContext, tracewire::Format::Baggage])
        .repeated(Repeated::Last)
        .build();

    // What `consumer.poll()` hands over (a `BorrowedMessage` works the same).
    let headers = OwnedHeaders::new()
        .insert(Header {
            key: "traceparent",
            value: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
        })
        .insert(Header {
            key: "content-type",
            value: Some("application/json"),
        });
    let message = OwnedMessage::new(
        Some(b"{\"orderId\":\"ord-1\"}".to_vec()),
        Some(b"ord-1".to_vec()),
        "orders".into(),
        Timestamp::NotAvailable,
        0,
        42,
        Some(headers),
    );

    let consumer_span = kafka::continue_from(&propagator, &message);
    println!("processing in {}", consumer_span.traceparent());

    // The record this service produces: the incoming headers forwarded, the trace
    // headers replaced (OwnedHeaders only appends; `kafka::inject` rebuilds them).
    // From a `BorrowedMessage`: `message.headers().map(BorrowedHeaders::detach)`.
    let producer_span = consumer_span.child();
    let forwarded = message.headers().cloned();
    let outgoing = kafka::inject(&propagator, &producer_span, forwarded.unwrap_or_default());
    // producer.send(BaseRecord::to("payments").key("ord-1").payload(&body).headers(outgoing))
    for header in outgoing.iter() {
        let value = String::from_utf8_lossy(header.value.unwrap_or_default());
        println!("{}: {value}", header.key);
    }
    let traceparents = outgoing.iter().filter(|h| h.key == "traceparent");
    assert_eq!(traceparents.count(), 1);
    let sent = tracewire::extract(outgoing.as_borrowed()).unwrap();
    assert_eq!(sent.span_id(), producer_span.span_id());
}
