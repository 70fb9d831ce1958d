//! Span records: one JSON object per operation, the exchange format between
//! services and the trace reconstruction. One record per line in a file or a topic.
//!
//! ```json
//! {"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",
//!  "parent_span_id":null,"service":"order-service","name":"process user-orders",
//!  "kind":"consumer","start_unix_nano":1764038400000000000,
//!  "end_unix_nano":1764038400002000000,"status":"ok","status_message":null,
//!  "links":[],"attributes":{"messaging.destination.name":"user-orders"}}
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::Link;
use crate::{Context, SpanId, TraceId};

/// What a span did, in OpenTelemetry's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpanKind {
    /// Work inside a service.
    Internal,
    /// Handling an incoming request.
    Server,
    /// Making an outgoing request.
    Client,
    /// Publishing a message.
    Producer,
    /// Processing a received message.
    Consumer,
}

/// How the operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It succeeded (or nothing was said).
    Ok,
    /// It failed.
    Error,
}

/// One finished operation of one service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpanRecord {
    /// The trace.
    pub trace_id: TraceId,
    /// This span.
    pub span_id: SpanId,
    /// Its parent, `None` for a root.
    pub parent_span_id: Option<SpanId>,
    /// The service that did the work.
    pub service: String,
    /// What was done, e.g. `send orders` or `process orders`.
    pub name: String,
    /// Producer, consumer, ...
    pub kind: SpanKind,
    /// Start, nanoseconds since the Unix epoch.
    pub start_unix_nano: u64,
    /// End, nanoseconds since the Unix epoch.
    pub end_unix_nano: u64,
    /// How it ended.
    pub status: Status,
    /// Why it failed, when it did.
    #[serde(default)]
    pub status_message: Option<String>,
    /// Related spans that are not its parent.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Free-form attributes (OpenTelemetry semantic-convention names).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl SpanRecord {
    /// A successful record for `context` (ids, parent) with the given times.
    pub fn new(
        context: &Context,
        service: &str,
        name: &str,
        kind: SpanKind,
        start_unix_nano: u64,
        end_unix_nano: u64,
    ) -> Self {
        Self {
            trace_id: context.trace_id(),
            span_id: context.span_id(),
            parent_span_id: context.parent_span_id(),
            service: service.to_owned(),
            name: name.to_owned(),
            kind,
            start_unix_nano,
            end_unix_nano,
            status: Status::Ok,
            status_message: None,
            links: Vec::new(),
            attributes: BTreeMap::new(),
        }
    }

    /// The duration in nanoseconds (zero if the clock went backwards).
    pub fn duration_nanos(&self) -> u64 {
        self.end_unix_nano.saturating_sub(self.start_unix_nano)
    }

    /// Reads records from JSON lines; blank lines are skipped. Lines that are
    /// service logs rather than span records (no `kind`, say) are skipped too,
    /// so a mixed log file can be given as is.
    pub fn parse_lines(text: &str) -> Vec<SpanRecord> {
        text.lines()
            .filter(|line| !line.trim().is_empty())
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// The record as one JSON line (no trailing newline).
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

macro_rules! hex_serde {
    ($($ty:ty),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.to_hex())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
hex_serde!(TraceId, SpanId);

impl fmt::Display for SpanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Self::Internal => "internal",
            Self::Server => "server",
            Self::Client => "client",
            Self::Producer => "producer",
            Self::Consumer => "consumer",
        };
        f.write_str(name)
    }
}
