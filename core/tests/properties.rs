//! Properties of every format, alone and combined, over generated contexts and
//! adversarial header lists:
//! 1. any context injected and extracted again is the same context, as far as the
//!    format carries it;
//! 2. whatever a header list gives, injected and extracted again, is the same
//!    context as far as the format carries it, and the headers written settle:
//!    at once for one format, within three rounds for all of them together;
//! 3. injected names are lowercase tokens and values printable ASCII, without
//!    surrounding spaces, that follow their format's grammar;
//! 4. JSON bodies: injection changes only the trace members, byte for byte, and
//!    re-extracts;
//! 5. environment variables round-trip like headers.
//!
//! 64 cases per property by default; more with `PROPTEST_CASES`, e.g.
//! `PROPTEST_CASES=10000 cargo test -p tracewire --all-features --release --test properties`.

use std::collections::HashSet;

use proptest::prelude::*;
use proptest::sample::Index;
use tracewire::json::{self, JsonFields};
use tracewire::{env, host};
use tracewire::{Baggage, Context, Format, Propagator, SpanId, TraceFlags, TraceId, TraceState};

fn config() -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    // A failure prints its minimal input; nothing is written next to the sources.
    config.failure_persistence = None;
    config
}

type Headers = Vec<(String, String)>;

/// A header value as received: any bytes, shown escaped.
#[derive(Clone, PartialEq)]
struct Bytes(Vec<u8>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Bytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

type Received = Vec<(String, Bytes)>;

// ---------------------------------------------------------------------------
// Contexts

/// Everything a context can hold, as plain data, so the context a format should
/// give back can be built from it.
#[derive(Clone, Debug)]
struct Spec {
    trace: [u8; 16],
    span: [u8; 8],
    parent: Option<[u8; 8]>,
    flags: u8,
    tracestate: TraceState,
    baggage: Baggage,
    debug: bool,
    deferred: bool,
    origin: Option<String>,
    priority: Option<i32>,
    tags: Option<String>,
    xray: Option<String>,
}

impl Spec {
    fn sampled(&self) -> bool {
        self.flags & 1 != 0
    }

    /// Datadog carries only trace ids whose low 64 bits are not zero.
    fn has_datadog_form(&self) -> bool {
        self.trace[8..] != [0; 8]
    }

    /// The context. Format state (debug, deferred, Datadog and X-Ray fields) is
    /// set through the host record, the only public way to set it directly.
    fn context(&self) -> Context {
        let base = Context::new(
            TraceId::from_bytes(self.trace).unwrap(),
            SpanId::from_bytes(self.span).unwrap(),
            TraceFlags::from_bits(self.flags),
        )
        .with_parent_span_id(self.parent.map(|p| SpanId::from_bytes(p).unwrap()))
        .with_trace_state(self.tracestate.clone())
        .replace_baggage(self.baggage.clone());
        let mut items: Vec<String> = Vec::new();
        if self.debug {
            items.push("d".into());
        }
        if self.deferred {
            items.push("?".into());
        }
        for (tag, value) in [("o=", &self.origin), ("t=", &self.tags), ("x=", &self.xray)] {
            if let Some(value) = value {
                items.push(format!("{tag}{value}"));
            }
        }
        if let Some(priority) = self.priority {
            items.push(format!("p={priority}"));
        }
        let mut record = host::record(&base);
        // The record ends with the format-state section and the (empty) links.
        assert!(record.ends_with("\n\n"));
        record.insert_str(record.len() - 1, &items.join("\t"));
        host::parse_record(&record).unwrap()
    }

    /// What `propagator` (`format` alone, or `None`: every format in
    /// `Format::ALL` order) gives back after injecting and extracting this spec:
    /// `None` when it carries no context.
    fn carried(&self, format: Option<Format>) -> Option<Spec> {
        let sampled = self.sampled();
        let mut out = Spec {
            parent: None,
            flags: u8::from(sampled),
            tracestate: TraceState::new(),
            baggage: Baggage::new(),
            debug: false,
            deferred: false,
            origin: None,
            priority: None,
            tags: None,
            xray: None,
            ..self.clone()
        };
        let w3c = |out: &mut Spec| {
            out.flags = self.flags & 0x03;
            out.tracestate = TraceState::parse(&self.tracestate.header()).unwrap();
        };
        let datadog = |out: &mut Spec| {
            out.origin.clone_from(&self.origin);
            out.tags.clone_from(&self.tags);
            out.priority = self.datadog_priority();
        };
        match format {
            Some(Format::TraceContext) => w3c(&mut out),
            Some(Format::B3 | Format::B3Multi) => {
                out.debug = sampled && self.debug;
                out.deferred = !sampled && self.deferred;
            }
            Some(Format::Jaeger) => {
                out.debug = sampled && self.debug;
                out.baggage = jaeger_baggage(&self.baggage, lowercase);
            }
            Some(Format::Xray) => {
                out.deferred = !sampled && self.deferred;
                out.xray.clone_from(&self.xray);
            }
            Some(Format::Datadog) => {
                if !self.has_datadog_form() {
                    return None;
                }
                out.deferred = self.datadog_priority().is_none();
                datadog(&mut out);
            }
            None => {
                // W3C wins; the later formats of the same trace add what only
                // they know, a deferral explaining W3C's unsampled flag included.
                w3c(&mut out);
                out.deferred = !sampled && self.deferred;
                out.baggage = merged(&self.baggage, &jaeger_baggage(&self.baggage, lowercase));
                out.debug = sampled && self.debug;
                out.xray.clone_from(&self.xray);
                if self.has_datadog_form() {
                    datadog(&mut out);
                }
            }
            Some(other) => panic!("{other} carries no context"),
        }
        Some(out)
    }

    /// The sampling priority Datadog sends: none while the decision is deferred,
    /// else the known one while it agrees with the sampled flag.
    fn datadog_priority(&self) -> Option<i32> {
        let sampled = self.sampled();
        if !sampled && self.deferred {
            return None;
        }
        match self.priority {
            Some(p) if (p > 0) == sampled => Some(p),
            _ => Some(i32::from(sampled)),
        }
    }
}

/// Baggage as Jaeger's `uberctx-{key}` headers carry it: one value per key (the
/// last), keys as `key` maps them (`None`: not written), in the order the
/// headers were last written, none for an empty value.
fn jaeger_baggage(baggage: &Baggage, key: impl Fn(&str) -> Option<String>) -> Baggage {
    let last = baggage
        .iter()
        .fold(Baggage::new(), |acc, (k, v, _)| match key(k) {
            Some(k) => acc.insert(&k, v).expect("a subset stays within the limits"),
            None => acc,
        });
    let empty: Vec<&str> = last
        .iter()
        .filter(|(_, v, _)| v.is_empty())
        .map(|(k, _, _)| k)
        .collect();
    empty.iter().fold(last.clone(), |acc, k| acc.remove(k))
}

/// The baggage of two sources, the second merged into the first: a member
/// without properties is dropped when the last member of its key (in any case,
/// for a lowercase key) has its value.
fn merged(first: &Baggage, second: &Baggage) -> Baggage {
    if first.is_empty() {
        return second.clone();
    }
    let mut members: Vec<(&str, &str, &str)> = first.iter().collect();
    for (key, value, properties) in second.iter() {
        let lowercase = !key.bytes().any(|b| b.is_ascii_uppercase());
        let last = members
            .iter()
            .rev()
            .find(|m| m.0 == key || (lowercase && m.0.eq_ignore_ascii_case(key)));
        if properties.is_empty() && last.is_some_and(|m| m.1 == value) {
            continue;
        }
        members.push((key, value, properties));
    }
    let header: Vec<String> = members
        .iter()
        .map(|(key, value, properties)| {
            let mut member = format!("{key}={}", percent_encode(value));
            if !properties.is_empty() {
                member.push(';');
                member.push_str(properties);
            }
            member
        })
        .collect();
    // Parsing applies the limits as merging does: the first member past them
    // and all after it are dropped.
    Baggage::parse(&header.join(","))
}

/// The baggage `propagator` gives back for `baggage` it injected: the baggage
/// and Jaeger sources merged in extract order. W3C's members, written beside
/// Jaeger's, are the whole answer for every key whichever comes first.
fn round_trip_baggage(propagator: &Propagator, baggage: &Baggage) -> Baggage {
    let writes = |format| propagator.inject_formats().contains(&format);
    let mut result = Baggage::new();
    for format in propagator.extract_formats() {
        result = match format {
            Format::Baggage if writes(Format::Baggage) => baggage.clone(),
            Format::Jaeger if writes(Format::Jaeger) && result.is_empty() => {
                jaeger_baggage(baggage, lowercase)
            }
            _ => continue,
        };
    }
    result
}

/// A key as a `uberctx-` header name carries it.
fn lowercase(key: &str) -> Option<String> {
    Some(key.to_ascii_lowercase())
}

fn nonzero<const N: usize>(bytes: [u8; N]) -> [u8; N] {
    let mut bytes = bytes;
    if bytes == [0; N] {
        bytes[N - 1] = 1;
    }
    bytes
}

fn trace_id() -> impl Strategy<Value = [u8; 16]> {
    let half = |high: bool| {
        any::<[u8; 8]>().prop_map(move |half| {
            let mut bytes = [0u8; 16];
            let at = if high { 0 } else { 8 };
            bytes[at..at + 8].copy_from_slice(&half);
            bytes
        })
    };
    prop_oneof![4 => any::<[u8; 16]>(), 1 => half(false), 1 => half(true)].prop_map(nonzero)
}

fn span_id() -> impl Strategy<Value = [u8; 8]> {
    prop_oneof![
        4 => any::<[u8; 8]>(),
        1 => any::<u8>().prop_map(|low| [0, 0, 0, 0, 0, 0, 0, low]),
    ]
    .prop_map(nonzero)
}

/// W3C level-2 keys and values, short mostly, sometimes long enough to be cut.
fn tracestate() -> impl Strategy<Value = TraceState> {
    let key = "[a-z0-9][a-z0-9_*/@-]{0,12}";
    let value = prop_oneof![
        4 => "[ -+\\--<>-~]{0,12}[!-+\\--<>-~]",
        1 => "[ -+\\--<>-~]{100,200}[!-+\\--<>-~]",
    ];
    prop::collection::vec((key, value), 0..=32).prop_map(|members| {
        let mut keys = HashSet::new();
        let kept: Vec<String> = members
            .into_iter()
            .filter(|(k, _)| keys.insert(k.clone()))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        TraceState::parse(&kept.join(",")).unwrap()
    })
}

const TOKEN: &str = "[!#$%&'*+.^_`|~0-9A-Za-z-]";

fn regex(pattern: &str) -> impl Strategy<Value = String> {
    proptest::string::string_regex(pattern).unwrap()
}

/// Percent-encodes every byte outside `baggage-octet`, and `%`.
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            0x21 | 0x23..=0x24 | 0x26..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Members with token keys (`env_safe`: lowercase letters, digits and `-`, which
/// environment variable names keep), values of any Unicode, optional properties.
fn baggage(env_safe: bool) -> impl Strategy<Value = Baggage> {
    let key = if env_safe {
        regex("[a-z0-9-]{1,10}")
    } else {
        regex(&format!("{TOKEN}{{1,10}}"))
    };
    let value = prop::collection::vec(any::<char>(), 0..16).prop_map(String::from_iter);
    let property = (
        regex(&format!("{TOKEN}{{1,6}}")),
        proptest::option::of("[!#-+\\--:<-\\[\\]-~]{0,8}"),
    );
    let member = (key, value, prop::collection::vec(property, 0..3));
    prop::collection::vec(member, 0..8).prop_map(|members| {
        let header: Vec<String> = members
            .iter()
            .map(|(key, value, properties)| {
                let mut member = format!("{key}={}", percent_encode(value));
                for (name, value) in properties {
                    member.push(';');
                    member.push_str(name);
                    if let Some(value) = value {
                        member.push('=');
                        member.push_str(value);
                    }
                }
                member
            })
            .collect();
        let baggage = Baggage::parse(&header.join(","));
        assert_eq!(baggage.len(), members.len());
        baggage
    })
}

/// Printable ASCII without `,` (and without `;` for X-Ray), not starting or
/// ending with a space: what the formats' fields hold after extraction.
fn field_text(semicolon: bool) -> BoxedStrategy<String> {
    if semicolon {
        "[!-+\\--~]([ -+\\--~]{0,10}[!-+\\--~])?".boxed()
    } else {
        "[!-+\\--:<-~]([ -+\\--:<-~]{0,10}[!-+\\--:<-~])?".boxed()
    }
}

/// Datadog propagated tags other than `_dd.p.tid`, distinct keys.
fn datadog_tags() -> impl Strategy<Value = Option<String>> {
    prop::collection::vec(("[a-z0-9_.]{1,8}", field_text(true)), 0..3).prop_map(|tags| {
        let mut keys = HashSet::new();
        let kept: Vec<String> = tags
            .into_iter()
            .filter(|(k, _)| k != "tid" && keys.insert(k.clone()))
            .map(|(k, v)| format!("_dd.p.{k}={v}"))
            .collect();
        (!kept.is_empty()).then(|| kept.join(","))
    })
}

/// X-Ray fields other than `Root`, `Parent` and `Sampled`.
fn xray_fields() -> impl Strategy<Value = Option<String>> {
    let name = "[A-Z][a-z]{0,6}".prop_filter("a field of its own", |name| {
        !matches!(name.as_str(), "Root" | "Parent" | "Sampled")
    });
    let field = (name, proptest::option::of(field_text(false)));
    prop::collection::vec(field, 0..3).prop_map(|fields| {
        let fields: Vec<String> = fields
            .into_iter()
            .map(|(name, value)| match value {
                Some(value) => format!("{name}={value}"),
                None => name,
            })
            .collect();
        (!fields.is_empty()).then(|| fields.join(";"))
    })
}

fn spec_with(env_safe: bool) -> impl Strategy<Value = Spec> {
    let ids = (
        trace_id(),
        span_id(),
        proptest::option::of(span_id()),
        any::<u8>(),
    );
    let lists = (tracestate(), baggage(env_safe));
    let state = (
        any::<bool>(),
        any::<bool>(),
        proptest::option::of(field_text(true)),
        proptest::option::of(any::<i32>()),
        datadog_tags(),
        xray_fields(),
    );
    (ids, lists, state).prop_map(
        |(
            (trace, span, parent, flags),
            (tracestate, baggage),
            (debug, deferred, origin, priority, tags, xray),
        )| Spec {
            trace,
            span,
            parent,
            flags,
            tracestate,
            baggage,
            debug,
            deferred,
            origin,
            priority,
            tags,
            xray,
        },
    )
}

fn spec() -> impl Strategy<Value = Spec> {
    spec_with(false)
}

// ---------------------------------------------------------------------------
// Propagators

fn single(format: Format) -> Propagator {
    Propagator::builder()
        .extract([format])
        .inject([format])
        .build()
}

/// Every format alone (`Some`), and all of them in `Format::ALL` order (`None`).
fn propagators() -> Vec<(Option<Format>, Propagator)> {
    let all = Propagator::builder()
        .extract(Format::ALL)
        .inject(Format::ALL)
        .build();
    Format::ALL
        .into_iter()
        .map(|format| (Some(format), single(format)))
        .chain([(None, all)])
        .collect()
}

/// All formats in reverse order: Datadog wins, W3C comes last.
fn reversed() -> Propagator {
    let mut formats = Format::ALL;
    formats.reverse();
    Propagator::builder()
        .extract(formats)
        .inject(formats)
        .build()
}

fn injected(propagator: &Propagator, context: &Context) -> Headers {
    let mut headers = Headers::new();
    propagator.inject(context, &mut headers);
    headers
}

fn record(context: Option<&Context>) -> Option<String> {
    context.map(host::record)
}

// ---------------------------------------------------------------------------
// Grammars, written from the specifications rather than from the parsers

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn is_id(s: &str, len: usize) -> bool {
    is_lower_hex(s, len) && s.bytes().any(|b| b != b'0')
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn is_baggage_octets(s: &str) -> bool {
    s.bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e))
}

/// Percent escapes complete: a `%` is always followed by two hex digits.
fn is_percent_encoded(s: &str) -> bool {
    let bytes = s.as_bytes();
    (0..bytes.len()).all(|i| {
        bytes[i] != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|d| d.iter().all(u8::is_ascii_hexdigit))
    })
}

