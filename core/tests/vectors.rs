//! Runs the shared vectors under `tests/vectors/` (the same files every binding runs).

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;
use tracewire::json::JsonFields;
use tracewire::{env, json, Context, Format, Propagator, SpanId, TraceFlags, TraceId, TraceState};
use tracewire::{Baggage, Diagnostic, Repeated};

fn vector_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

fn propagator(config: &Value) -> Propagator {
    let formats = |key: &str| -> Vec<Format> {
        config[key]
            .as_array()
            .map(|names| {
                names
                    .iter()
                    .map(|n| n.as_str().unwrap().parse().unwrap())
                    .collect()
            })
            .unwrap_or_else(|| vec![Format::TraceContext])
    };
    let repeated: Repeated = config["repeated"]
        .as_str()
        .unwrap_or("restart")
        .parse()
        .unwrap();
    Propagator::builder()
        .extract(formats("extract"))
        .inject(formats("inject"))
        .repeated(repeated)
        .build()
}

fn value_bytes(value: &Value) -> Vec<u8> {
    match value {
        Value::String(text) => text.as_bytes().to_vec(),
        Value::Object(map) => {
            let hex = map["bytes"].as_str().unwrap();
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect()
        }
        other => panic!("bad header value {other}"),
    }
}

fn pairs(list: &Value) -> Vec<(String, Vec<u8>)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), value_bytes(&pair[1])))
        .collect()
}

