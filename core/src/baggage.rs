//! W3C Baggage (<https://www.w3.org/TR/baggage/>, §3 "The baggage HTTP Header
//! Format"): application key-value pairs that travel with a trace.

use std::fmt;

use crate::carrier::Injector;
use crate::diagnostic::Sink;
use crate::headers::{Field, Seen};
use crate::traceparent::trim_ows;
use crate::{Code, Error, Format};

/// Members propagated at least (§3.3.2 "Limits").
pub const MAX_MEMBERS: usize = 64;
/// Bytes of the whole header propagated at least (§3.3.2 "Limits").
pub const MAX_BYTES: usize = 8192;

const HEADER: &str = "baggage";

/// Ordered `key=value` members with optional properties. Values are held
/// percent-decoded (RFC 3986: `+` is a plus, never a space; invalid UTF-8 becomes
/// U+FFFD); properties are kept as received, without optional whitespace. A
/// baggage never holds more than 64 members or 8192 bytes once encoded, so it is
/// always propagated whole.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Baggage {
    members: Vec<Member>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Member {
    key: String,
    value: String,
    /// `;`-joined properties (`p1;p2=v`), still percent-encoded; empty when none.
    properties: String,
    /// The length of [`Member::encode_into`]'s output, computed once: the limits
    /// are checked whenever a member is added.
    len: usize,
}

impl Baggage {
    /// No members.
    pub const fn new() -> Self {
        Self {
            members: Vec::new(),
        }
    }

    /// Reads one header value; invalid members are skipped, and members past the
    /// limits are dropped whole.
    pub fn parse(value: &str) -> Self {
        Self::from_fields([value], &mut Sink(None))
    }