/// `00-{32 hex}-{16 hex}-{flags}`, ids not zero, only the defined flag bits.
fn is_traceparent(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    matches!(parts[..], ["00", trace, span, flags]
        if is_id(trace, 32) && is_id(span, 16) && matches!(flags, "00" | "01" | "02" | "03"))
}

/// Level-2 list: at most 32 `key=value` members, distinct keys, 512 characters,
/// no optional whitespace.
fn is_tracestate(s: &str) -> bool {
    let members: Vec<&str> = s.split(',').collect();
    let mut keys = HashSet::new();
    s.len() <= 512
        && members.len() <= 32
        && members.iter().all(|member| {
            let Some((key, value)) = member.split_once('=') else {
                return false;
            };
            let keychar =
                |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/@".contains(&b);
            let first = key.bytes().next();
            let key_ok = first.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && key.len() <= 256
                && key.bytes().all(keychar);
            let nblk = |b: u8| matches!(b, 0x21..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e);
            let value_ok = (1..=256).contains(&value.len())
                && value.bytes().all(|b| b == b' ' || nblk(b))
                && value.bytes().last().is_some_and(nblk);
            key_ok && value_ok && keys.insert(key)
        })
}

/// `key=value(;property)*` members without optional whitespace, within the limits.
fn is_baggage(s: &str) -> bool {
    let members: Vec<&str> = s.split(',').collect();
    s.len() <= 8192
        && members.len() <= 64
        && members.iter().all(|member| {
            let mut parts = member.split(';');
            let Some((key, value)) = parts.next().and_then(|pair| pair.split_once('=')) else {
                return false;
            };
            let property_ok = |p: &str| match p.split_once('=') {
                Some((name, value)) => is_token(name) && is_baggage_octets(value),
                None => is_token(p),
            };
            is_token(key)
                && is_baggage_octets(value)
                && is_percent_encoded(value)
                && parts.all(property_ok)
        })
}

