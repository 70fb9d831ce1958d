//! Kafka records of [`rdkafka`] as carriers (feature `rdkafka`): read the context
//! from a consumed record, continue it, and stamp the records a service produces.
//!
//! [`BorrowedHeaders`] (what a consumer hands over) and [`OwnedHeaders`] are
//! [`Extractor`]s: headers are visited in place, in order, repeats kept, a header
//! without a value seen as empty. Writing goes through [`inject`], because
//! `OwnedHeaders` can only append: it returns headers in which every header the
//! propagator writes is replaced, in any letter case, so a forwarded record never
//! carries two `traceparent`s.
//!
//! # Examples
//!
//! Consume, continue, produce:
//! ```
//! use rdkafka::message::{Header, Headers, Message, OwnedHeaders, OwnedMessage, Timestamp};
//! use tracewire::{kafka, Propagator};
//!
//! // A record as a consumer hands it over (`BorrowedMessage` works the same).
//! let incoming = OwnedHeaders::new().insert(Header {
//!     key: "traceparent",
//!     value: Some("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
//! });
//! let message = OwnedMessage::new(None, None, "orders".into(), Timestamp::NotAvailable, 0, 7, Some(incoming));
//!
//! let consumer = kafka::continue_from(&Propagator::DEFAULT, &message);
//! assert_eq!(consumer.trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
//!
//! // The record this service produces, under a producer span of its own.
//! let producer = consumer.child();
//! let headers = kafka::inject(&Propagator::DEFAULT, &producer, OwnedHeaders::new());
//! assert_eq!(headers.get(0).key, "traceparent");
//! assert_eq!(headers.get(0).value, Some(producer.traceparent().as_bytes()));
//! // producer.send(BaseRecord::to("payments").key("ord-1").payload(&body).headers(headers))
//! ```

use rdkafka::message::{BorrowedHeaders, Header, Headers, Message, OwnedHeaders};

use crate::{Context, Extractor, Injector, Propagator};

impl Extractor for BorrowedHeaders {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        for header in self.iter() {
            visit(header.key, header.value.unwrap_or_default());
        }
    }
}

impl Extractor for OwnedHeaders {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        self.as_borrowed().for_each_header(visit);
    }
}

/// The context in `message`'s headers, if any (a record without headers has none).
pub fn extract<M: Message>(propagator: &Propagator, message: &M) -> Option<Context>
where
    M::Headers: Extractor,
{
    propagator.extract(&message.headers())
}

/// The span a consumer starts for `message`: a child of the context in its
/// headers, or a new root (carrying the baggage that came without a trace).
pub fn continue_from<M: Message>(propagator: &Propagator, message: &M) -> Context
where
    M::Headers: Extractor,
{
    propagator.continue_trace(&message.headers())
}

/// `headers` with `context` injected by `propagator`: the headers it writes or
/// removes (`traceparent`, `tracestate`, ...) replaced in any letter case, every
/// other header kept in order. Pass `OwnedHeaders::new()` for a fresh record, or
/// a consumed record's headers (`message.headers().map(BorrowedHeaders::detach)`)
/// to forward them.
///
/// # Examples
/// ```
/// use rdkafka::message::{Header, Headers, OwnedHeaders};
/// use tracewire::{kafka, Context, Propagator};
///
/// let forwarded = OwnedHeaders::new()
///     .insert(Header { key: "TraceParent", value: Some("stale") })
///     .insert(Header { key: "content-type", value: Some("application/json") });
/// let span = Context::new_root();
/// let headers = kafka::inject(&Propagator::DEFAULT, &span, forwarded);
/// let names: Vec<&str> = headers.iter().map(|h| h.key).collect();
/// assert_eq!(names, ["content-type", "traceparent"]);
/// ```
pub fn inject(propagator: &Propagator, context: &Context, headers: OwnedHeaders) -> OwnedHeaders {
    let mut writes = Writes(Vec::new());
    propagator.inject(context, &mut writes);
    let written = |name: &str| writes.0.iter().any(|(w, _)| w.eq_ignore_ascii_case(name));
    let headers = if headers.iter().any(|h| written(h.key)) {
        let kept = headers.iter().filter(|h| !written(h.key));
        kept.fold(
            OwnedHeaders::new_with_capacity(headers.count() + writes.0.len()),
            |out, h| out.insert(h),
        )
    } else {
        headers
    };
    writes
        .0
        .iter()
        .fold(headers, |out, (name, value)| match value {
            Some(value) => out.insert(Header {
                key: name,
                value: Some(value),
            }),
            None => out,
        })
}