    /// Combines repeated fields in order; reports what was dropped (the first 64
    /// invalid members: enough to say why, however many arrive). The limits count
    /// the members as they will be injected (encoded, without optional
    /// whitespace), so everything extracted is propagated whole.
    pub(crate) fn from_fields<'a>(
        fields: impl IntoIterator<Item = &'a str>,
        sink: &mut Sink<'_>,
    ) -> Self {
        let mut baggage = Self::new();
        let mut bytes = 0;
        let mut rejected = 0;
        for field in fields {
            for raw in field.split(',').map(trim_ows).filter(|m| !m.is_empty()) {
                match parse_member(raw) {
                    Ok(member) => {
                        if !baggage.fits(&mut bytes, &member) {
                            // Later members are dropped too: never a partial list
                            // that depends on which members happen to be small.
                            sink.report(Format::Baggage, HEADER, Code::BaggageTooLarge);
                            return baggage;
                        }
                        baggage.members.push(member);
                    }
                    Err(code) => {
                        if rejected < MAX_MEMBERS {
                            sink.report(Format::Baggage, HEADER, code);
                        }
                        rejected += 1;
                    }
                }
            }
        }
        baggage
    }

    /// Whether `member` can follow the current members within the limits; adds its
    /// size (and a comma) to `bytes` when it can.
    fn fits(&self, bytes: &mut usize, member: &Member) -> bool {
        let size = member.encoded_len() + usize::from(!self.members.is_empty());
        let fits = self.members.len() < MAX_MEMBERS && *bytes + size <= MAX_BYTES;
        if fits {
            *bytes += size;
        }
        fits
    }

    /// The length of [`Baggage::header`].
    fn encoded_len(&self) -> usize {
        let commas = self.members.len().saturating_sub(1);
        self.members.iter().map(Member::encoded_len).sum::<usize>() + commas
    }

    /// Appends the members of `other` (Jaeger's `uberctx-*` after `baggage`), as
    /// far as the limits allow; the first member past them and all after it are dropped.
    ///
    /// Into a baggage that has members, a member without properties is skipped
    /// when the last member of its key has its value already: a service that
    /// injects both formats sends every member twice, and the next one would
    /// otherwise double the baggage at every hop. Jaeger lower-cases keys, so a
    /// lowercase key is matched ASCII-case-insensitively (`uberctx-user: x`
    /// repeats `User=x`).
    pub(crate) fn extend(&mut self, other: Baggage) {
        let mut bytes = self.encoded_len();
        let merging = !self.members.is_empty();
        for member in other.members {
            if merging && member.properties.is_empty() && self.says(&member) {
                continue;
            }
            if !self.fits(&mut bytes, &member) {
                return;
            }
            self.members.push(member);
        }
    }

    /// Takes the members of `later` (`baggage` after Jaeger's `uberctx-*`) in
    /// place of this baggage's members of the same keys, appending them as far
    /// as the limits allow.
    ///
    /// W3C baggage says more than Jaeger's copy of it (repeated keys, letter
    /// case, properties), so for a key it has, its members are the whole answer:
    /// what a service injecting both formats sends then extracts as exactly the
    /// baggage it injected.
    pub(crate) fn supersede(&mut self, later: Baggage) {
        if later.members.is_empty() {
            return;
        }
        self.members
            .retain(|mine| !later.members.iter().any(|theirs| same_key(mine, theirs)));
        let mut bytes = self.encoded_len();
        for member in later.members {
            if !self.fits(&mut bytes, &member) {
                return;
            }
            self.members.push(member);
        }
    }

    /// Whether the last member of `member`'s key (in any case for a lowercase
    /// key) has `member`'s value.
    fn says(&self, member: &Member) -> bool {
        self.members
            .iter()
            .rev()
            .find(|m| same_key(member, m))
            .is_some_and(|m| m.value == member.value)
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The number of members (a key may repeat).
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// The value of `key`; the last one when it repeats.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.members
            .iter()
            .rev()
            .find(|m| m.key == key)
            .map(|m| m.value.as_str())
    }

    /// `(key, value, properties)` of every member, in order; `properties` is the
    /// `;`-joined, still-encoded property list (empty when none).
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, &str)> + '_ {
        self.members
            .iter()
            .map(|m| (m.key.as_str(), m.value.as_str(), m.properties.as_str()))
    }

    /// A copy with `key` set to `value` (every earlier member of that key removed,
    /// the new one last). The key must be an HTTP token (`invalid_baggage_key`),
    /// and the result must stay within 64 members and 8192 encoded bytes
    /// (`baggage_too_large`), so that what a context holds is always propagated whole.
    pub fn insert(&self, key: &str, value: &str) -> Result<Self, Error> {
        let mut baggage = self.clone();
        baggage
            .set(key, value)
            .map_err(|code| Error::new(code, key))?;
        Ok(baggage)
    }

    /// [`Baggage::insert`] in place, for a baggage built one member at a time
    /// (Jaeger's `uberctx-*` headers): the limits are checked first, so a refused
    /// member costs no copy.
    pub(crate) fn set(&mut self, key: &str, value: &str) -> Result<(), Code> {
        if !is_token(key) {
            return Err(Code::InvalidBaggageKey);
        }
        let others = self.members.iter().filter(|m| m.key != key);
        let count = others.clone().count() + 1;
        let bytes =
            others.map(|m| m.encoded_len() + 1).sum::<usize>() + key.len() + 1 + encoded_len(value);
        if count > MAX_MEMBERS || bytes > MAX_BYTES {
            return Err(Code::BaggageTooLarge);
        }
        self.members.retain(|m| m.key != key);
        self.members
            .push(Member::new(key.to_owned(), value.to_owned(), String::new()));
        Ok(())
    }

    /// A copy without `key`.
    pub fn remove(&self, key: &str) -> Self {
        Self {
            members: self
                .members
                .iter()
                .filter(|m| m.key != key)
                .cloned()
                .collect(),
        }
    }

    /// The header value to inject: members in order, values percent-encoded. Every
    /// `Baggage` is built within the limits, so nothing is dropped here; the check
    /// stays as a guard (members would be dropped whole, never cut).
    pub fn header(&self) -> String {
        self.encode(true)
    }

    /// Every member encoded, past the limits too when `limited` is false.
    pub(crate) fn encode(&self, limited: bool) -> String {
        let mut out = String::with_capacity(self.encoded_len());
        for (count, member) in self.members.iter().enumerate() {
            let comma = usize::from(count > 0);
            if limited
                && (count == MAX_MEMBERS || out.len() + comma + member.encoded_len() > MAX_BYTES)
            {
                break;
            }
            if comma == 1 {
                out.push(',');
            }
            member.encode_into(&mut out);
        }
        out
    }
}