fn is_decimal_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0')
        && s.parse::<u64>().is_ok()
}

fn is_xray(s: &str) -> bool {
    let mut fields = s.split(';');
    let root = fields.next().and_then(|f| f.strip_prefix("Root=1-"));
    let root_ok = root.is_some_and(|r| {
        r.len() == 33 && is_lower_hex(&r[..8], 8) && &r[8..9] == "-" && is_lower_hex(&r[9..], 24)
    });
    let parent = fields.next().and_then(|f| f.strip_prefix("Parent="));
    let sampled = fields.next();
    root_ok
        && parent.is_some_and(|p| is_id(p, 16))
        && matches!(sampled, Some("Sampled=1" | "Sampled=0" | "Sampled=?"))
        && fields.all(|f| {
            let name = f.split_once('=').map_or(f, |(name, _)| name);
            !f.is_empty() && !matches!(name, "Root" | "Parent" | "Sampled")
        })
}

fn is_datadog_tags(s: &str) -> bool {
    s.len() <= 512
        && s.split(',').all(|tag| {
            tag.split_once('=').is_some_and(|(key, value)| {
                key.starts_with("_dd.p.")
                    && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
                    && !value.is_empty()
                    && !value.starts_with(' ')
                    && !value.ends_with(' ')
            })
        })
}

