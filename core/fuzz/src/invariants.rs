//! The invariants of extraction and injection, over any carrier.
//!
//! - Extraction never panics, and `extract`, `extract_with_diagnostics` (which
//!   `diagnose` returns half of) and `continue_trace` agree.
//! - Every format that finds no context says why: no format is silent, so a
//!   carrier with a header of the propagator never yields "no context" without a
//!   diagnostic.
//! - What is injected is in its format's grammar (see [`crate::grammar`]), and
//!   every carrier type and the bindings' header lines receive the same headers.
//! - The fixed point: extracting what was injected gives the same trace id, span
//!   id, sampled flag, trace state and baggage; a second round changes no header
//!   and nothing a getter shows. The bindings' context record reads back as the
//!   context it was made from.
//! - Injecting over the incoming headers replaces them: each injected header is
//!   there once, and the receiver extracts the injected span.

use std::collections::{BTreeMap, HashMap};

use tracewire::{host, Code, Context, Diagnostic, Format, Propagator, TraceFlags};

use crate::grammar;

pub type Headers = Vec<(String, Vec<u8>)>;

/// Headers as `name: "value"` lines, for failure messages.
pub fn show(headers: &[(String, Vec<u8>)]) -> String {
    headers
        .iter()
        .map(|(name, value)| format!("\n  {name}: {:?}", String::from_utf8_lossy(value)))
        .collect()
}

/// Extracts from `carrier` with `propagator` (whose extract and inject formats
/// must be the same set), checks every invariant, and returns the context.
pub fn headers(propagator: &Propagator, carrier: &Headers) -> Option<Context> {
    let (context, diagnostics) = propagator.extract_with_diagnostics(carrier);
    assert_eq!(propagator.extract(carrier), context, "extract disagrees");
    let present = carrier.iter().any(|(name, _)| propagator.reads(name));
    explained(propagator, context.as_ref(), &diagnostics, present);
    continued(&propagator.continue_trace(carrier), context.as_ref());
    if let Some(context) = &context {
        round_trip(propagator, context);
        reinjected(propagator, carrier, context);
    }
    context
}

/// Every format in the propagator's order either extracted or said why not;
/// diagnostics name formats and headers of the propagator.
pub fn explained(
    propagator: &Propagator,
    context: Option<&Context>,
    diagnostics: &[Diagnostic],
    present: bool,
) {
    let formats = propagator.extract_formats();
    for d in diagnostics {
        assert!(formats.contains(&d.format), "{d} from an unused format");
        assert!(
            d.format.fields().any(|field| field == d.header),
            "{d} names a header of another format"
        );
    }
    let extracted = diagnostics
        .iter()
        .filter(|d| d.code == Code::Extracted)
        .count();
    assert_eq!(
        extracted,
        usize::from(context.is_some()),
        "{diagnostics:?} for {context:?}"
    );
    for format in formats.iter().filter(|&&f| f != Format::Baggage) {
        assert!(
            diagnostics.iter().any(|d| d.format == *format),
            "{format} said nothing: {diagnostics:?}"
        );
    }
    if context.is_none() && present {
        assert!(!diagnostics.is_empty(), "no context and no reason");
    }
}

/// `continue_trace` is a child of the extracted context, or a new sampled root.
pub fn continued(span: &Context, extracted: Option<&Context>) {
    match extracted {
        Some(parent) => {
            assert_eq!(span.trace_id(), parent.trace_id());
            assert_eq!(span.parent_span_id(), Some(parent.span_id()));
            assert_ne!(span.span_id(), parent.span_id());
            assert_eq!(span.links(), parent.links());
            assert_eq!(span.baggage(), parent.baggage());
            assert_eq!(span.trace_state(), parent.trace_state());
            assert_eq!(span.flags(), parent.flags().known());
        }
        None => {
            assert_eq!(span.parent_span_id(), None);
            assert_eq!(span.flags(), TraceFlags::SAMPLED | TraceFlags::RANDOM);
            assert!(span.links().is_empty());
        }
    }
}

/// Injects `context` into an empty list, checking the headers' grammar.
pub fn injected(propagator: &Propagator, context: &Context) -> Headers {
    let mut headers: Headers = Vec::new();
    propagator.inject(context, &mut headers);
    grammar::check_headers(propagator, &headers);
    headers
}

/// Every carrier type, and the bindings' header lines, receive `headers`.
pub fn carriers_agree(propagator: &Propagator, context: &Context, headers: &Headers) {
    let text: Vec<(String, String)> = headers
        .iter()
        .map(|(n, v)| (n.clone(), String::from_utf8_lossy(v).into_owned()))
        .collect();
    let mut pairs: Vec<(String, String)> = Vec::new();
    propagator.inject(context, &mut pairs);
    assert_eq!(pairs, text, "Vec<(String, String)> differs");
    let mut sorted = text.clone();
    sorted.sort();
    let mut map: HashMap<String, String> = HashMap::new();
    propagator.inject(context, &mut map);
    let mut from_map: Vec<_> = map.into_iter().collect();
    from_map.sort();
    assert_eq!(from_map, sorted, "HashMap differs");
    let mut tree: BTreeMap<String, String> = BTreeMap::new();
    propagator.inject(context, &mut tree);
    assert_eq!(
        tree.into_iter().collect::<Vec<_>>(),
        sorted,
        "BTreeMap differs"
    );
    assert_eq!(
        replay(&host::header_lines(propagator, context)),
        text,
        "header lines differ"
    );
}

