//! Quick start: continue the trace of an incoming Kafka record and stamp the
//! outgoing one. Run with `cargo run -p tracewire --example quickstart`.

fn main() {
    // Record headers as a Kafka client hands them over: byte values, repeats kept.
    let incoming: Vec<(String, Vec<u8>)> = vec![
        (
            "traceparent".into(),
            b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_vec(),
        ),
        ("tracestate".into(), b"congo=t61rcWkgMzE".to_vec()),
    ];

    // Same trace id, a fresh span id, the incoming span as parent.
    let ctx = tracewire::continue_trace(&incoming);
    assert_eq!(
        ctx.trace_id().to_string(),
        "4bf92f3577b34da6a3ce929d0e0e4736"
    );
    assert_eq!(
        ctx.parent_span_id().map(|id| id.to_string()).as_deref(),
        Some("00f067aa0ba902b7")
    );

    let mut outgoing: Vec<(String, Vec<u8>)> = Vec::new();
    ctx.inject(&mut outgoing);
    for (name, value) in &outgoing {
        println!("{name}: {}", String::from_utf8_lossy(value));
    }

    // Nothing usable arrived? `diagnose` says why.
    let broken = [(
        "traceparent",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    )];
    for diagnostic in tracewire::diagnose(&broken) {
        println!("rejected: {diagnostic}");
    }
}