/// Whether `value` follows the grammar of header `name`.
fn follows_grammar(name: &str, value: &str) -> bool {
    match name {
        "traceparent" => is_traceparent(value),
        "tracestate" => is_tracestate(value),
        "baggage" => is_baggage(value),
        "b3" => {
            let parts: Vec<&str> = value.split('-').collect();
            matches!(parts[..], [trace, span, ref state @ ..]
                if is_id(trace, 32) && is_id(span, 16)
                    && matches!(state, [] | ["1"] | ["0"] | ["d"]))
        }
        "x-b3-traceid" => is_id(value, 32),
        "x-b3-spanid" => is_id(value, 16),
        "x-b3-sampled" => matches!(value, "0" | "1"),
        "x-b3-flags" => value == "1",
        "uber-trace-id" => {
            let parts: Vec<&str> = value.split(':').collect();
            matches!(parts[..], [trace, span, "0", flags]
                if is_id(trace, 32) && is_id(span, 16)
                    && matches!(flags, "00" | "01" | "03"))
        }
        "x-amzn-trace-id" => is_xray(value),
        "x-datadog-trace-id" | "x-datadog-parent-id" => is_decimal_id(value),
        "x-datadog-sampling-priority" => value
            .strip_prefix('-')
            .unwrap_or(value)
            .parse::<u32>()
            .is_ok(),
        "x-datadog-origin" => !value.contains(','),
        "x-datadog-tags" => is_datadog_tags(value),
        _ => match name.strip_prefix("uberctx-") {
            Some(key) => is_token(key) && is_baggage_octets(value) && is_percent_encoded(value),
            None => false,
        },
    }
}

