//! What the Rust services of the order pipeline share: configuration from the
//! environment, structured log lines, span records, and publishing to Kafka.
//!
//! Environment: `KAFKA_BOOTSTRAP` (default `127.0.0.1:19092`), `SPAN_FILE`
//! (default `<service>.spans.jsonl`). Logs are JSON lines on stdout.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdkafka::client::ClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::{KafkaError, KafkaResult, RDKafkaErrorCode};
use rdkafka::message::{Headers, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, DeliveryResult, Producer, ProducerContext};
use serde_json::{json, Map, Value};
use tracewire::span::SpanRecord;
use tracewire::{Context, Extractor};

/// How long a publish may wait for the broker's acknowledgement.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// One running service: its name, its span file, and whether it was asked to stop.
pub struct Service {
    name: &'static str,
    spans: File,
    stop: Arc<AtomicBool>,
}

impl Service {
    /// Opens the span file (appending) and installs SIGTERM/SIGINT handlers that
    /// ask the main loop to stop, so every record written is complete.
    pub fn start(name: &'static str) -> std::io::Result<Self> {
        let path = std::env::var("SPAN_FILE").unwrap_or_else(|_| format!("{name}.spans.jsonl"));
        let spans = OpenOptions::new().create(true).append(true).open(path)?;
        let stop = Arc::new(AtomicBool::new(false));
        for signal in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(signal, Arc::clone(&stop))?;
        }
        Ok(Self { name, spans, stop })
    }

    /// The service name, as it appears in logs and span records.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// True once a stop signal arrived.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Prints one JSON log line: time, service, event, the span's ids, then `fields`.
    pub fn log(&self, event: &str, ctx: Option<&Context>, fields: Value) {
        let mut line = Map::new();
        line.insert("time_unix_nano".into(), json!(now_ns()));
        line.insert("service".into(), json!(self.name));
        line.insert("event".into(), json!(event));
        line.insert(
            "trace_id".into(),
            json!(ctx.map(|c| c.trace_id().to_string())),
        );
        line.insert(
            "span_id".into(),
            json!(ctx.map(|c| c.span_id().to_string())),
        );
        line.insert(
            "parent_span_id".into(),
            json!(ctx
                .and_then(|c| c.parent_span_id())
                .map(|id| id.to_string())),
        );
        if let Value::Object(extra) = fields {
            line.extend(extra);
        }
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", Value::Object(line));
        let _ = out.flush();
    }

    /// Appends one span record to the span file.
    pub fn record(&self, record: &SpanRecord) {
        let line = format!("{}\n", record.to_json_line());
        if let Err(err) = (&self.spans).write_all(line.as_bytes()) {
            self.log(
                "span.write_failed",
                None,
                json!({ "error": err.to_string() }),
            );
        }
    }
}

/// Nanoseconds since the Unix epoch.
pub fn now_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn kafka_config() -> ClientConfig {
    let bootstrap =
        std::env::var("KAFKA_BOOTSTRAP").unwrap_or_else(|_| "127.0.0.1:19092".to_string());
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", bootstrap);
    config
}

/// Remembers the last delivery failure, so `publish` can report it.
#[derive(Default)]
pub struct Deliveries {
    failed: Mutex<Option<KafkaError>>,
}

impl ClientContext for Deliveries {}

impl ProducerContext for Deliveries {
    type DeliveryOpaque = ();

    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        if let Err((err, _)) = result {
            *self.failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(err.clone());
        }
    }
}

/// The services' producer.
pub type KafkaProducer = BaseProducer<Deliveries>;

/// A producer that sends each record at once (the pipeline publishes one at a
/// time), connected and with `topic`'s metadata fetched before it is returned,
/// so that the first producer span does not include the connection.
pub fn producer(service: &Service, topic: &str) -> KafkaResult<KafkaProducer> {
    let producer: KafkaProducer = kafka_config()
        .set("client.id", service.name())
        .set("linger.ms", "0")
        .create_with_context(Deliveries::default())?;
    producer
        .client()
        .fetch_metadata(Some(topic), DELIVERY_TIMEOUT)?;
    Ok(producer)
}

/// A consumer of `topics` in the service's own group, from the earliest offset:
/// records published before the service joined are still processed.
pub fn consumer(service: &Service, topics: &[&str]) -> KafkaResult<BaseConsumer> {
    let consumer: BaseConsumer = kafka_config()
        .set("group.id", service.name())
        .set("client.id", service.name())
        .set("auto.offset.reset", "earliest")
        .create()?;
    consumer.subscribe(topics)?;
    Ok(consumer)
}

/// Publishes one record and waits for the broker to acknowledge it.
pub fn publish(
    producer: &KafkaProducer,
    topic: &str,
    key: &str,
    body: &[u8],
    headers: &OwnedHeaders,
) -> KafkaResult<()> {
    let mut record = BaseRecord::to(topic).key(key).payload(body);
    if headers.count() > 0 {
        record = record.headers(headers.clone());
    }
    producer.send(record).map_err(|(err, _)| err)?;
    // Not `flush`: rdkafka's flush polls in steps of 100 ms, which would show in
    // every producer span.
    let deadline = Instant::now() + DELIVERY_TIMEOUT;
    while producer.in_flight_count() > 0 {
        if Instant::now() >= deadline {
            return Err(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut));
        }
        producer.poll(Duration::from_millis(1));
    }
    let mut failed = producer
        .context()
        .failed
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    failed.take().map_or(Ok(()), Err)
}

/// Headers as a JSON object for a log line (name → text, repeats as arrays).
pub fn headers_json<E: Extractor + ?Sized>(headers: &E) -> Value {
    let mut out = Map::new();
    headers.for_each_header(&mut |name, value| {
        let text = json!(String::from_utf8_lossy(value));
        match out.get_mut(name) {
            Some(Value::Array(values)) => values.push(text),
            Some(first) => *first = json!([first.take(), text]),
            None => {
                out.insert(name.to_string(), text);
            }
        }
    });
    Value::Object(out)
}

/// Kafka attributes of a span record, OpenTelemetry messaging conventions.
pub fn messaging_attributes(record: &mut SpanRecord, topic: &str, key: &str) {
    let attributes = &mut record.attributes;
    attributes.insert("messaging.system".into(), "kafka".into());
    attributes.insert("messaging.destination.name".into(), topic.into());
    attributes.insert("messaging.kafka.message.key".into(), key.into());
}