/// What a propagator writes, in order: `(name, Some(value))` to set, `(name,
/// None)` to remove; a later write of a name replaces an earlier one.
struct Writes(Vec<(String, Option<String>)>);

impl Writes {
    fn write(&mut self, name: &str, value: Option<&str>) {
        self.0.retain(|(w, _)| !w.eq_ignore_ascii_case(name));
        self.0.push((name.to_owned(), value.map(str::to_owned)));
    }
}

impl Injector for Writes {
    fn set_header(&mut self, name: &str, value: &str) {
        self.write(name, Some(value));
    }

    fn remove_header(&mut self, name: &str) {
        self.write(name, None);
    }
}

#[cfg(test)]
mod tests {
    use rdkafka::message::{Header, Headers, OwnedHeaders, OwnedMessage, Timestamp};

    use super::*;
    use crate::{Format, TraceState};

    const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn headers(pairs: &[(&str, Option<&str>)]) -> OwnedHeaders {
        pairs.iter().fold(OwnedHeaders::new(), |out, (key, value)| {
            out.insert(Header { key, value: *value })
        })
    }

    fn pairs(headers: &OwnedHeaders) -> Vec<(String, Option<String>)> {
        headers
            .iter()
            .map(|h| {
                let value = h.value.map(|v| String::from_utf8_lossy(v).into_owned());
                (h.key.to_owned(), value)
            })
            .collect()
    }

    #[test]
    fn reads_repeats_in_order_and_a_missing_value_as_empty() {
        let incoming = headers(&[
            ("traceparent", Some(TRACEPARENT)),
            ("tracestate", Some("a=1")),
            ("TraceState", Some("b=2")),
        ]);
        let ctx = crate::extract(&incoming).unwrap();
        assert_eq!(ctx.trace_state().as_str(), "a=1,b=2");
        let codes: Vec<_> = crate::diagnose(&headers(&[("traceparent", None)]))
            .into_iter()
            .map(|d| d.code.to_string())
            .collect();
        assert_eq!(codes, ["invalid_traceparent_length"]);
    }

    #[test]
    fn continues_from_a_message_with_or_without_headers() {
        let message = |headers| {
            OwnedMessage::new(
                None,
                None,
                "t".into(),
                Timestamp::NotAvailable,
                0,
                0,
                headers,
            )
        };
        let traced = message(Some(headers(&[("traceparent", Some(TRACEPARENT))])));
        let span = continue_from(&Propagator::DEFAULT, &traced);
        assert_eq!(
            span.parent_span_id().map(|id| id.to_string()).as_deref(),
            Some("00f067aa0ba902b7")
        );
        assert_eq!(extract(&Propagator::DEFAULT, &message(None)), None);
        assert_eq!(
            continue_from(&Propagator::DEFAULT, &message(None)).parent_span_id(),
            None
        );
    }

    #[test]
    fn inject_replaces_written_names_in_any_case_and_keeps_the_rest() {
        let span = Context::new_root();
        let existing = headers(&[
            ("TRACESTATE", Some("stale=1")),
            ("id", None),
            ("traceparent", Some("stale")),
            ("traceparent", Some("older")),
            ("key", Some("v")),
        ]);
        let out = inject(&Propagator::DEFAULT, &span, existing);
        assert_eq!(
            pairs(&out),
            [
                ("id".to_owned(), None),
                ("key".to_owned(), Some("v".to_owned())),
                (
                    "traceparent".to_owned(),
                    Some(span.traceparent().to_string())
                ),
            ]
        );
    }

    #[test]
    fn inject_appends_when_nothing_is_replaced_and_honours_the_propagator() {
        let span = Context::new_root()
            .with_trace_state(TraceState::parse("congo=t61rcWkgMzE").unwrap())
            .with_baggage("user", "alice")
            .unwrap();
        let b3 = Propagator::builder()
            .inject([Format::B3, Format::Baggage])
            .build();
        let out = inject(&b3, &span, headers(&[("content-type", Some("json"))]));
        let b3_value = format!("{}-{}-1", span.trace_id(), span.span_id());
        assert_eq!(
            pairs(&out),
            [
                ("content-type".to_owned(), Some("json".to_owned())),
                ("b3".to_owned(), Some(b3_value)),
                ("baggage".to_owned(), Some("user=alice".to_owned())),
            ]
        );
    }
}