/// Property 3: lowercase token names among the propagator's fields, each once,
/// values printable ASCII without surrounding spaces, in their grammar.
fn check_injected(headers: &Headers, propagator: &Propagator) -> Result<(), TestCaseError> {
    let mut names = HashSet::new();
    for (name, value) in headers {
        prop_assert!(
            is_token(name) && !name.bytes().any(|b| b.is_ascii_uppercase()),
            "name {name:?}"
        );
        prop_assert!(names.insert(name), "{name} written twice");
        let known = propagator
            .fields()
            .any(|field| match field.strip_suffix('*') {
                Some(prefix) => name.len() > prefix.len() && name.starts_with(prefix),
                None => name == field,
            });
        prop_assert!(known, "{name} is no field of {propagator:?}");
        prop_assert!(
            !value.is_empty()
                && value.bytes().all(|b| (0x20..=0x7e).contains(&b))
                && !value.starts_with(' ')
                && !value.ends_with(' '),
            "{name}: {value:?}"
        );
        prop_assert!(follows_grammar(name, value), "{name}: {value:?}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Adversarial header lists

/// Header names the formats read, in odd spellings, and others.
fn header_name() -> impl Strategy<Value = String> {
    let fields = [
        "traceparent",
        "tracestate",
        "baggage",
        "b3",
        "x-b3-traceid",
        "x-b3-spanid",
        "x-b3-parentspanid",
        "x-b3-sampled",
        "x-b3-flags",
        "uber-trace-id",
        "x-amzn-trace-id",
        "x-datadog-trace-id",
        "x-datadog-parent-id",
        "x-datadog-sampling-priority",
        "x-datadog-origin",
        "x-datadog-tags",
    ];
    prop_oneof![
        4 => (prop::sample::select(fields.to_vec()), any::<u64>()).prop_map(|(name, case)| respell(name, case)),
        1 => (regex(&format!("{TOKEN}{{1,8}}")), any::<u64>()).prop_map(|(key, case)| respell(&format!("uberctx-{key}"), case)),
        1 => "[ -~]{0,12}",
        1 => any::<String>(),
    ]
}

/// `name` with the letters whose bit is set in `case` upper-cased (most often none).
fn respell(name: &str, case: u64) -> String {
    let case = if case % 4 == 0 { case } else { 0 };
    name.chars()
        .enumerate()
        .map(|(i, c)| {
            if case >> (i % 64) & 1 == 1 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// Values built from the characters the parsers split on, arbitrary bytes, text.
fn header_value() -> impl Strategy<Value = Bytes> {
    let structural = prop::collection::vec(
        prop::sample::select(&b"0123456789abcdefABCDEF-,;=:%. \t?dx"[..]),
        0..80,
    );
    prop_oneof![
        3 => structural,
        1 => prop::collection::vec(any::<u8>(), 0..40),
        1 => any::<String>().prop_map(String::into_bytes),
    ]
    .prop_map(Bytes)
}

/// How to damage a list of valid headers.
#[derive(Clone, Debug)]
enum Mutation {
    Drop(Index),
    Repeat(Index),
    /// Repeats the value in the same header, as HTTP stacks join repeats.
    Join(Index),
    Respell(Index, u64),
    Replace(Index, Bytes),
    Insert(Index, Index, Bytes),
    Truncate(Index, Index),
    Uppercase(Index),
    Swap(Index, Index),
    Add(String, Bytes),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = any::<Index>;
    prop_oneof![
        i().prop_map(Mutation::Drop),
        i().prop_map(Mutation::Repeat),
        i().prop_map(Mutation::Join),
        (i(), any::<u64>()).prop_map(|(h, case)| Mutation::Respell(h, case)),
        (i(), header_value()).prop_map(|(h, v)| Mutation::Replace(h, v)),
        (i(), i(), header_value()).prop_map(|(h, at, v)| Mutation::Insert(h, at, v)),
        (i(), i()).prop_map(|(h, at)| Mutation::Truncate(h, at)),
        i().prop_map(Mutation::Uppercase),
        (i(), i()).prop_map(|(a, b)| Mutation::Swap(a, b)),
        (header_name(), header_value()).prop_map(|(n, v)| Mutation::Add(n, v)),
    ]
}

fn mutate(headers: &mut Received, mutation: &Mutation) {
    if let Mutation::Add(name, value) = mutation {
        headers.push((name.clone(), value.clone()));
        return;
    }
    if headers.is_empty() {
        return;
    }
    let n = headers.len();
    match mutation {
        Mutation::Drop(h) => {
            headers.remove(h.index(n));
        }
        Mutation::Repeat(h) => {
            let header = headers[h.index(n)].clone();
            headers.push(header);
        }
        Mutation::Join(h) => {
            let value = &mut headers[h.index(n)].1 .0;
            let copy = value.clone();
            value.extend_from_slice(b", ");
            value.extend_from_slice(&copy);
        }
        Mutation::Respell(h, case) => {
            let name = &mut headers[h.index(n)].0;
            *name = respell(name, case | 1);
        }
        Mutation::Replace(h, value) => headers[h.index(n)].1.clone_from(value),
        Mutation::Insert(h, at, bytes) => {
            let value = &mut headers[h.index(n)].1 .0;
            let at = at.index(value.len() + 1);
            value.splice(at..at, bytes.0.iter().copied());
        }
        Mutation::Truncate(h, at) => {
            let value = &mut headers[h.index(n)].1 .0;
            let at = at.index(value.len() + 1);
            value.truncate(at);
        }
        Mutation::Uppercase(h) => headers[h.index(n)].1 .0.make_ascii_uppercase(),
        Mutation::Swap(a, b) => headers.swap(a.index(n), b.index(n)),
        Mutation::Add(..) => unreachable!(),
    }
}

/// Valid headers of a generated context in every format (so that extraction
/// often succeeds), damaged; or headers made up from scratch.
fn header_list() -> impl Strategy<Value = Received> {
    let all = Propagator::builder().inject(Format::ALL).build();
    let damaged =
        (spec(), prop::collection::vec(mutation(), 0..6)).prop_map(move |(spec, mutations)| {
            let mut headers: Received = injected(&all, &spec.context())
                .into_iter()
                .map(|(name, value)| (name, Bytes(value.into_bytes())))
                .collect();
            for mutation in &mutations {
                mutate(&mut headers, mutation);
            }
            headers
        });
    let made_up = prop::collection::vec((header_name(), header_value()), 0..12);
    prop_oneof![3 => damaged, 1 => made_up]
}

/// Property 2 for one propagator: what was extracted from `headers` survives
/// injection and extraction, and the headers written settle. `w3c_flags`: every
/// known flag is kept (one format, or W3C first), not only the sampled one.
/// Headers settle at once unless baggage keys differ only in case (Jaeger's copy
/// then adds a member), and always within three rounds.
fn check_fixed_point(
    propagator: &Propagator,
    headers: &[(String, Bytes)],
    w3c_flags: bool,
) -> Result<(), TestCaseError> {
    let Some(first) = propagator.extract(headers) else {
        // No context: what survives is the baggage of the new trace.
        let baggage = propagator.continue_trace(headers).baggage().clone();
        let out = injected(
            propagator,
            &Context::new_root().replace_baggage(baggage.clone()),
        );
        check_injected(&out, propagator)?;
        let again = propagator.continue_trace(&out);
        prop_assert_eq!(again.baggage(), &round_trip_baggage(propagator, &baggage));
        return Ok(());
    };
    let settles_at_once = round_trip_baggage(propagator, first.baggage()) == *first.baggage();
    let mut current = first.clone();
    let mut out = injected(propagator, &current);
    check_injected(&out, propagator)?;
    for round in 1..=3 {
        let next = propagator.extract(&out);
        prop_assert!(next.is_some(), "{:?} gave no context", out);
        let next = next.unwrap();
        prop_assert_eq!(next.trace_id(), first.trace_id());
        prop_assert_eq!(next.span_id(), first.span_id());
        prop_assert_eq!(next.parent_span_id(), None);
        prop_assert_eq!(next.sampled(), first.sampled());
        if w3c_flags {
            prop_assert_eq!(next.flags(), first.flags().known());
        }
        prop_assert!(next.links().is_empty());
        let cut = TraceState::parse(&first.trace_state().header()).unwrap();
        prop_assert_eq!(next.trace_state(), &cut);
        prop_assert_eq!(next.is_deferred(), first.is_deferred());
        prop_assert_eq!(next.is_debug(), first.is_debug());
        let baggage = round_trip_baggage(propagator, current.baggage());
        prop_assert_eq!(next.baggage(), &baggage);
        let again = injected(propagator, &next);
        check_injected(&again, propagator)?;
        if again == out {
            return Ok(());
        }
        prop_assert!(
            round > 1 || !settles_at_once,
            "{:?} injected {:?}, then {:?}",
            first,
            out,
            again
        );
        (current, out) = (next, again);
    }
    prop_assert!(false, "{:?} does not settle", out);
    Ok(())
}

// ---------------------------------------------------------------------------
// JSON bodies

/// A JSON value as text: scalars, strings with escapes, nested containers.
fn json_value() -> impl Strategy<Value = String> {
    let number = "-?(0|[1-9][0-9]{0,5})(\\.[0-9]{1,3})?([eE][+-]?[0-9]{1,2})?";
    let scalar = prop_oneof![
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("null".to_owned()),
        number.prop_map(String::from),
        json_string(),
    ];
    scalar.prop_recursive(4, 24, 4, |inner| {
        let ws = || "[ \t\r\n]{0,2}";
        prop_oneof![
            prop::collection::vec((ws(), inner.clone(), ws()), 0..4).prop_map(|items| {
                let items: Vec<String> = items.into_iter().map(|(a, v, b)| a + &v + &b).collect();
                format!("[{}]", items.join(","))
            }),
            prop::collection::vec((json_string(), ws(), inner), 0..4).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(k, ws, v)| format!("{k}{ws}:{v}"))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

/// A string literal of any text, escaped in one of the ways JSON allows.
fn json_string() -> impl Strategy<Value = String> {
    (any::<String>(), any::<u64>()).prop_map(|(text, style)| literal(&text, style))
}

/// `text` as a JSON string literal; `style` picks, per character, whether to
/// write it as a `\u` escape (always for control characters and quotes).
fn literal(text: &str, style: u64) -> String {
    let mut out = String::from('"');
    for (i, c) in text.chars().enumerate() {
        let escape = style >> (i % 64) & 1 == 1 && style % 3 == 0;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if escape => out.push_str("\\/"),
            c if (c as u32) < 0x20 || escape => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

const TRACE_MEMBERS: [&str; 4] = ["traceId", "spanId", "traceparent", "tracestate"];

/// One top-level member: its name literal, the text around the colon, its value.
#[derive(Clone, Debug)]
struct JsonMember {
    key: String,
    colon: String,
    value: String,
}

impl JsonMember {
    fn text(&self) -> String {
        format!("{}{}{}", self.key, self.colon, self.value)
    }

    fn is_trace_member(&self) -> bool {
        let name: String = serde_json::from_str(&self.key).unwrap();
        TRACE_MEMBERS.contains(&name.as_str())
    }
}

fn json_member() -> impl Strategy<Value = JsonMember> {
    let trace_key = (prop::sample::select(TRACE_MEMBERS.to_vec()), any::<u64>())
        .prop_map(|(name, style)| literal(name, style));
    let key = prop_oneof![1 => trace_key, 2 => json_string()];
    let id_value = prop_oneof![
        Just("\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"".to_owned()),
        Just("\"4bf92f3577b34da6a3ce929d0e0e4736\"".to_owned()),
        Just("\"00f067aa0ba902b7\"".to_owned()),
        Just("\"a=1,b=2\"".to_owned()),
    ];
    let value = prop_oneof![3 => json_value(), 1 => id_value];
    (key, "[ \t\r\n]{0,2}:[ \t\r\n]{0,2}", value).prop_map(|(key, colon, value)| JsonMember {
        key,
        colon,
        value,
    })
}

/// An object as text, and its members.
fn json_object() -> impl Strategy<Value = (String, Vec<JsonMember>)> {
    let ws = || "[ \t\r\n]{0,2}";
    (
        ws(),
        prop::collection::vec((json_member(), ws(), ws()), 0..8),
        ws(),
        ws(),
    )
        .prop_map(|(open, members, inner, close)| {
            let texts: Vec<String> = members
                .iter()
                .map(|(m, a, b)| format!("{a}{}{b}", m.text()))
                .collect();
            let body = format!("{open}{{{inner}{}}}{close}", texts.join(","));
            (body, members.into_iter().map(|(m, _, _)| m).collect())
        })
}

// ---------------------------------------------------------------------------
// The properties

proptest! {
    #![proptest_config(config())]

    /// 1 and 3: any context, in every format and all together, is injected in
    /// grammar and extracted back as the format carries it; injecting what was
    /// extracted writes the same headers.
    #[test]
    fn contexts_survive_a_round_trip(spec in spec()) {
        let context = spec.context();
        for (format, propagator) in propagators() {
            let out = injected(&propagator, &context);
            check_injected(&out, &propagator)?;
            if format == Some(Format::Baggage) {
                prop_assert!(propagator.extract(&out).is_none());
                let root = propagator.continue_trace(&out);
                prop_assert_eq!(root.baggage(), context.baggage());
                continue;
            }
            let extracted = propagator.extract(&out);
            let expected = spec.carried(format).map(|s| s.context());
            prop_assert_eq!(
                record(extracted.as_ref()),
                record(expected.as_ref()),
                "{:?} from {:?}", format, out
            );
            if let Some(extracted) = extracted {
                prop_assert_eq!(injected(&propagator, &extracted), out);
            }
        }
    }

    /// 2 and 3: whatever arrives, what is extracted survives a round trip and
    /// the next round changes nothing; nothing injected is out of grammar.
    #[test]
    fn extraction_is_a_fixed_point(headers in header_list()) {
        for (_, propagator) in propagators() {
            check_fixed_point(&propagator, &headers, true)?;
        }
        // Datadog first: only the sampled flag is carried.
        check_fixed_point(&reversed(), &headers, false)?;
        // Every policy for repeats reads a value the same way.
        for policy in tracewire::Repeated::ALL {
            let propagator = Propagator::builder()
                .extract(Format::ALL)
                .inject(Format::ALL)
                .repeated(policy)
                .build();
            check_fixed_point(&propagator, &headers, true)?;
        }
    }

    /// 4: injection into any object keeps every other member byte for byte, and
    /// the body gives the context back (twice the same).
    #[test]
    fn json_bodies_keep_every_other_member(spec in spec(), (body, members) in json_object()) {
        let context = spec.context();
        let fields = JsonFields::default();
        let out = json::inject(&context, body.as_bytes(), fields).unwrap();
        let text = std::str::from_utf8(&out).unwrap();
        prop_assert!(serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).is_ok(), "{}", text);
        let mut at = 0;
        for member in members.iter().filter(|m| !m.is_trace_member()) {
            let found = text[at..].find(&member.text());
            prop_assert!(found.is_some(), "{:?} lost from {}", member.text(), text);
            at += found.unwrap() + member.text().len();
        }
        let extracted = json::extract(&out, fields).unwrap().unwrap();
        prop_assert_eq!(extracted.trace_id(), context.trace_id());
        prop_assert_eq!(extracted.span_id(), context.span_id());
        prop_assert!(extracted.links().is_empty());
        let cloud_event = members.iter().any(|m| {
            serde_json::from_str::<String>(&m.key).unwrap() == "traceparent"
        });
        if cloud_event {
            prop_assert_eq!(extracted.flags(), context.flags().known());
            let cut = TraceState::parse(&context.trace_state().header()).unwrap();
            prop_assert_eq!(extracted.trace_state(), &cut);
        } else {
            prop_assert_eq!(extracted.flags(), TraceFlags::SAMPLED);
            prop_assert!(extracted.trace_state().is_empty());
        }
        prop_assert_eq!(json::inject(&context, &out, fields).unwrap(), out);
    }

    /// 2 for JSON: any bytes are either refused whole or give a context that an
    /// injection into the same body gives back.
    #[test]
    fn json_extraction_is_a_fixed_point(body in prop_oneof![
        json_object().prop_map(|(body, _)| body.into_bytes()),
        prop::collection::vec(any::<u8>(), 0..64),
    ].prop_map(Bytes)) {
        let fields = JsonFields::default();
        let Ok(found) = json::extract(&body.0, fields) else {
            prop_assert!(json::inject(&Context::new_root(), &body.0, fields).is_err());
            return Ok(());
        };
        let context = found.unwrap_or_else(Context::new_root);
        let out = json::inject(&context, &body.0, fields).unwrap();
        let again = json::extract(&out, fields).unwrap().unwrap();
        prop_assert_eq!(again.trace_id(), context.trace_id());
        prop_assert_eq!(again.span_id(), context.span_id());
        prop_assert_eq!(json::inject(&again, &out, fields).unwrap(), out);
    }

    /// 5: the environment carries what headers carry, under variable names,
    /// among unrelated variables.
    #[test]
    fn environment_round_trips(
        spec in spec_with(true),
        noise in prop::collection::vec(("[A-Za-z_][A-Za-z0-9_.]{0,12}", "[ -~]{0,16}"), 0..4),
    ) {
        let context = spec.context();
        // Variables no format reads, in any spelling.
        let unrelated: Vec<(String, String)> = noise
            .into_iter()
            .filter(|(name, _)| {
                let upper = name.to_ascii_uppercase();
                !upper.starts_with("UBERCTX_")
                    && Format::ALL
                        .iter()
                        .flat_map(|format| format.fields())
                        .all(|field| env::variable_name(field) != upper)
            })
            .collect();
        for (_, propagator) in propagators() {
            let mut vars = unrelated.clone();
            env::inject(&propagator, &context, &mut vars);
            let headers = injected(&propagator, &context);
            prop_assert_eq!(&vars[..unrelated.len()], &unrelated[..]);
            let written = &vars[unrelated.len()..];
            prop_assert_eq!(written.len(), headers.len());
            for ((variable, value), (name, header_value)) in written.iter().zip(&headers) {
                prop_assert!(
                    variable.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                    "{}", variable
                );
                prop_assert_eq!(env::header_name(variable), Some(name.clone()));
                prop_assert_eq!(value, header_value);
            }
            prop_assert_eq!(
                record(env::extract(&propagator, &vars).as_ref()),
                record(propagator.extract(&headers).as_ref())
            );
            let (from_vars, from_headers) = (
                env::continue_trace(&propagator, &vars),
                propagator.continue_trace(&headers),
            );
            prop_assert_eq!(from_vars.baggage(), from_headers.baggage());
        }
    }

    /// 5: Jaeger baggage keys are variable names on the way: a key a variable
    /// name spells back (letters, digits, `-`) comes back in lower case; no
    /// other is written, since it would come back as another key.
    #[test]
    fn environment_maps_jaeger_baggage_keys(spec in spec()) {
        let propagator = single(Format::Jaeger);
        let context = spec.context();
        let mut vars: Vec<(String, String)> = Vec::new();
        env::inject(&propagator, &context, &mut vars);
        let expected = jaeger_baggage(context.baggage(), |key| {
            key.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                .then(|| key.to_ascii_lowercase())
        });
        let extracted = env::extract(&propagator, &vars).unwrap();
        prop_assert_eq!(extracted.baggage(), &expected);
    }
}
