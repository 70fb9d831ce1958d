//! Log lines that name their trace: the context's ids on a `tracing` span, printed
//! by tracing-subscriber in every line inside it.
//! Run with `cargo run -p tracewire --features tracing --example tracing_logs`.

use tracing::{info, Level};

fn main() {
    tracing_subscriber::fmt()
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .init();

    let incoming = [(
        "traceparent",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    )];
    let ctx = tracewire::continue_trace(&incoming);

    let span = tracewire::context_span!(Level::INFO, "process", &ctx, topic = "orders");
    let _entered = span.enter();
    info!(order_id = "ord-1", "order created");
    // INFO process{trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=… parent_span_id=00f067aa0ba902b7 topic="orders"}: order created order_id="ord-1"
}
