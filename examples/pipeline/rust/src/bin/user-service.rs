//! user-service: the shop's HTTP front. Serves the checkout page, accepts
//! `POST /orders` under the caller's trace and publishes `UserOrderPlaced` to
//! `user-orders`, with the context in the record headers and stamped into the
//! event body (`traceId`/`spanId`) for consumers that only read payloads.
//! `POST /spans` appends the page's own span record to the page's span file.
//!
//! Environment (besides the shared ones): `PORT` [8080], `WEB_ROOT` [../web],
//! `PAGE_SPAN_FILE` [checkout-page.spans.jsonl], `USER_ORDERS_HEADERS` [on]:
//! `off` publishes without record headers, as a legacy producer would.

use std::fs::{File, OpenOptions};
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rdkafka::message::OwnedHeaders;
use serde_json::{json, Value};
use tiny_http::{Header, Method, Request, Response, Server};
use tracewire::span::{SpanKind, SpanRecord, Status};
use tracewire::{kafka, Context, Propagator};
use tracewire_pipeline::{
    headers_json, messaging_attributes, now_ns, publish, KafkaProducer, Service,
};

const TOPIC: &str = "user-orders";
const TRACE_HEADERS: [&str; 2] = ["traceparent", "tracestate"];

struct App {
    service: Service,
    producer: KafkaProducer,
    web_root: PathBuf,
    page_spans: File,
    headers_on: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let service = Service::start("user-service")?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "8080".into());
    let web_root = std::env::var_os("WEB_ROOT").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../web"),
        PathBuf::from,
    );
    let page_span_file =
        std::env::var("PAGE_SPAN_FILE").unwrap_or_else(|_| "checkout-page.spans.jsonl".into());
    let app = App {
        producer: tracewire_pipeline::producer(&service, TOPIC)?,
        page_spans: OpenOptions::new()
            .create(true)
            .append(true)
            .open(page_span_file)?,
        web_root: web_root.canonicalize()?,
        headers_on: std::env::var("USER_ORDERS_HEADERS").map_or(true, |v| v != "off"),
        service,
    };
    let server = Server::http(format!("127.0.0.1:{port}"))?;
    let url = format!("http://{}/", server.server_addr());
    app.service.log("ready", None, json!({ "url": url }));
    while !app.service.stopping() {
        if let Some(request) = server.recv_timeout(Duration::from_millis(200))? {
            app.handle(request);
        }
    }
    app.service.log("stopped", None, json!({}));
    Ok(())
}

impl App {
    fn handle(&self, mut request: Request) {
        let path = request.url().split('?').next().unwrap_or("/").to_string();
        let response = match (request.method(), path.as_str()) {
            (Method::Post, "/orders") => self.place_order(&mut request),
            (Method::Post, "/spans") => self.page_span(&mut request),
            (Method::Get, _) => self.file(&path),
            _ => text(405, "method not allowed"),
        };
        let _ = request.respond(response);
    }

