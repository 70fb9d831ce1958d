//! The environment carrier: trace context in environment variables, for batch
//! jobs and subprocesses (OpenTelemetry's `context/env-carriers.md`: `TRACEPARENT`,
//! `TRACESTATE`, `BAGGAGE`), plus the `_X_AMZN_TRACE_ID` variable AWS Lambda sets.
//!
//! A header's variable is its name upper-cased with every other character as `_`
//! (`x-b3-traceid` → `X_B3_TRACEID`, `uberctx-user` → `UBERCTX_USER`), except
//! `x-amzn-trace-id` → `_X_AMZN_TRACE_ID`. Variable names are case-sensitive (as on
//! Unix), so only that canonical spelling is read: `traceparent` or `TraceParent`
//! is another variable and is ignored, as OpenTelemetry's carriers do. Values are
//! read by the propagator's formats exactly as header values. A Jaeger baggage
//! key with characters other than letters, digits and `-` is not written: its
//! variable would read back as another key.
//!
//! # Examples
//! ```
//! use std::collections::HashMap;
//! use tracewire::{env, Propagator};
//!
//! let mut vars: HashMap<String, String> = HashMap::new();
//! let ctx = tracewire::Context::new_root();
//! env::inject(&Propagator::DEFAULT, &ctx, &mut vars);
//! assert_eq!(vars["TRACEPARENT"], ctx.traceparent().as_str());
//! let child = env::continue_trace(&Propagator::DEFAULT, &vars);
//! assert_eq!(child.parent_span_id(), Some(ctx.span_id()));
//! ```

use crate::{Context, Diagnostic, Extractor, Injector, Propagator};

/// The Lambda variable holding the X-Ray header.
const LAMBDA_XRAY: &str = "_X_AMZN_TRACE_ID";
const XRAY_HEADER: &str = "x-amzn-trace-id";

/// The header name a variable stands for: `TRACEPARENT` → `traceparent`,
/// `X_B3_TRACEID` → `x-b3-traceid`, `_X_AMZN_TRACE_ID` → `x-amzn-trace-id`.
/// `None` for a name that is not the canonical spelling of a header's variable
/// (`traceparent`, `TraceParent`, `X_AMZN_TRACE_ID`, `PATH.x`).
pub fn header_name(variable: &str) -> Option<String> {
    if variable == LAMBDA_XRAY {
        return Some(XRAY_HEADER.to_owned());
    }
    let mut header = String::with_capacity(variable.len());
    for b in variable.bytes() {
        header.push(match b {
            b'A'..=b'Z' | b'0'..=b'9' => char::from(b.to_ascii_lowercase()),
            b'_' => '-',
            _ => return None,
        });
    }
    (!header.is_empty() && header != XRAY_HEADER).then_some(header)
}

/// The variable a header is written to: `traceparent` → `TRACEPARENT`,
/// `x-amzn-trace-id` → `_X_AMZN_TRACE_ID`.
pub fn variable_name(header: &str) -> String {
    if header.eq_ignore_ascii_case(XRAY_HEADER) {
        return LAMBDA_XRAY.to_owned();
    }
    header.bytes().map(variable_char).collect()
}

/// Whether the variable of `header` reads back as `header`. A Jaeger baggage
/// key a variable name cannot spell (`uberctx-user.id` → `UBERCTX_USER_ID`)
/// would read back as another key (`user-id`): it is not written, and left to
/// `BAGGAGE`, which carries any key.
pub(crate) fn spells_back(header: &str) -> bool {
    header == XRAY_HEADER
        || header
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn variable_char(b: u8) -> char {
    if b.is_ascii_alphanumeric() {
        char::from(b.to_ascii_uppercase())
    } else {
        '_'
    }
}

/// Whether `variable` is the variable of `field` (a header name, or a prefix
/// ending in `*` followed by a canonical rest), without allocating.
fn stands_for(variable: &str, field: &str) -> bool {
    let is = |variable: &[u8], header: &str| {
        variable.len() == header.len()
            && variable
                .iter()
                .zip(header.bytes())
                .all(|(&v, h)| char::from(v) == variable_char(h))
    };
    if field == XRAY_HEADER {
        return variable == LAMBDA_XRAY;
    }
    match field.strip_suffix('*') {
        Some(prefix) => {
            let (head, rest) = variable
                .as_bytes()
                .split_at(prefix.len().min(variable.len()));
            is(head, prefix)
                && !rest.is_empty()
                && rest
                    .iter()
                    .all(|b| matches!(b, b'A'..=b'Z' | b'0'..=b'9' | b'_'))
        }
        None => is(variable.as_bytes(), field),
    }
}

/// Variables read as headers: each variable that stands for a header of the
/// propagator's formats is visited under that header's name. The names are the
/// formats' own, except under Jaeger's `uberctx-` prefix: those are made up (and
/// allocated) in a first pass, for the variables that need them only.
struct Variables<'c, E: ?Sized> {
    propagator: &'c Propagator,
    vars: &'c E,
    /// The made-up names, one after the other.
    names: String,
    /// Where each made-up name ends in `names`, and the index of its variable.
    prefixed: Vec<(usize, usize)>,
}

/// The propagator's fields that are prefixes (`true`) or whole names (`false`).
fn fields(
    propagator: &Propagator,
    prefix: bool,
) -> impl Iterator<Item = &'static str> + Clone + '_ {
    let fields = propagator.extract_formats().iter().flat_map(|f| f.fields());
    fields.filter(move |field| field.ends_with('*') == prefix)
}

