//! Runs the shared vectors under `tests/vectors/` (the same files every binding runs).

use std::path::PathBuf;

use serde_json::Value;
use tracewire::{Format, Propagator, Repeated};

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

/// Checks one case; returns a description of the first mismatch.
fn check(case: &Value) -> Result<(), String> {
    let propagator = propagator(&case["propagator"]);
    let headers: Vec<(String, Vec<u8>)> = case["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| (pair[0].as_str().unwrap().to_owned(), value_bytes(&pair[1])))
        .collect();

    let (context, diagnostics) = propagator.extract_with_diagnostics(&headers);
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    let expected_codes: Vec<&str> = case["diagnostics"]
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
    if propagator.extract(&headers) != context {
        return Err("extract and extract_with_diagnostics disagree".into());
    }

    let expect = &case["expect"];
    let Some(context) = context else {
        if !expect.is_null() {
            return Err(format!("no context, expected {expect}"));
        }
        let root = propagator.continue_trace(&headers);
        if root.parent_span_id().is_some() || root.flags().bits() != 3 {
            return Err(format!("continue_trace without context gave {root:?}"));
        }
        return Ok(());
    };
    if expect.is_null() {
        return Err(format!("extracted {context:?}, expected none"));
    }
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

    let mut injected: Vec<(String, String)> = Vec::new();
    propagator.inject(&context, &mut injected);
    let expected_inject: Vec<(String, String)> = case["inject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    if injected != expected_inject {
        return Err(format!(
            "injected {injected:?}, expected {expected_inject:?}"
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
    let continued = propagator.continue_trace(&headers);
    if continued.parent_span_id() != Some(context.span_id()) {
        return Err(format!("continue_trace gave {continued:?}"));
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
            if let Err(why) = check(case) {
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