impl Member {
    /// `key=value;properties`, the value percent-encoded.
    fn encode_into(&self, out: &mut String) {
        out.push_str(&self.key);
        out.push('=');
        encode_into(&self.value, out);
        if !self.properties.is_empty() {
            out.push(';');
            out.push_str(&self.properties);
        }
    }

    fn new(key: String, value: String, properties: String) -> Self {
        let properties_len = if properties.is_empty() {
            0
        } else {
            1 + properties.len()
        };
        let len = key.len() + 1 + encoded_len(&value) + properties_len;
        Self {
            key,
            value,
            properties,
            len,
        }
    }

    /// The length of [`Member::encode_into`]'s output, without encoding.
    fn encoded_len(&self) -> usize {
        self.len
    }
}

/// Whether `jaeger`'s key names `member`'s: the same key, or in any letter case
/// when `jaeger`'s is lowercase (Jaeger lower-cases keys: `uberctx-user: x`
/// repeats `User=x`).
fn same_key(jaeger: &Member, member: &Member) -> bool {
    let lowercase = !jaeger.key.bytes().any(|b| b.is_ascii_uppercase());
    member.key == jaeger.key || (lowercase && member.key.eq_ignore_ascii_case(&jaeger.key))
}

/// `key OWS "=" OWS value *(OWS ";" OWS property)`, already trimmed. Everything
/// is checked before anything is allocated: a rejected member costs nothing.
fn parse_member(raw: &str) -> Result<Member, Code> {
    let mut parts = raw.split(';');
    let pair = parts.next().unwrap_or_default();
    let (key, value) = pair.split_once('=').ok_or(Code::InvalidBaggageMember)?;
    let (key, value) = (trim_ows(key), trim_ows(value));
    if !is_token(key) {
        return Err(Code::InvalidBaggageKey);
    }
    if !is_encoded(value) {
        return Err(Code::InvalidBaggageValue);
    }
    let properties = parts.map(trim_ows).filter(|p| !p.is_empty()).map(property);
    let mut len = 0;
    for property in properties.clone() {
        let (name, value) = property.ok_or(Code::InvalidBaggageMember)?;
        len += usize::from(len > 0) + name.len() + value.map_or(0, |v| 1 + v.len());
    }
    let mut joined = String::with_capacity(len);
    for (name, value) in properties.flatten() {
        if !joined.is_empty() {
            joined.push(';');
        }
        joined.push_str(name);
        if let Some(value) = value {
            joined.push('=');
            joined.push_str(value);
        }
    }
    Ok(Member::new(key.to_owned(), decode(value), joined))
}

/// `key OWS [ "=" OWS value ]` with a token key and octets as value, trimmed.
fn property(property: &str) -> Option<(&str, Option<&str>)> {
    let (name, value) = match property.split_once('=') {
        Some((name, value)) => (trim_ows(name), Some(trim_ows(value))),
        None => (property, None),
    };
    (is_token(name) && value.is_none_or(|v| v.bytes().all(is_octet))).then_some((name, value))
}

/// `baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E`.
fn is_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x2b | 0x2d..=0x3a | 0x3c..=0x5b | 0x5d..=0x7e)
}

/// RFC 9110 `token`: one or more `tchar`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Whether `value` is `baggage-octet`s whose every `%` starts an escape of two
/// hex digits (RFC 3986 §2.1).
fn is_encoded(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        is_octet(b)
            && (b != b'%'
                || bytes
                    .get(i + 1..i + 3)
                    .is_some_and(|digits| digits.iter().all(u8::is_ascii_hexdigit)))
    })
}

