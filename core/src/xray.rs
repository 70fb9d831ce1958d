//! AWS X-Ray propagation (X-Ray developer guide, "Tracing header"): the
//! `X-Amzn-Trace-Id` header, which AWS Lambda also hands over in the
//! `_X_AMZN_TRACE_ID` environment variable (see [`crate::env`]).
//!
//! `Root=1-{8 hex epoch}-{24 hex};Parent={16 hex};Sampled={0|1|?}`:
//! - fields in any order, separated by `;` with optional spaces; names are
//!   case-sensitive as AWS writes them; `Root`, `Parent` and `Sampled` may each
//!   appear once;
//! - the trace id is epoch ‖ unique (32 hex); the `Root` version must be `1`;
//!   upper-case hex is rejected (`uppercase_hex`) as everywhere in tracewire;
//! - without `Parent` (as the first AWS service of a trace writes the header)
//!   there is no span to continue: no context (`missing_xray_parent`);
//! - `Sampled=?` asks this service to decide, and so does a missing `Sampled`:
//!   AWS's own SDKs make the decision themselves unless `Sampled` is `1` or `0`
//!   (aws-xray-sdk-node `resolveSampling`). Both give an unsampled, deferred
//!   context, written back as `Sampled=?`;
//! - other fields (`Lineage=...`, `Self=...`) are kept verbatim, in order, in the
//!   context's X-Ray state and written back after `Sampled`; never in the W3C
//!   `tracestate`. Only printable ASCII fields are kept (`invalid_xray_field`).

use crate::carrier::Injector;
use crate::context::is_header_text;
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::hex::{self, HexError};
use crate::traceparent::trim_ows;
use crate::{Code, Context, Format, Repeated, SpanId, TraceFlags, TraceId};

const HEADER: &str = "x-amzn-trace-id";

/// `1-` + 8 + `-` + 24.
const ROOT_LEN: usize = 35;

/// The context of the `X-Amzn-Trace-Id` header, if valid.
pub(crate) fn extract(seen: &Seen<'_>, repeated: Repeated, sink: &mut Sink<'_>) -> Option<Context> {
    let value = match seen.single(Field::XrayTraceId, repeated, Format::Xray, sink) {
        Ok(Some(value)) => value,
        Ok(None) => {
            sink.report(Format::Xray, HEADER, Code::MissingXray);
            return None;
        }
        Err(()) => return None,
    };
    let mut context = match parse(value) {
        Ok(context) => context,
        Err(code) => {
            sink.report(Format::Xray, HEADER, code);
            return None;
        }
    };
    let mut others = String::new();
    let mut dropped = false;
    for (name, field) in fields(value) {
        if matches!(name, "Root" | "Parent" | "Sampled") {
            continue;
        }
        if !is_header_text(field) {
            // Once per header, however many fields are dropped.
            if !dropped {
                sink.report(Format::Xray, HEADER, Code::InvalidXrayField);
            }
            dropped = true;
            continue;
        }
        if others.is_empty() {
            // Once, and only when there is something to keep.
            others.reserve(value.len());
        } else {
            others.push(';');
        }
        others.push_str(field);
    }
    if !others.is_empty() {
        context.extras_mut().xray = Some(others);
    }
    Some(context)
}

/// The non-empty fields, trimmed, with their names (the text before `=`, trimmed).
fn fields(value: &str) -> impl Iterator<Item = (&str, &str)> {
    value
        .split(';')
        .map(trim_ows)
        .filter(|field| !field.is_empty())
        .map(|field| {
            let name = field.split_once('=').map_or(field, |(name, _)| name);
            (trim_ows(name), field)
        })
}

/// The context of `Root`, `Parent` and `Sampled`.
fn parse(value: &str) -> Result<Context, Code> {
    let (mut root, mut parent, mut sampled) = (None, None, None);
    for (name, field) in fields(value) {
        let (slot, code) = match name {
            "Root" => (&mut root, Code::InvalidXrayTraceId),
            "Parent" => (&mut parent, Code::InvalidXrayParent),
            "Sampled" => (&mut sampled, Code::InvalidXraySampled),
            _ => continue,
        };
        let value = field.split_once('=').map(|(_, v)| trim_ows(v));
        if slot.is_some() || value.is_none() {
            return Err(code);
        }
        *slot = value;
    }
    let root = root.ok_or(Code::MissingXrayRoot)?.as_bytes();
    if root.len() != ROOT_LEN || !root.starts_with(b"1-") || root[10] != b'-' {
        return Err(Code::InvalidXrayTraceId);
    }
    let parent = parent.ok_or(Code::MissingXrayParent)?.as_bytes();
    if parent.len() != 16 {
        return Err(Code::InvalidXrayParent);
    }
    let (sampled, deferred) = match sampled {
        Some("1") => (true, false),
        Some("0") => (false, false),
        Some("?") | None => (false, true),
        Some(_) => return Err(Code::InvalidXraySampled),
    };
    let (epoch, epoch_seen) = hex::decode_unchecked::<4>(&root[2..10]);
    let (unique, unique_seen) = hex::decode_unchecked::<12>(&root[11..]);
    let (span, span_seen) = hex::decode_unchecked::<8>(parent);
    match hex::verdict(epoch_seen | unique_seen | span_seen) {
        Err(HexError::NotHex) => return Err(Code::InvalidHex),
        Err(HexError::Uppercase) => return Err(Code::UppercaseHex),
        Ok(()) => {}
    }
    let mut trace = [0u8; 16];
    trace[..4].copy_from_slice(&epoch);
    trace[4..].copy_from_slice(&unique);
    let trace_id = TraceId::from_bytes(trace).ok_or(Code::ZeroTraceId)?;
    let span_id = SpanId::from_bytes(span).ok_or(Code::ZeroSpanId)?;
    let mut context = Context::new(trace_id, span_id, TraceFlags::NONE.with_sampled(sampled));
    if deferred {
        context.extras_mut().deferred = true;
    }
    Ok(context)
}

