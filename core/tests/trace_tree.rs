//! Trace reconstruction and export over the order pipeline's span records.

use tracewire::span::{Link, SpanKind, SpanRecord, Status};
use tracewire::tree::{Finding, TraceTree};
use tracewire::{export, Context};

struct Pipeline {
    records: Vec<SpanRecord>,
    trace: Context,
}

fn record(ctx: &Context, service: &str, name: &str, kind: SpanKind, at: u64) -> SpanRecord {
    SpanRecord::new(
        ctx,
        service,
        name,
        kind,
        at * 1_000_000,
        (at + 2) * 1_000_000,
    )
}

/// The story: user → order → (inventory, payment) → notification, with the
/// notification linking to inventory's message.
fn pipeline(payment_fails: bool) -> Pipeline {
    let user = Context::new_root();
    let publish_user = user.child();
    let order = publish_user.child();
    let publish_order = order.child();
    let inventory = publish_order.child();
    let publish_inventory = inventory.child();
    let payment = publish_order.child();
    let mut records = vec![
        record(&user, "user-service", "POST /orders", SpanKind::Server, 0),
        record(
            &publish_user,
            "user-service",
            "send user-orders",
            SpanKind::Producer,
            1,
        ),
        record(
            &order,
            "order-service",
            "process user-orders",
            SpanKind::Consumer,
            3,
        ),
        record(
            &publish_order,
            "order-service",
            "send orders",
            SpanKind::Producer,
            4,
        ),
        record(
            &inventory,
            "inventory-service",
            "process orders",
            SpanKind::Consumer,
            6,
        ),
        record(
            &publish_inventory,
            "inventory-service",
            "send inventory",
            SpanKind::Producer,
            7,
        ),
    ];
    let mut payment_record = record(
        &payment,
        "payment-service",
        "process orders",
        SpanKind::Consumer,
        7,
    );
    if payment_fails {
        payment_record.status = Status::Error;
        payment_record.status_message = Some("card declined".into());
        records.push(payment_record);
    } else {
        records.push(payment_record);
        let publish_payment = payment.child();
        let notification = publish_payment.child();
        records.push(record(
            &publish_payment,
            "payment-service",
            "send payments",
            SpanKind::Producer,
            8,
        ));
        let mut email = record(
            &notification,
            "notification-service",
            "process payments",
            SpanKind::Consumer,
            10,
        );
        email.links.push(Link {
            trace_id: publish_inventory.trace_id(),
            span_id: publish_inventory.span_id(),
        });
        records.push(email);
    }
    Pipeline {
        records,
        trace: user,
    }
}

#[test]
fn happy_path_is_one_complete_tree_with_a_fan_out() {
    let Pipeline { records, trace } = pipeline(false);
    let tree = TraceTree::build(&records, trace.trace_id()).unwrap();
    assert_eq!(tree.roots().count(), 1);
    assert_eq!(tree.spans().len(), 9);
    assert_eq!(tree.services().len(), 5);
    let send_orders = tree
        .spans()
        .iter()
        .find(|s| s.name == "send orders")
        .unwrap();
    let fan_out: Vec<&str> = tree
        .children(send_orders.span_id)
        .map(|s| s.service.as_str())
        .collect();
    assert_eq!(fan_out, ["inventory-service", "payment-service"]);
    assert!(tree.findings().is_empty(), "{:?}", tree.findings());
    let text = tree.render();
    assert!(
        text.contains("↳ link: inventory-service: send inventory"),
        "{text}"
    );
    assert!(
        text.ends_with("complete: 9 spans across 5 services, no failure\n"),
        "{text}"
    );
}

#[test]
fn failure_path_says_where_the_story_stopped() {
    let Pipeline { records, trace } = pipeline(true);
    let tree = TraceTree::build(&records, trace.trace_id()).unwrap();
    let findings = tree.findings();
    assert_eq!(
        findings[0],
        Finding::Failed {
            service: "payment-service".into(),
            name: "process orders".into(),
            message: Some("card declined".into()),
        }
    );
    assert!(!tree
        .spans()
        .iter()
        .any(|s| s.service == "notification-service"));
    assert_eq!(
        tree.summary(),
        "stopped: payment-service failed in \"process orders\" (card declined); nothing after it ran"
    );
    assert!(tree
        .render()
        .contains("payment-service: process orders [consumer] 2.0 ms  ERROR: card declined"));
}

#[test]
fn a_service_that_never_reported_leaves_a_missing_parent() {
    let Pipeline { mut records, trace } = pipeline(false);
    records.retain(|r| r.service != "order-service");
    let tree = TraceTree::build(&records, trace.trace_id()).unwrap();
    assert!(tree.findings().iter().any(
        |f| matches!(f, Finding::MissingParent { service, .. } if service == "inventory-service")
    ));
}

#[test]
fn records_round_trip_through_json_lines_and_logs_are_skipped() {
    let Pipeline { records, trace } = pipeline(false);
    let mut text: String = records.iter().map(|r| r.to_json_line() + "\n").collect();
    text.push_str("{\"trace_id\":\"x\",\"event\":\"log line, not a span\"}\n\n");
    assert_eq!(SpanRecord::parse_lines(&text), records);
    assert_eq!(TraceTree::trace_ids(&records), [trace.trace_id()]);
}

#[test]
fn exports_follow_zipkin_and_otlp_json() {
    let Pipeline { records, .. } = pipeline(true);
    let zipkin: serde_json::Value = serde_json::from_str(&export::zipkin_v2(&records)).unwrap();
    let spans = zipkin.as_array().unwrap();
    assert_eq!(spans.len(), records.len());
    assert_eq!(spans[0]["traceId"].as_str().unwrap().len(), 32);
    assert!(spans[0].get("parentId").is_none());
    assert_eq!(spans[1]["kind"], "PRODUCER");
    assert_eq!(spans[6]["tags"]["error"], "card declined");
    assert_eq!(spans[0]["timestamp"], 0);

    let otlp: serde_json::Value = serde_json::from_str(&export::otlp_json(&records)).unwrap();
    let resources = otlp["resourceSpans"].as_array().unwrap();
    assert_eq!(resources.len(), 4);
    let payment = resources
        .iter()
        .find(|r| r["resource"]["attributes"][0]["value"]["stringValue"] == "payment-service")
        .unwrap();
    let span = &payment["scopeSpans"][0]["spans"][0];
    assert_eq!(span["kind"], 5);
    assert_eq!(span["status"]["code"], 2);
    assert_eq!(span["startTimeUnixNano"], "7000000");
}