/// Percent-decodes a value [`is_encoded`] accepted. Invalid UTF-8 becomes U+FFFD.
fn decode(value: &str) -> String {
    if !value.contains('%') {
        return value.to_owned();
    }
    let bytes = value.as_bytes();
    let digit = |b: u8| char::from(b).to_digit(16).unwrap_or_default() as u8;
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes.get(i..i + 3) {
            Some(&[b'%', high, low]) => {
                out.push(digit(high) << 4 | digit(low));
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// The length of `value` percent-encoded by [`encode_into`].
fn encoded_len(value: &str) -> usize {
    value.bytes().map(|b| if is_plain(b) { 1 } else { 3 }).sum()
}

/// A byte written as itself: a `baggage-octet` other than `%`.
fn is_plain(b: u8) -> bool {
    is_octet(b) && b != b'%'
}

/// Percent-encodes every byte outside `baggage-octet`, and `%` itself (also
/// Jaeger's `uberctx-*` values).
pub(crate) fn encode_into(value: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in value.as_bytes() {
        if is_plain(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
    }
}

/// The `baggage` fields of a carrier, combined.
pub(crate) fn extract(seen: &Seen<'_>, sink: &mut Sink<'_>) -> Baggage {
    let values = seen.values(Field::Baggage);
    for raw in values.iter() {
        if std::str::from_utf8(raw).is_err() {
            sink.report(Format::Baggage, HEADER, Code::InvalidUtf8);
        }
    }
    Baggage::from_fields(
        values
            .iter()
            .filter_map(|raw| std::str::from_utf8(raw).ok()),
        sink,
    )
}

/// Writes `baggage`, or removes a stale one when there is none.
pub(crate) fn inject<I: Injector + ?Sized>(baggage: &Baggage, carrier: &mut I) {
    let header = baggage.header();
    if header.is_empty() {
        carrier.remove_header(HEADER);
    } else {
        carrier.set_header(HEADER, &header);
    }
}

impl fmt::Debug for Baggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl fmt::Display for Baggage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_per_rfc_3986_and_keeps_properties() {
        let baggage =
            Baggage::parse("a = b+c%20d%25 ; p1 ; p2 = v , e=x=y, bad key=1, f=%C3%28, g=");
        let members: Vec<_> = baggage.iter().collect();
        assert_eq!(
            members,
            [
                ("a", "b+c d%", "p1;p2=v"),
                ("e", "x=y", ""),
                ("f", "\u{fffd}(", ""),
                ("g", "", ""),
            ]
        );
        assert_eq!(
            baggage.header(),
            "a=b+c%20d%25;p1;p2=v,e=x=y,f=%EF%BF%BD(,g="
        );
    }

    #[test]
    fn limits_drop_whole_members() {
        let many: Vec<String> = (0..70).map(|i| format!("k{i}=v")).collect();
        let baggage = Baggage::parse(&many.join(","));
        assert_eq!(baggage.len(), MAX_MEMBERS);
        let big = format!("a={},b={}", "x".repeat(5000), "y".repeat(5000));
        let baggage = Baggage::parse(&big);
        assert_eq!(baggage.len(), 1);
        assert_eq!(baggage.get("a").unwrap().len(), 5000);
    }

    #[test]
    fn limits_count_the_injected_form() {
        // 8189 bytes encoded, but far more as received (spaces around members).
        let members: Vec<String> = (0..10)
            .map(|i| format!("k{i}={}", "v".repeat(815)))
            .collect();
        let padded = members.join("   ,   ");
        assert!(padded.len() > MAX_BYTES);
        let baggage = Baggage::parse(&padded);
        assert_eq!(baggage.len(), 10);
        assert_eq!(baggage.header().len(), 8189);
        let exact = format!("a={}", "x".repeat(MAX_BYTES - 2));
        assert_eq!(Baggage::parse(&exact).header(), exact);
        assert!(Baggage::parse(&format!("{exact}x")).is_empty());
        // `%FF` grows to `%EF%BF%BD` once decoded to U+FFFD: the member that would
        // pass the limit when injected is dropped on extract, not on inject.
        let grown = format!("a={},b={}", "x".repeat(8100), "%FF".repeat(20));
        assert!(grown.len() <= MAX_BYTES);
        let mut diagnostics = Vec::new();
        let baggage = Baggage::from_fields([grown.as_str()], &mut Sink(Some(&mut diagnostics)));
        assert_eq!(baggage.len(), 1);
        assert_eq!(diagnostics[0].code, Code::BaggageTooLarge);
        assert_eq!(Baggage::parse(&baggage.header()), baggage);
    }

    #[test]
    fn reports_the_first_64_invalid_members() {
        let junk = vec!["x"; 100].join(",");
        let mut diagnostics = Vec::new();
        let baggage =
            Baggage::from_fields([junk.as_str(), "a=1"], &mut Sink(Some(&mut diagnostics)));
        assert_eq!(baggage.header(), "a=1");
        assert_eq!(diagnostics.len(), MAX_MEMBERS);
        assert!(diagnostics
            .iter()
            .all(|d| d.code == Code::InvalidBaggageMember));
    }

    #[test]
    fn extend_keeps_the_limits() {
        let mut baggage = Baggage::parse(&format!("a={}", "x".repeat(8000)));
        baggage.extend(Baggage::parse(&format!("b={},c=1", "y".repeat(300))));
        assert_eq!(baggage.len(), 1);
        let mut baggage = Baggage::parse("a=1");
        baggage.extend(Baggage::parse("b=2,c=3"));
        assert_eq!(baggage.header(), "a=1,b=2,c=3");
    }

    #[test]
    fn extend_skips_what_is_said_already() {
        // W3C members, then Jaeger's copy of them as a service injecting both sent it.
        let mut baggage = Baggage::parse("User=x,a=1;p,b=1,b=2,c=3");
        baggage.extend(Baggage::parse("user=x,a=1,b=1,c=4"));
        assert_eq!(baggage.header(), "User=x,a=1;p,b=1,b=2,c=3,b=1,c=4");
        // A lowercase key in any spelling: Jaeger's `a` may stand for `A`.
        let mut baggage = Baggage::parse("a=1,A=2");
        baggage.extend(Baggage::parse("a=2,A=1"));
        assert_eq!(baggage.header(), "a=1,A=2,A=1");
        // Members appended count: the value of a key is always the later source's.
        let mut baggage = Baggage::parse("a=1");
        baggage.extend(Baggage::parse("a=2,a=1,k=v;p,k=v;p"));
        assert_eq!(baggage.header(), "a=1,a=2,a=1,k=v;p,k=v;p");
        // The first source is taken as it came.
        let mut baggage = Baggage::new();
        baggage.extend(Baggage::parse("a=1,a=1"));
        assert_eq!(baggage.header(), "a=1,a=1");
    }

    #[test]
    fn insert_refuses_to_pass_the_limits() {
        let full: Vec<String> = (0..64).map(|i| format!("k{i}=v")).collect();
        let baggage = Baggage::parse(&full.join(","));
        assert_eq!(
            baggage.insert("extra", "v").unwrap_err().code(),
            Code::BaggageTooLarge
        );
        assert_eq!(baggage.insert("k0", "w").unwrap().len(), 64);
        assert_eq!(
            Baggage::new()
                .insert("big", &" ".repeat(3000))
                .unwrap_err()
                .code(),
            Code::BaggageTooLarge
        );
    }

    #[test]
    fn insert_replaces_and_appends() {
        let baggage = Baggage::parse("a=1,b=2,a=3").insert("a", "x y").unwrap();
        assert_eq!(baggage.header(), "b=2,a=x%20y");
        assert_eq!(
            Baggage::new().insert("bad key", "v").unwrap_err().code(),
            Code::InvalidBaggageKey
        );
    }
}
