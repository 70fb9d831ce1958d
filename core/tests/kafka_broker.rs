//! rdkafka records as carriers (feature `rdkafka`), over a real Kafka broker
//! (`examples/kafka/broker.sh`, started once on a free port for this test): a
//! service consumes a traced record, continues its trace and forwards it with
//! its own span in the headers.

use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::{BorrowedHeaders, Header, Headers, Message, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use tracewire::{kafka, Context, Format, Propagator, Repeated};

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const TIMEOUT: Duration = Duration::from_secs(30);

/// A fresh broker on a free port, stopped (and its state deleted) when dropped,
/// also when a test fails.
struct Broker {
    port: u16,
    bootstrap: String,
}

impl Broker {
    fn start(topics: &[&str]) -> Self {
        let port = free_port_pair();
        let out = broker_sh("start", port)
            .env("KAFKA_TOPICS", topics.join(","))
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "broker.sh start failed:\n{log}");
        let bootstrap = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        Self { port, bootstrap }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = broker_sh("stop", self.port).status();
    }
}

fn broker_sh(verb: &str, port: u16) -> Command {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut command = Command::new(root.join("examples/kafka/broker.sh"));
    command.arg(verb).env("KAFKA_PORT", port.to_string());
    command
}

/// A free port whose successor (the broker's controller port) is free too.
fn free_port_pair() -> u16 {
    (0..50)
        .find_map(|_| {
            let port = TcpListener::bind("127.0.0.1:0")
                .ok()?
                .local_addr()
                .ok()?
                .port();
            TcpListener::bind(("127.0.0.1", port.checked_add(1)?)).ok()?;
            Some(port)
        })
        .expect("no two consecutive free ports")
}

fn producer(bootstrap: &str) -> BaseProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "0")
        .create()
        .unwrap()
}

fn send(producer: &BaseProducer, topic: &str, key: &str, headers: Option<OwnedHeaders>) {
    let mut record = BaseRecord::to(topic).key(key).payload("{}");
    if let Some(headers) = headers {
        record = record.headers(headers);
    }
    producer.send(record).map_err(|(err, _)| err).unwrap();
    producer.flush(TIMEOUT).unwrap();
}

/// A consumer of `topic`'s only partition from the beginning (no group
/// rebalance to wait for).
fn consumer(bootstrap: &str, topic: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "tracewire-test")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    let mut partitions = TopicPartitionList::new();
    partitions
        .add_partition_offset(topic, 0, Offset::Beginning)
        .unwrap();
    consumer.assign(&partitions).unwrap();
    consumer
}

/// Polls until `count` records have arrived, handing each to `handle`.
fn receive(
    consumer: &BaseConsumer,
    count: usize,
    mut handle: impl FnMut(&rdkafka::message::BorrowedMessage<'_>),
) {
    let deadline = Instant::now() + TIMEOUT;
    let mut received = 0;
    while received < count {
        assert!(
            Instant::now() < deadline,
            "{received} of {count} records arrived"
        );
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            handle(&message.unwrap());
            received += 1;
        }
    }
}

fn pairs(headers: Option<&BorrowedHeaders>) -> Vec<(String, String)> {
    headers
        .into_iter()
        .flat_map(Headers::iter)
        .map(|h| {
            let value = String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned();
            (h.key.to_owned(), value)
        })
        .collect()
}

fn header(key: &'static str, value: &'static str) -> Header<'static, &'static str> {
    Header {
        key,
        value: Some(value),
    }
}

#[test]
fn consume_continue_forward_over_a_real_broker() {
    let broker = Broker::start(&["tracewire-in", "tracewire-out"]);
    let producer = producer(&broker.bootstrap);
    // An upstream producer that appends instead of replacing: two traceparents,
    // the last one current. Kafka users pick `Repeated::Last` for that.
    let appended = OwnedHeaders::new()
        .insert(header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01",
        ))
        .insert(header("content-type", "application/json"))
        .insert(header("TraceParent", TRACEPARENT))
        .insert(header("tracestate", "congo=t61rcWkgMzE"))
        .insert(header("baggage", "user=alice"));
    send(&producer, "tracewire-in", "traced", Some(appended));
    send(&producer, "tracewire-in", "legacy", None);

    let propagator = Propagator::builder()
        .extract([Format::TraceContext, Format::Baggage])
        .inject([Format::TraceContext, Format::Baggage])
        .repeated(Repeated::Last)
        .build();
    // (key, consumer span, producer span) of each record handled.
    let mut handled: Vec<(String, Context, Context)> = Vec::new();
    receive(&consumer(&broker.bootstrap, "tracewire-in"), 2, |message| {
        let key = String::from_utf8_lossy(message.key().unwrap()).into_owned();
        let consumer_span = kafka::continue_from(&propagator, message);
        let producer_span = consumer_span.child();
        let headers = message
            .headers()
            .map(BorrowedHeaders::detach)
            .unwrap_or_default();
        let headers = kafka::inject(&propagator, &producer_span, headers);
        send(&producer, "tracewire-out", &key, Some(headers));
        handled.push((key, consumer_span, producer_span));
    });

    let [(_, traced, _), (_, legacy, _)] = &handled[..] else {
        panic!("{} records handled", handled.len());
    };
    assert_eq!(
        traced.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    // The last traceparent of the record is the parent.
    assert_eq!(
        traced.parent_span_id().unwrap().to_string(),
        "00f067aa0ba902b7"
    );
    assert_eq!(traced.baggage().get("user"), Some("alice"));
    // A record without headers starts a trace of its own.
    assert_eq!(legacy.parent_span_id(), None);
    assert_ne!(legacy.trace_id(), traced.trace_id());

    receive(
        &consumer(&broker.bootstrap, "tracewire-out"),
        2,
        |message| {
            let key = String::from_utf8_lossy(message.key().unwrap()).into_owned();
            let (_, consumer_span, sent) = handled.iter().find(|(k, _, _)| *k == key).unwrap();
            assert_eq!(sent.parent_span_id(), Some(consumer_span.span_id()));
            let received = kafka::extract(&propagator, message).unwrap();
            assert_eq!(
                (received.trace_id(), received.span_id()),
                (sent.trace_id(), sent.span_id())
            );
            let expected: Vec<(String, String)> = match key.as_str() {
                "traced" => vec![
                    ("content-type".into(), "application/json".into()),
                    ("traceparent".into(), sent.traceparent().to_string()),
                    ("tracestate".into(), "congo=t61rcWkgMzE".into()),
                    ("baggage".into(), "user=alice".into()),
                ],
                _ => vec![("traceparent".into(), sent.traceparent().to_string())],
            };
            assert_eq!(pairs(message.headers()), expected, "record {key}");
        },
    );
}