fn text_pairs(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .map(|list| {
            list.iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap().to_owned(),
                        pair[1].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Baggage as a map, the last value of a repeated key winning.
fn baggage_map(baggage: &Baggage) -> BTreeMap<String, String> {
    baggage
        .iter()
        .map(|(key, value, _)| (key.to_owned(), value.to_owned()))
        .collect()
}

fn want_baggage(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn check_codes(diagnostics: &[Diagnostic], expected: &Value) -> Result<(), String> {
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    let expected_codes: Vec<&str> = expected
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    if codes != expected_codes {
        return Err(format!(
            "diagnostics {codes:?}, expected {expected_codes:?}"
        ));
    }
    Ok(())
}

/// Compares an extracted context with `expect` (ids, flags, tracestate; baggage
/// always; links, debug and deferred when given) and checks its child.
fn check_context(context: &Context, expect: &Value) -> Result<(), String> {
    let got = (
        context.trace_id().to_string(),
        context.span_id().to_string(),
        u64::from(context.flags().bits()),
        context.trace_state().to_string(),
    );
    let want = (
        expect["trace_id"].as_str().unwrap().to_owned(),
        expect["span_id"].as_str().unwrap().to_owned(),
        expect["flags"].as_u64().unwrap(),
        expect["tracestate"].as_str().unwrap().to_owned(),
    );
    if got != want {
        return Err(format!("extracted {got:?}, expected {want:?}"));
    }
    let baggage = baggage_map(context.baggage());
    let wanted = want_baggage(&expect["baggage"]);
    if baggage != wanted {
        return Err(format!("baggage {baggage:?}, expected {wanted:?}"));
    }
    let links: Vec<(String, String)> = context
        .links()
        .iter()
        .map(|link| (link.trace_id.to_string(), link.span_id.to_string()))
        .collect();
    let want_links: Vec<(String, String)> = expect["links"]
        .as_array()
        .map(|links| {
            links
                .iter()
                .map(|l| {
                    (
                        l["trace_id"].as_str().unwrap().to_owned(),
                        l["span_id"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    if links != want_links {
        return Err(format!("links {links:?}, expected {want_links:?}"));
    }
    let flags = (context.is_debug(), context.is_deferred());
    let want_flags = (
        expect["debug"].as_bool().unwrap_or(false),
        expect["deferred"].as_bool().unwrap_or(false),
    );
    if flags != want_flags {
        return Err(format!(
            "(debug, deferred) {flags:?}, expected {want_flags:?}"
        ));
    }
    let child = context.child();
    if child.trace_id() != context.trace_id()
        || child.flags().bits() != context.flags().bits() & 3
        || child.parent_span_id() != Some(context.span_id())
        || child.span_id() == context.span_id()
    {
        return Err(format!("child {child:?} of {context:?}"));
    }
    Ok(())
}

/// What `continue_trace` must give: a child of `context` with its baggage and
/// links, or a new root carrying the baggage that came without a trace
/// (`continued_baggage`, empty when absent).
fn check_continued(
    continued: &Context,
    context: Option<&Context>,
    case: &Value,
) -> Result<(), String> {
    let ok = match context {
        Some(context) => {
            continued.parent_span_id() == Some(context.span_id())
                && continued.baggage() == context.baggage()
                && continued.links() == context.links()
        }
        None => {
            continued.parent_span_id().is_none()
                && continued.flags().bits() == 3
                && baggage_map(continued.baggage()) == want_baggage(&case["continued_baggage"])
        }
    };
    if ok {
        Ok(())
    } else {
        Err(format!("continue_trace gave {continued:?}"))
    }
}

/// A header case: `headers` in, `expect`, `diagnostics`, `inject` out.
fn check(case: &Value) -> Result<(), String> {
    let propagator = propagator(&case["propagator"]);
    let headers = pairs(&case["headers"]);
    let (context, diagnostics) = propagator.extract_with_diagnostics(&headers);
    check_codes(&diagnostics, &case["diagnostics"])?;
    if propagator.extract(&headers) != context {
        return Err("extract and extract_with_diagnostics disagree".into());
    }
    let continued = propagator.continue_trace(&headers);
    check_continued(&continued, context.as_ref(), case)?;
    let expect = &case["expect"];
    let Some(context) = context else {
        return match expect.is_null() {
            true => Ok(()),
            false => Err(format!("no context, expected {expect}")),
        };
    };
    if expect.is_null() {
        return Err(format!("extracted {context:?}, expected none"));
    }
    check_context(&context, expect)?;
    let mut injected: Vec<(String, String)> = Vec::new();
    propagator.inject(&context, &mut injected);
    let expected_inject = text_pairs(&case["inject"]);
    if injected != expected_inject {
        return Err(format!(
            "injected {injected:?}, expected {expected_inject:?}"
        ));
    }
    Ok(())
}

/// An environment case: like a header case, with `env` variables in and `inject`
/// as the variables written (see `tracewire::env`).
fn check_env(case: &Value) -> Result<(), String> {
    let propagator = propagator(&case["propagator"]);
    let vars = pairs(&case["env"]);
    let context = env::extract(&propagator, &vars);
    check_codes(&env::diagnose(&propagator, &vars), &case["diagnostics"])?;
    check_continued(
        &env::continue_trace(&propagator, &vars),
        context.as_ref(),
        case,
    )?;
    let expect = &case["expect"];
    let Some(context) = context else {
        return match expect.is_null() {
            true => Ok(()),
            false => Err(format!("no context, expected {expect}")),
        };
    };
    if expect.is_null() {
        return Err(format!("extracted {context:?}, expected none"));
    }
    check_context(&context, expect)?;
    let mut injected: Vec<(String, String)> = Vec::new();
    env::inject(&propagator, &context, &mut injected);
    let expected_inject = text_pairs(&case["inject"]);
    if injected != expected_inject {
        return Err(format!(
            "injected {injected:?}, expected {expected_inject:?}"
        ));
    }
    Ok(())
}

/// The context a JSON case injects: `inject.traceparent` and `inject.tracestate`.
fn context_of(inject: &Value) -> Context {
    let traceparent = inject["traceparent"].as_str().unwrap();
    let parts: Vec<&str> = traceparent.split('-').collect();
    let trace_id: TraceId = parts[1].parse().unwrap();
    let span_id: SpanId = parts[2].parse().unwrap();
    let flags = u8::from_str_radix(parts[3], 16).unwrap();
    let trace_state = match inject["tracestate"].as_str() {
        Some(text) => TraceState::parse(text).unwrap(),
        None => TraceState::new(),
    };
    Context::new(trace_id, span_id, TraceFlags::from_bits(flags)).with_trace_state(trace_state)
}

/// A JSON-body case: `body` in, `expect` or `error` out, and `inject.body` as the
/// exact result of stamping the `inject` context into the same body.
fn check_json(case: &Value) -> Result<(), String> {
    let body = value_bytes(&case["body"]);
    let fields = match case["fields"].as_object() {
        Some(map) => JsonFields {
            trace_id: map["trace_id"].as_str().unwrap(),
            span_id: map["span_id"].as_str().unwrap(),
        },
        None => JsonFields::default(),
    };
    let extracted = json::extract(&body, fields);
    if let Some(code) = case["error"].as_str() {
        let injected = json::inject(&Context::new_root(), &body, fields);
        return match (extracted, injected) {
            (Err(a), Err(b)) if a.code().as_str() == code && b.code().as_str() == code => Ok(()),
            (a, b) => Err(format!(
                "extract {a:?} and inject {b:?}, expected error {code}"
            )),
        };
    }
    let extracted = extracted.map_err(|e| format!("extract failed: {e}"))?;
    match (&extracted, &case["expect"]) {
        (None, Value::Null) => {}
        (Some(context), expect) if !expect.is_null() => check_context(context, expect)?,
        (got, expect) => return Err(format!("extracted {got:?}, expected {expect}")),
    }
    let inject = &case["inject"];
    if inject.is_null() {
        return Ok(());
    }
    let context = context_of(inject);
    let out = json::inject(&context, &body, fields).map_err(|e| format!("inject failed: {e}"))?;
    let want = inject["body"].as_str().unwrap();
    if out != want.as_bytes() {
        return Err(format!(
            "injected {}, expected {want}",
            String::from_utf8_lossy(&out)
        ));
    }
    let back = json::extract(&out, fields)
        .map_err(|e| format!("re-extract failed: {e}"))?
        .ok_or("nothing extracted from the injected body")?;
    if (back.trace_id(), back.span_id()) != (context.trace_id(), context.span_id()) {
        return Err(format!("re-extracted {back:?}"));
    }
    Ok(())
}

#[test]
fn shared_vectors() {
    let mut failures = Vec::new();
    let mut count = 0;
    for file in vector_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let doc: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for case in doc["cases"].as_array().unwrap() {
            count += 1;
            let result = if case.get("body").is_some() {
                check_json(case)
            } else if case.get("env").is_some() {
                check_env(case)
            } else {
                check(case)
            };
            if let Err(why) = result {
                failures.push(format!("{}: {why}", case["name"].as_str().unwrap()));
            }
        }
    }
    assert!(count >= 80, "only {count} vectors found");
    assert!(
        failures.is_empty(),
        "{} of {count} vectors failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{count} vectors passed");
}
