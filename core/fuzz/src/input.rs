//! Raw fuzz inputs as header lists.
//!
//! Layout: `[control][separator]piece[separator]piece...`. The control byte picks
//! the repeated-header policy (`r`, `f`, `l`: restart, first, last) and, in upper
//! case, the target's alternative propagator; any other byte picks both from its
//! value. The separator is whatever byte follows, so pieces can hold any other
//! byte (CR, LF, NUL, invalid UTF-8). Seeds read naturally: `r\nb3:...\n...`.

use tracewire::Repeated;

/// A decoded input.
pub struct Input<'a> {
    pub repeated: Repeated,
    pub variant: bool,
    pub pieces: Vec<&'a [u8]>,
}

impl<'a> Input<'a> {
    pub fn parse(data: &'a [u8]) -> Self {
        let (control, rest) = match data.split_first() {
            Some((&control, rest)) => (control, rest),
            None => (b'r', &[][..]),
        };
        let (repeated, variant) = match control.to_ascii_lowercase() {
            b'r' => (Repeated::Restart, control.is_ascii_uppercase()),
            b'f' => (Repeated::First, control.is_ascii_uppercase()),
            b'l' => (Repeated::Last, control.is_ascii_uppercase()),
            _ => (
                Repeated::ALL[usize::from(control % 3)],
                (control / 3) % 2 == 1,
            ),
        };
        let pieces = match rest.split_first() {
            Some((&separator, body)) => body.split(|&b| b == separator).collect(),
            None => Vec::new(),
        };
        Self {
            repeated,
            variant,
            pieces,
        }
    }

    /// Every piece as `name:value` (split at the first `:`; a piece without one is
    /// a name with an empty value). Names are text in every carrier: bytes that
    /// are not UTF-8 become U+FFFD.
    pub fn headers(&self) -> Vec<(String, Vec<u8>)> {
        self.pieces
            .iter()
            .map(|piece| match piece.iter().position(|&b| b == b':') {
                Some(at) => (lossy(&piece[..at]), piece[at + 1..].to_vec()),
                None => (lossy(piece), Vec::new()),
            })
            .collect()
    }

    /// Every piece as a value of the header `name`.
    pub fn values_of(&self, name: &str) -> Vec<(String, Vec<u8>)> {
        self.pieces
            .iter()
            .map(|piece| (name.to_owned(), piece.to_vec()))
            .collect()
    }

    /// The pieces that are UTF-8.
    pub fn texts(&self) -> Vec<&'a str> {
        self.pieces
            .iter()
            .filter_map(|piece| std::str::from_utf8(piece).ok())
            .collect()
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The members of comma-separated header values, trimmed of optional whitespace,
/// empty ones skipped: how `tracestate` and `baggage` lists are read.
pub fn list_members<'a>(texts: &[&'a str]) -> Vec<&'a str> {
    texts
        .iter()
        .flat_map(|text| text.split(','))
        .map(|member| member.trim_matches([' ', '\t']))
        .filter(|member| !member.is_empty())
        .collect()
}