/// Applies `name\nvalue\n` header lines to an empty list as a binding's JS layer
/// does: an empty value removes the header.
pub fn replay(lines: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut parts = lines.split('\n');
    while let (Some(name), Some(value)) = (parts.next(), parts.next()) {
        out.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        if !value.is_empty() {
            out.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}

/// The same span: trace id, span id and sampled flag.
pub fn same_span(what: &str, expected: &Context, actual: &Context) {
    assert_eq!(actual.trace_id(), expected.trace_id(), "{what}: trace id");
    assert_eq!(actual.span_id(), expected.span_id(), "{what}: span id");
    assert_eq!(actual.sampled(), expected.sampled(), "{what}: sampled");
}

/// The same context as far as its getters tell (format state that changes no
/// header, such as a remembered Datadog priority, may differ).
pub fn same_context(what: &str, expected: &Context, actual: &Context) {
    same_span(what, expected, actual);
    assert_eq!(
        actual.parent_span_id(),
        expected.parent_span_id(),
        "{what}: parent"
    );
    assert_eq!(actual.flags(), expected.flags(), "{what}: flags");
    assert_eq!(
        actual.trace_state(),
        expected.trace_state(),
        "{what}: trace state"
    );
    assert_eq!(actual.baggage(), expected.baggage(), "{what}: baggage");
    assert_eq!(actual.links(), expected.links(), "{what}: links");
    assert_eq!(actual.is_debug(), expected.is_debug(), "{what}: debug");
    assert_eq!(
        actual.is_deferred(),
        expected.is_deferred(),
        "{what}: deferred"
    );
}

/// The fixed point: inject, extract, compare; then once more, which must change
/// nothing at all.
pub fn round_trip(propagator: &Propagator, first: &Context) {
    let formats = propagator.inject_formats();
    let mut extract: Vec<_> = propagator.extract_formats().to_vec();
    let mut inject = formats.to_vec();
    extract.sort_by_key(|f| f.name());
    inject.sort_by_key(|f| f.name());
    assert_eq!(
        extract, inject,
        "the fixed point needs the same formats both ways"
    );

    let headers = injected(propagator, first);
    // Carriers store values as they are given: small ones show any disagreement,
    // and copying kilobytes of baggage five more times would only slow the search.
    if headers.iter().map(|(_, value)| value.len()).sum::<usize>() <= 4096 {
        carriers_agree(propagator, first, &headers);
    }
    let second = propagator
        .extract(&headers)
        .unwrap_or_else(|| panic!("{} from {first:?} gives no context", show(&headers)));
    same_span("re-extracted", first, &second);
    let trace_state = if formats.contains(&Format::TraceContext) {
        first.trace_state().header().into_owned()
    } else {
        String::new()
    };
    assert_eq!(
        second.trace_state().as_str(),
        trace_state,
        "re-extracted trace state from {}",
        show(&headers)
    );
    if formats.contains(&Format::Baggage) || formats.contains(&Format::Jaeger) {
        assert_eq!(
            second.baggage(),
            first.baggage(),
            "re-extracted baggage from {}",
            show(&headers)
        );
    } else {
        assert!(second.baggage().is_empty());
    }
    assert!(second.links().is_empty(), "links from {}", show(&headers));

    let again = injected(propagator, &second);
    let third = propagator
        .extract(&again)
        .unwrap_or_else(|| panic!("{} from {second:?} gives no context", show(&again)));
    same_context("second round", &second, &third);
    assert_eq!(
        injected(propagator, &third),
        again,
        "a second round changed the headers"
    );
    // What the bindings hand back to the core reads as the same context.
    let record = host::record(first);
    let parsed = host::parse_record(&record)
        .unwrap_or_else(|e| panic!("record {record:?} does not parse: {e:?}"));
    same_context("record", first, &parsed);
    assert_eq!(host::record(&parsed), record);
}

/// Injection replaces what the carrier held: the injected span is what a
/// receiver of the updated carrier extracts.
pub fn reinjected(propagator: &Propagator, carrier: &Headers, context: &Context) {
    let mut updated = carrier.clone();
    propagator.inject(context, &mut updated);
    let mut fresh: Headers = Vec::new();
    propagator.inject(context, &mut fresh);
    for (name, value) in &fresh {
        let held: Vec<_> = updated
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .collect();
        assert_eq!(
            held,
            [&(name.clone(), value.clone())],
            "{name} in {}",
            show(&updated)
        );
    }
    let back = propagator
        .extract(&updated)
        .unwrap_or_else(|| panic!("{} gives no context", show(&updated)));
    same_span("injected over the incoming headers", context, &back);
}
