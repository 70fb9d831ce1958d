//! Header values from the shared vectors (`tests/vectors/*.json`), by header
//! name: structured targets start from them, so valid contexts of every format
//! are reached from the first run instead of guessed digit by digit.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

const VECTORS: [&str; 10] = [
    include_str!("../../../tests/vectors/b3.json"),
    include_str!("../../../tests/vectors/baggage.json"),
    include_str!("../../../tests/vectors/composition.json"),
    include_str!("../../../tests/vectors/datadog.json"),
    include_str!("../../../tests/vectors/env.json"),
    include_str!("../../../tests/vectors/jaeger.json"),
    include_str!("../../../tests/vectors/json.json"),
    include_str!("../../../tests/vectors/traceparent.json"),
    include_str!("../../../tests/vectors/tracestate.json"),
    include_str!("../../../tests/vectors/xray.json"),
];

/// Known values by lowercase header name, and every value.
pub struct Templates {
    by_name: HashMap<String, Vec<Vec<u8>>>,
    all: Vec<Vec<u8>>,
}

impl Templates {
    /// Value `index` (modulo) of the header `name`, or of any header when the
    /// vectors hold none for it.
    pub fn pick(&self, name: &str, index: usize) -> &[u8] {
        let list = self
            .by_name
            .get(&name.to_ascii_lowercase())
            .or_else(|| {
                let prefix = name.get(..8)?.eq_ignore_ascii_case("uberctx-");
                prefix.then(|| self.by_name.get("uberctx-*")).flatten()
            })
            .unwrap_or(&self.all);
        list.get(index % list.len().max(1))
            .map_or(&[][..], Vec::as_slice)
    }
}

/// The templates, read once.
pub fn templates() -> &'static Templates {
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    TEMPLATES.get_or_init(|| {
        let mut templates = Templates {
            by_name: HashMap::new(),
            all: Vec::new(),
        };
        for file in VECTORS {
            let file: Value = serde_json::from_str(file).expect("vectors are JSON");
            for case in file["cases"].as_array().into_iter().flatten() {
                for (name, value) in pairs(&case["headers"]).chain(env_pairs(&case["env"])) {
                    let name = match name.strip_prefix("uberctx-") {
                        Some(_) => "uberctx-*".to_owned(),
                        None => name,
                    };
                    let list = templates.by_name.entry(name).or_default();
                    if !list.contains(&value) {
                        list.push(value.clone());
                        templates.all.push(value);
                    }
                }
            }
        }
        templates
    })
}

fn pairs(list: &Value) -> impl Iterator<Item = (String, Vec<u8>)> + '_ {
    list.as_array().into_iter().flatten().filter_map(|pair| {
        let name = pair[0].as_str()?.to_ascii_lowercase();
        Some((name, bytes(&pair[1])?))
    })
}

/// Environment variables under the header names they stand for.
fn env_pairs(list: &Value) -> impl Iterator<Item = (String, Vec<u8>)> + '_ {
    list.as_array().into_iter().flatten().filter_map(|pair| {
        let name = tracewire::env::header_name(pair[0].as_str()?)?;
        Some((name, bytes(&pair[1])?))
    })
}

/// A vector value: a string, or `{"bytes": hex}`.
pub fn bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::String(text) => Some(text.as_bytes().to_vec()),
        Value::Object(map) => {
            let hex = map.get("bytes")?.as_str()?;
            (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
                .collect()
        }
        _ => None,
    }
}