/// Writes `Root=1-{8}-{24};Parent={16};Sampled={1|0|?}` and the kept fields.
pub(crate) fn inject<I: Injector + ?Sized>(context: &Context, carrier: &mut I) {
    let trace = context.trace_id().to_hex();
    let sampled = if context.sampled() {
        '1'
    } else if context.is_deferred() {
        '?'
    } else {
        '0'
    };
    let others = context
        .extras()
        .and_then(|extras| extras.xray.as_deref())
        .filter(|others| !others.is_empty() && is_header_text(others));
    let len = "Root=;Parent=;Sampled=".len() + ROOT_LEN + 16 + 1;
    let mut value = String::with_capacity(len + others.map_or(0, |o| o.len() + 1));
    value.push_str("Root=1-");
    value.push_str(&trace[..8]);
    value.push('-');
    value.push_str(&trace[8..]);
    value.push_str(";Parent=");
    value.push_str(&context.span_id().to_hex());
    value.push_str(";Sampled=");
    value.push(sampled);
    if let Some(others) = others {
        value.push(';');
        value.push_str(others);
    }
    carrier.set_header(HEADER, &value);
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "Root=1-5759e988-bd862e3fe1be46a994272793";

    fn extracted(value: &str) -> (Option<Context>, Vec<Code>) {
        let headers = [("X-Amzn-Trace-Id", value)];
        let seen = Seen::gather(&headers, &[Field::XrayTraceId]);
        let mut diagnostics = Vec::new();
        let context = extract(&seen, Repeated::Restart, &mut Sink(Some(&mut diagnostics)));
        (context, diagnostics.iter().map(|d| d.code).collect())
    }

    fn injected(context: &Context) -> String {
        let mut out: Vec<(String, String)> = Vec::new();
        inject(context, &mut out);
        out.pop().unwrap().1
    }

    #[test]
    fn reads_fields_in_any_order_and_writes_them_canonically() {
        let value = format!(
            "Sampled=1 ; Lineage=a87bd80c:1|68fd508a:5 ;Parent=53995c3f42cd8ad8; {ROOT};Self=x"
        );
        let (context, codes) = extracted(&value);
        let context = context.unwrap();
        assert!(codes.is_empty());
        assert_eq!(
            context.trace_id().to_string(),
            "5759e988bd862e3fe1be46a994272793"
        );
        assert_eq!(context.span_id().to_string(), "53995c3f42cd8ad8");
        assert!(context.sampled() && !context.is_deferred());
        assert!(context.trace_state().is_empty());
        assert_eq!(
            injected(&context),
            format!(
                "{ROOT};Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1|68fd508a:5;Self=x"
            )
        );
    }

    #[test]
    fn missing_or_unknown_sampling_is_deferred() {
        for value in [
            format!("{ROOT};Parent=53995c3f42cd8ad8"),
            format!("{ROOT};Parent=53995c3f42cd8ad8;Sampled=?"),
        ] {
            let context = extracted(&value).0.unwrap();
            assert!(!context.sampled() && context.is_deferred());
            assert_eq!(
                injected(&context),
                format!("{ROOT};Parent=53995c3f42cd8ad8;Sampled=?")
            );
        }
    }

    #[test]
    fn rejects_what_the_format_does_not_allow() {
        let parent = "Parent=53995c3f42cd8ad8";
        let cases = [
            (format!("{ROOT};Sampled=1"), Code::MissingXrayParent),
            (format!("{parent};Sampled=1"), Code::MissingXrayRoot),
            (
                format!("Root=2-5759e988-bd862e3fe1be46a994272793;{parent}"),
                Code::InvalidXrayTraceId,
            ),
            (
                format!("Root=1-5759e988bd862e3fe1be46a994272793;{parent}"),
                Code::InvalidXrayTraceId,
            ),
            (format!("{ROOT};{ROOT};{parent}"), Code::InvalidXrayTraceId),
            (
                format!("{ROOT};Parent=53995c3f42cd8ad"),
                Code::InvalidXrayParent,
            ),
            (
                format!("{ROOT};{parent};Sampled=true"),
                Code::InvalidXraySampled,
            ),
            (format!("{ROOT};{parent};Sampled"), Code::InvalidXraySampled),
            (
                format!("Root=1-5759E988-bd862e3fe1be46a994272793;{parent}"),
                Code::UppercaseHex,
            ),
            (format!("{ROOT};Parent=53995c3f42cd8adg"), Code::InvalidHex),
            (
                format!("Root=1-00000000-000000000000000000000000;{parent}"),
                Code::ZeroTraceId,
            ),
            (format!("{ROOT};Parent=0000000000000000"), Code::ZeroSpanId),
        ];
        for (value, code) in cases {
            assert_eq!(extracted(&value), (None, vec![code]), "{value}");
        }
    }

    #[test]
    fn drops_unprintable_fields_only() {
        let (context, codes) = extracted(&format!(
            "{ROOT};Parent=53995c3f42cd8ad8;Lineage=é;Self=1;X=\u{1}"
        ));
        assert_eq!(codes, [Code::InvalidXrayField], "once per header");
        assert!(injected(&context.unwrap()).ends_with(";Sampled=?;Self=1"));
    }
}