    /// `POST /orders`: a server span under the page's span, then a producer span
    /// for `UserOrderPlaced`.
    fn place_order(&self, request: &mut Request) -> Response<Cursor<Vec<u8>>> {
        let start = now_ns();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|h| (h.field.as_str().to_string(), h.value.to_string()))
            .collect();
        let server = tracewire::continue_trace(&headers);
        // Only the trace headers: the browser's others are noise in the log.
        let traced: Vec<(&str, &str)> = headers
            .iter()
            .filter(|(name, _)| TRACE_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)))
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        self.service.log(
            "http.request",
            Some(&server),
            json!({ "method": "POST", "path": "/orders", "headers": headers_json(&traced) }),
        );
        let mut body = String::new();
        let outcome = match request.as_reader().read_to_string(&mut body) {
            Ok(_) => serde_json::from_str::<Value>(&body).map_err(|e| (400, e.to_string())),
            Err(err) => Err((400, err.to_string())),
        }
        .and_then(|order| self.publish_order(&server, &order));
        let (status, response) = match &outcome {
            Ok(order_id) => (
                202,
                json!({ "orderId": order_id, "traceId": server.trace_id().to_string() }),
            ),
            Err((status, message)) => (*status, json!({ "error": message })),
        };
        let mut record = SpanRecord::new(
            &server,
            self.service.name(),
            "POST /orders",
            SpanKind::Server,
            start,
            now_ns(),
        );
        record.attributes.extend([
            ("http.request.method".into(), "POST".into()),
            ("url.path".into(), "/orders".into()),
            ("http.response.status_code".into(), status.to_string()),
        ]);
        if let Err((_, message)) = outcome {
            record.status = Status::Error;
            record.status_message = Some(message);
        }
        self.service.record(&record);
        json_response(status, &response)
    }

    /// The order id, or the HTTP status and message of the failure.
    fn publish_order(&self, server: &Context, order: &Value) -> Result<String, (u16, String)> {
        let start = now_ns();
        let producer = server.child();
        let order_id = format!("ord-{}", &producer.span_id().to_string()[..8]);
        let event = json!({
            "type": "UserOrderPlaced",
            "orderId": order_id,
            "userId": order.get("userId").cloned().unwrap_or(json!("u-1001")),
            "email": order.get("email").cloned().unwrap_or(json!("ada@example.com")),
            "item": order.get("item").cloned().unwrap_or(json!("tracewire mug")),
            "quantity": order.get("quantity").cloned().unwrap_or(json!(1)),
        });
        // The story's payload shape: the ids travel in the body too.
        let body =
            tracewire::json::inject(&producer, event.to_string().as_bytes(), Default::default())
                .map_err(|e| (500, e.to_string()))?;
        let headers = if self.headers_on {
            kafka::inject(&Propagator::DEFAULT, &producer, OwnedHeaders::new())
        } else {
            OwnedHeaders::new()
        };
        let sent = publish(&self.producer, TOPIC, &order_id, &body, &headers);
        let mut record = SpanRecord::new(
            &producer,
            self.service.name(),
            &format!("send {TOPIC}"),
            SpanKind::Producer,
            start,
            now_ns(),
        );
        messaging_attributes(&mut record, TOPIC, &order_id);
        if let Err(err) = &sent {
            record.status = Status::Error;
            record.status_message = Some(err.to_string());
        }
        self.service.record(&record);
        sent.map_err(|e| (503, format!("publishing UserOrderPlaced failed: {e}")))?;
        self.service.log(
            "kafka.published",
            Some(&producer),
            json!({
                "topic": TOPIC,
                "order_id": order_id,
                "headers": headers_json(&headers),
                "body": String::from_utf8_lossy(&body),
            }),
        );
        Ok(order_id)
    }

    /// `POST /spans`: the page's span record, checked against the schema and
    /// appended as one line.
    fn page_span(&self, request: &mut Request) -> Response<Cursor<Vec<u8>>> {
        let mut body = String::new();
        if request.as_reader().read_to_string(&mut body).is_err() {
            return text(400, "unreadable body");
        }
        match serde_json::from_str::<SpanRecord>(&body) {
            Ok(record) => {
                let line = format!("{}\n", record.to_json_line());
                match (&self.page_spans).write_all(line.as_bytes()) {
                    Ok(()) => text(204, ""),
                    Err(err) => text(500, &err.to_string()),
                }
            }
            Err(err) => text(400, &err.to_string()),
        }
    }

    /// The page and the installed tracewire-wasm package, from the web root.
    fn file(&self, path: &str) -> Response<Cursor<Vec<u8>>> {
        let relative = match path.trim_start_matches('/') {
            "" => "index.html",
            other => other,
        };
        let public = matches!(relative, "index.html" | "checkout.mjs")
            || relative.starts_with("node_modules/tracewire-wasm/");
        if !public
            || relative
                .split('/')
                .any(|part| part == ".." || part.is_empty())
        {
            return text(404, "not found");
        }
        let full = self.web_root.join(relative);
        match std::fs::read(&full) {
            Ok(bytes) => Response::from_data(bytes).with_header(content_type(&full)),
            Err(_) => text(404, "not found"),
        }
    }
}

fn content_type(path: &Path) -> Header {
    let mime = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("json") => "application/json",
        Some("css") => "text/css; charset=utf-8",
        _ => "application/octet-stream",
    };
    header("Content-Type", mime)
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

fn text(status: u16, message: &str) -> Response<Cursor<Vec<u8>>> {
    Response::from_string(message).with_status_code(status)
}

fn json_response(status: u16, value: &Value) -> Response<Cursor<Vec<u8>>> {
    Response::from_string(value.to_string())
        .with_status_code(status)
        .with_header(header("Content-Type", "application/json"))
}
