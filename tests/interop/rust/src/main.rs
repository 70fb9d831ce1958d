//! The interop peer for tracewire's Rust crate: one JSON request per line on
//! stdin, one JSON answer per line on stdout (see tests/interop/README.md).

use std::io::{self, BufRead, Write};

use serde_json::{json, Map, Value};
use tracewire::{Context, Format, Propagator, TraceFlags};

type Failure = Box<dyn std::error::Error>;

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value, Failure> {
    value
        .get(name)
        .ok_or_else(|| format!("missing {name:?}").into())
}

fn text<'a>(value: &'a Value, name: &str) -> Result<&'a str, Failure> {
    field(value, name)?
        .as_str()
        .ok_or_else(|| format!("{name:?} is not a string").into())
}

/// A context with exactly the ids, flag, tracestate and baggage of `wire`.
fn to_context(wire: &Value) -> Result<Context, Failure> {
    let sampled = field(wire, "sampled")?.as_bool().ok_or("bad \"sampled\"")?;
    let mut ctx = Context::new(
        text(wire, "trace_id")?.parse()?,
        text(wire, "span_id")?.parse()?,
        TraceFlags::NONE.with_sampled(sampled),
    )
    .with_trace_state(text(wire, "tracestate")?.parse()?);
    for (key, value) in field(wire, "baggage")?
        .as_object()
        .ok_or("bad \"baggage\"")?
    {
        ctx = ctx.with_baggage(key, value.as_str().ok_or("bad baggage value")?)?;
    }
    Ok(ctx)
}

fn to_wire(ctx: &Context) -> Value {
    let baggage: Map<String, Value> = ctx
        .baggage()
        .iter()
        .map(|(key, value, _properties)| (key.to_owned(), Value::from(value)))
        .collect();
    json!({
        "trace_id": ctx.trace_id().to_string(),
        "span_id": ctx.span_id().to_string(),
        "sampled": ctx.sampled(),
        "tracestate": ctx.trace_state().header(),
        "baggage": baggage,
    })
}

fn answer(request: &Value) -> Result<Value, Failure> {
    let formats = field(request, "formats")?
        .as_array()
        .ok_or("bad \"formats\"")?
        .iter()
        .map(|name| Ok(name.as_str().ok_or("bad format")?.parse::<Format>()?))
        .collect::<Result<Vec<_>, Failure>>()?;
    let propagator = Propagator::builder()
        .extract(formats.iter().copied())
        .inject(formats)
        .build();
    if text(request, "op")? == "inject" {
        let mut headers: Vec<(String, String)> = Vec::new();
        propagator.inject(&to_context(field(request, "context")?)?, &mut headers);
        headers.sort();
        return Ok(json!({ "headers": headers }));
    }
    let headers: Vec<(String, String)> =
        serde_json::from_value(field(request, "headers")?.clone())?;
    let extracted = propagator.extract(&headers);
    Ok(json!({ "context": extracted.as_ref().map(to_wire) }))
}

fn main() -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    for line in io::stdin().lock().lines() {
        let reply = answer(&serde_json::from_str(&line?)?)?;
        writeln!(out, "{reply}")?;
        out.flush()?;
    }
    Ok(())
}
