//! The environment carrier: the input's pieces are `NAME:value` variables.
//! Lower-case control bytes use W3C Trace Context and Baggage, upper-case ones
//! every format. Invariants as for headers: `extract` and `diagnose` agree and
//! explain every format, what is written is a canonical variable name of a
//! header the propagator writes holding a value of that header's grammar
//! (and what the bindings' env lines say), and the fixed point holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tracewire::{env, Format, Propagator};
use tracewire_fuzz::input::Input;
use tracewire_fuzz::{grammar, invariants, track};

/// Variables as `NAME: "value"` lines, for failure messages.
fn show(vars: &[(String, String)]) -> String {
    vars.iter()
        .map(|(name, value)| format!("\n  {name}: {value:?}"))
        .collect()
}

fuzz_target!(|data: &[u8]| {
    track(data.len());
    let input = Input::parse(data);
    let formats: &[Format] = if input.variant {
        &Format::ALL
    } else {
        &[Format::TraceContext, Format::Baggage]
    };
    let propagator = Propagator::builder()
        .extract(formats.iter().copied())
        .inject(formats.iter().copied())
        .repeated(input.repeated)
        .build();
    let vars = input.headers();
    let context = env::extract(&propagator, &vars);
    let diagnostics = env::diagnose(&propagator, &vars);
    let present = vars
        .iter()
        .any(|(name, _)| env::header_name(name).is_some_and(|header| propagator.reads(&header)));
    invariants::explained(&propagator, context.as_ref(), &diagnostics, present);
    invariants::continued(&env::continue_trace(&propagator, &vars), context.as_ref());
    let Some(first) = context else { return };
    let written = injected(&propagator, &first);
    let second = env::extract(&propagator, &written).expect("written variables re-extract");
    invariants::same_span("re-extracted", &first, &second);
    assert_eq!(
        second.trace_state().as_str(),
        first.trace_state().header(),
        "{}",
        show(&written)
    );
    assert_eq!(second.baggage(), first.baggage(), "{}", show(&written));
    let again = injected(&propagator, &second);
    let third = env::extract(&propagator, &again).expect("written variables re-extract");
    invariants::same_context("second round", &second, &third);
    assert_eq!(
        injected(&propagator, &third),
        again,
        "a second round changed the variables"
    );

    let mut updated = vars.clone();
    env::inject(&propagator, &first, &mut updated);
    let back = env::extract(&propagator, &updated).expect("updated variables re-extract");
    invariants::same_span("injected over the incoming variables", &first, &back);
});

/// `context` written into empty variables: canonical names of headers the
/// propagator writes, each once, values in the header's grammar, as the env
/// lines for bindings say.
fn injected(propagator: &Propagator, context: &tracewire::Context) -> Vec<(String, String)> {
    let mut vars: Vec<(String, String)> = Vec::new();
    env::inject(propagator, context, &mut vars);
    let as_headers: Vec<(String, Vec<u8>)> = vars
        .iter()
        .map(|(name, value)| {
            let header = env::header_name(name)
                .unwrap_or_else(|| panic!("{name} is not a canonical variable"));
            assert_eq!(env::variable_name(&header), *name);
            (header, value.as_bytes().to_vec())
        })
        .collect();
    grammar::check_headers(propagator, &as_headers);
    let lines = tracewire::host::env_lines(propagator, context);
    assert_eq!(invariants::replay(&lines), vars, "env lines differ");
    vars
}