/// `vars` as the propagator reads them.
fn relevant<'c, E: Extractor + ?Sized>(
    propagator: &'c Propagator,
    vars: &'c E,
) -> Variables<'c, E> {
    let (mut names, mut prefixed) = (String::new(), Vec::new());
    if fields(propagator, true).next().is_some() {
        let mut index = 0;
        vars.for_each_header(&mut |variable, _| {
            if fields(propagator, true).any(|field| stands_for(variable, field)) {
                // Checked by `stands_for`: upper-case letters, digits and `_`.
                let header = variable.bytes().map(|b| match b {
                    b'_' => '-',
                    b => char::from(b.to_ascii_lowercase()),
                });
                names.extend(header);
                prefixed.push((names.len(), index));
            }
            index += 1;
        });
    }
    Variables {
        propagator,
        vars,
        names,
        prefixed,
    }
}

impl<E: Extractor + ?Sized> Extractor for Variables<'_, E> {
    fn for_each_header<'a>(&'a self, visit: &mut dyn FnMut(&'a str, &'a [u8])) {
        let fixed = fields(self.propagator, false);
        let mut prefixed = self.prefixed.iter().peekable();
        let (mut start, mut index) = (0, 0);
        self.vars.for_each_header(&mut |variable, value| {
            if let Some(&(end, _)) = prefixed.next_if(|(_, at)| *at == index) {
                visit(&self.names[start..end], value);
                start = end;
            } else if let Some(name) = fixed.clone().find(|name| stands_for(variable, name)) {
                visit(name, value);
            }
            index += 1;
        });
    }
}

/// The context in `vars`, if any.
pub fn extract<E: Extractor + ?Sized>(propagator: &Propagator, vars: &E) -> Option<Context> {
    propagator.extract(&relevant(propagator, vars))
}

/// A child of the context in `vars`, or a new root.
pub fn continue_trace<E: Extractor + ?Sized>(propagator: &Propagator, vars: &E) -> Context {
    propagator.continue_trace(&relevant(propagator, vars))
}

/// Why nothing (or only part) was extracted from `vars`.
pub fn diagnose<E: Extractor + ?Sized>(propagator: &Propagator, vars: &E) -> Vec<Diagnostic> {
    propagator.diagnose(&relevant(propagator, vars))
}

/// Writes `context` into `vars` under variable names.
pub fn inject<I: Injector + ?Sized>(propagator: &Propagator, context: &Context, vars: &mut I) {
    propagator.inject(context, &mut Renamed(vars));
}

struct Renamed<'v, I: ?Sized>(&'v mut I);

impl<I: Injector + ?Sized> Injector for Renamed<'_, I> {
    fn set_header(&mut self, name: &str, value: &str) {
        if spells_back(name) {
            self.0.set_header(&variable_name(name), value);
        }
    }

    fn remove_header(&mut self, name: &str) {
        self.0.remove_header(&variable_name(name));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_both_ways() {
        assert_eq!(header_name("TRACEPARENT").as_deref(), Some("traceparent"));
        assert_eq!(
            header_name("_X_AMZN_TRACE_ID").as_deref(),
            Some("x-amzn-trace-id")
        );
        assert_eq!(header_name("UBERCTX_USER").as_deref(), Some("uberctx-user"));
        assert_eq!(variable_name("x-amzn-trace-id"), "_X_AMZN_TRACE_ID");
        assert_eq!(variable_name("x-b3-traceid"), "X_B3_TRACEID");
        assert_eq!(variable_name("uberctx-user.id"), "UBERCTX_USER_ID");
        for other in [
            "traceparent",
            "TraceParent",
            "X_AMZN_TRACE_ID",
            "PATH.x",
            "",
            "TRACEPARENTé",
        ] {
            assert_eq!(header_name(other), None, "{other}");
        }
    }

    #[test]
    fn only_canonical_names_are_read() {
        let propagator = Propagator::builder()
            .extract([crate::Format::TraceContext, crate::Format::Jaeger])
            .build();
        for (variable, read) in [
            ("TRACEPARENT", true),
            ("traceparent", false),
            ("_TRACEPARENT", false),
            ("UBER_TRACE_ID", true),
            ("UBERCTX_USER", true),
            ("UBERCTX_", false),
            ("UBERCTX_user", false),
            ("uberctx_USER", false),
            ("BAGGAGE", false),
            ("UB", false),
        ] {
            assert_eq!(!names(&propagator, variable).is_empty(), read, "{variable}");
        }
        let xray = Propagator::builder().extract([crate::Format::Xray]).build();
        assert_eq!(names(&xray, "_X_AMZN_TRACE_ID"), ["x-amzn-trace-id"]);
        assert!(names(&xray, "X_AMZN_TRACE_ID").is_empty());
        assert_eq!(names(&propagator, "UBERCTX_USER_ID"), ["uberctx-user-id"]);
    }

    /// The header names under which `propagator` reads `variable`.
    fn names(propagator: &Propagator, variable: &str) -> Vec<String> {
        let vars = [(variable, "x")];
        let mut names = Vec::new();
        relevant(propagator, &vars).for_each_header(&mut |name, _| names.push(name.to_owned()));
        names
    }

    #[test]
    fn reads_only_the_propagators_variables() {
        let vars = [
            ("PATH", "/usr/bin"),
            (
                "TRACEPARENT",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
            ("BAGGAGE", "user=alice"),
        ];
        let ctx = extract(&Propagator::DEFAULT, &vars).unwrap();
        assert_eq!(ctx.span_id().to_string(), "00f067aa0ba902b7");
        assert_eq!(ctx.baggage().get("user"), Some("alice"));
    }
}
