//! A context's ids on `tracing` spans (feature `tracing`), as a real
//! `tracing-subscriber` formatter prints them in every line inside the span.

use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing::field::Empty;
use tracing::{info, info_span, Level};
use tracing_subscriber::fmt::MakeWriter;

const TRACEPARENT: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

/// Lines a formatter writes, kept in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

/// What `log` writes through a plain-text formatter, line by line.
fn logged(log: impl FnOnce()) -> Vec<String> {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .finish();
    tracing::subscriber::with_default(subscriber, log);
    let bytes = captured.0.lock().unwrap().clone();
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn context_span_puts_the_ids_on_every_line_inside_it() {
    let ctx = tracewire::continue_trace(&[("traceparent", TRACEPARENT)]);
    let lines = logged(|| {
        let span = tracewire::context_span!(Level::INFO, "process", &ctx, topic = "orders");
        span.in_scope(|| info!(order = "ord-1", "order created"));
        info!("outside");
    });
    assert_eq!(
        lines,
        [
            format!(
                " INFO process{{trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id={} \
                 parent_span_id=00f067aa0ba902b7 topic=\"orders\"}}: order created order=\"ord-1\"",
                ctx.span_id()
            ),
            " INFO outside".to_owned(),
        ]
    );
}

#[test]
fn a_root_has_no_parent_field() {
    let root = tracewire::Context::new_root();
    let lines = logged(|| {
        tracewire::context_span!(Level::WARN, "checkout", &root).in_scope(|| info!("placed"));
    });
    assert_eq!(
        lines,
        [format!(
            " INFO checkout{{trace_id={} span_id={}}}: placed",
            root.trace_id(),
            root.span_id()
        )]
    );
}

#[test]
fn record_fills_in_declared_fields() {
    let ctx = tracewire::continue_trace(&[("traceparent", TRACEPARENT)]);
    let lines = logged(|| {
        let span = info_span!(
            "handle",
            trace_id = Empty,
            span_id = Empty,
            parent_span_id = Empty
        );
        span.in_scope(|| info!("before"));
        tracewire::tracing_fields::record(&span, &ctx).in_scope(|| info!("after"));
    });
    assert_eq!(
        lines,
        [
            " INFO handle: before".to_owned(),
            format!(
                " INFO handle{{trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id={} \
                 parent_span_id=00f067aa0ba902b7}}: after",
                ctx.span_id()
            ),
        ]
    );
}
