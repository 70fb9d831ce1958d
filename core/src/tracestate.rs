//! The `tracestate` header (W3C Trace Context level 2, §3.3 "tracestate Header").

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use crate::traceparent::trim_ows;
use crate::{Code, Error};

/// At most this many members (§3.3.1.1 list).
pub const MAX_MEMBERS: usize = 32;
/// Propagate at least this many characters; longer values are cut on inject (§3.3.1.5).
pub const MAX_HEADER_LEN: usize = 512;
/// Members longer than this go first when cutting (§3.3.1.5).
pub(crate) const LONG_MEMBER: usize = 128;
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;

/// Vendor-specific trace state: an ordered list of `key=value` members, kept in
/// its canonical form (members joined by `,`, no optional whitespace).
///
/// The value is shared, not copied, by the contexts of a trace's spans.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct TraceState {
    /// `None` when there are no members.
    header: Option<Arc<str>>,
}

impl TraceState {
    /// The empty trace state.
    pub const fn new() -> Self {
        Self { header: None }
    }

    /// Parses one header value; any invalid member rejects the whole value.
    pub fn parse(value: &str) -> Result<Self, Error> {
        Self::from_fields([value]).map_err(|code| Error::new(code, value))
    }

    /// A canonical value, copied once.
    fn canonical(header: &str) -> Self {
        Self {
            header: (!header.is_empty()).then(|| Arc::from(header)),
        }
    }

    /// Combines repeated header fields in order (RFC 9110 §5.3) and validates them
    /// in one pass. Empty members are ignored and do not count toward the limit;
    /// too many members outranks any other error. A single field already in
    /// canonical form (the common case) is copied whole, once.
    pub(crate) fn from_fields<'a, F>(fields: F) -> Result<Self, Code>
    where
        F: IntoIterator<Item = &'a str>,
        F::IntoIter: Clone,
    {
        let fields = fields.into_iter();
        let mut rest = fields.clone();
        if let (Some(only), None) = (rest.next(), rest.next()) {
            if let Some(state) = Self::strictly_canonical(only) {
                return Ok(state);
            }
        }
        Self::combine(fields)
    }

    /// [`TraceState::from_fields`] member by member.
    fn combine<'a>(fields: impl Iterator<Item = &'a str> + Clone) -> Result<Self, Code> {
        let mut keys: [&str; MAX_MEMBERS] = [""; MAX_MEMBERS];
        // Cheap stand-ins for the keys, so that the duplicate check compares
        // numbers and only looks at text when they match.
        let mut prints: [u64; MAX_MEMBERS] = [0; MAX_MEMBERS];
        let mut count = 0;
        let mut first_error = None;
        let mut bytes = 0;
        let mut only_field = None;
        for (index, field) in fields.clone().enumerate() {
            only_field = (index == 0).then_some(field);
            for member in field.split(',').map(trim_ows).filter(|m| !m.is_empty()) {
                if count == MAX_MEMBERS {
                    return Err(Code::TracestateTooManyMembers);
                }
                if first_error.is_none() {
                    match split_member(member) {
                        Ok(key) => {
                            let print = fingerprint(key.as_bytes());
                            let mut earlier = prints[..count].iter().zip(&keys[..count]);
                            if earlier.any(|(&p, &k)| p == print && k == key) {
                                first_error = Some(Code::DuplicateTracestateKey);
                            } else {
                                (keys[count], prints[count]) = (key, print);
                                bytes += member.len();
                            }
                        }
                        Err(code) => first_error = Some(code),
                    }
                }
                count += 1;
            }
        }
        if let Some(code) = first_error {
            return Err(code);
        }
        let joined_len = (bytes + count).saturating_sub(1);
        match only_field {
            // The members and one comma between each are the whole field.
            Some(field) if field.len() == joined_len => Ok(Self::canonical(field)),
            _ => {
                let mut header = String::with_capacity(joined_len);
                for field in fields {
                    for member in field.split(',').map(trim_ows).filter(|m| !m.is_empty()) {
                        if !header.is_empty() {
                            header.push(',');
                        }
                        header.push_str(member);
                    }
                }
                Ok(Self::canonical(&header))
            }
        }
    }

    /// The common case in one pass: a field that is valid and canonical as it
    /// stands (no optional whitespace, no empty member, 32 members at most), copied
    /// once. `None` for anything else, which [`TraceState::from_fields`] then
    /// judges member by member.
    fn strictly_canonical(field: &str) -> Option<Self> {
        let mut prints: [u64; MAX_MEMBERS] = [0; MAX_MEMBERS];
        // The key of an earlier member, found again only when prints match.
        let key_of = |index: usize| {
            let member = field.split(',').nth(index).unwrap_or_default();
            member.split_once('=').map(|(key, _)| key.as_bytes())
        };
        let mut rest = field.as_bytes();
        for count in 0..=MAX_MEMBERS {
            let key_len = rest
                .iter()
                .position(|&b| CLASS[usize::from(b)] & KEY == 0)?;
            let (key, tail) = rest.split_at(key_len);
            let (&first, tail) = tail.split_first()?;
            let starts_well = key
                .first()
                .is_some_and(|&b| CLASS[usize::from(b)] & KEY_START != 0);
            if count == MAX_MEMBERS || first != b'=' || !starts_well || key.len() > MAX_KEY_LEN {
                return None;
            }
            let value_len = value_run(tail);
            let (value, tail) = tail.split_at(value_len);
            if value.is_empty() || value.len() > MAX_VALUE_LEN || value.ends_with(b" ") {
                return None;
            }
            let print = fingerprint(key);
            let mut earlier = prints[..count].iter().enumerate();
            if earlier.any(|(index, &p)| p == print && key_of(index) == Some(key)) {
                return None;
            }
            prints[count] = print;
            match tail.split_first() {
                None => return Some(Self::canonical(field)),
                Some((b',', tail)) => rest = tail,
                Some(_) => return None,
            }
        }
        None
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.header.is_none()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The members, left to right.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.as_str()
            .split(',')
            .filter(|member| !member.is_empty())
            .filter_map(|member| member.split_once('='))
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// A copy with `key` set to `value` and moved to the front (the spec's rule for
    /// a vendor updating its own entry); the right-most member is dropped if the
    /// list would exceed 32 members.
    pub fn insert(&self, key: &str, value: &str) -> Result<Self, Error> {
        if !is_key(key) {
            return Err(Error::new(Code::InvalidTracestateKey, key));
        }
        if !is_value(value) {
            return Err(Error::new(Code::InvalidTracestateValue, value));
        }
        let mut header = format!("{key}={value}");
        let others = self.iter().filter(|(k, _)| *k != key);
        for (k, v) in others.take(MAX_MEMBERS - 1) {
            header.push(',');
            header.push_str(k);
            header.push('=');
            header.push_str(v);
        }
        Ok(Self::canonical(&header))
    }

    /// A copy without `key`.
    pub fn remove(&self, key: &str) -> Self {
        let mut header = String::with_capacity(self.as_str().len());
        for (k, v) in self.iter().filter(|(k, _)| *k != key) {
            if !header.is_empty() {
                header.push(',');
            }
            header.push_str(k);
            header.push('=');
            header.push_str(v);
        }
        Self::canonical(&header)
    }

    /// The whole canonical value.
    pub fn as_str(&self) -> &str {
        self.header.as_deref().unwrap_or_default()
    }

    /// The value to inject: at most 512 characters, cut by removing whole members,
    /// those over 128 characters first (from the right), then from the right.
    pub fn header(&self) -> Cow<'_, str> {
        let header = self.as_str();
        if header.len() <= MAX_HEADER_LEN {
            return Cow::Borrowed(header);
        }
        let mut kept: Vec<&str> = header.split(',').collect();
        let mut len = header.len();
        let mut remove = |kept: &mut Vec<&str>, index: usize| {
            let member = kept.remove(index);
            len -= member.len() + usize::from(!kept.is_empty());
            len <= MAX_HEADER_LEN
        };
        while let Some(index) = kept.iter().rposition(|m| m.len() > LONG_MEMBER) {
            if remove(&mut kept, index) {
                return Cow::Owned(kept.join(","));
            }
        }
        while let Some(last) = kept.len().checked_sub(1) {
            if remove(&mut kept, last) {
                break;
            }
        }
        Cow::Owned(kept.join(","))
    }
}

/// The key of a trimmed member whose key and value are both valid.
pub(crate) fn split_member(member: &str) -> Result<&str, Code> {
    // By bytes: `=` is ASCII, so both sides are text.
    let equals = member.bytes().position(|b| b == b'=');
    let split = equals.and_then(|at| Some((member.get(..at)?, member.get(at + 1..)?)));
    let (key, value) = split.ok_or(Code::InvalidTracestateMember)?;
    if !is_key(key) {
        return Err(Code::InvalidTracestateKey);
    }
    if !is_value(value) {
        return Err(Code::InvalidTracestateValue);
    }
    Ok(key)
}

/// What each byte may be: bits of [`KEY_START`], [`KEY`], [`VALUE`].
static CLASS: [u8; 256] = {
    let mut table = [0; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        let start = byte.is_ascii_lowercase() || byte.is_ascii_digit();
        let key = start || matches!(byte, b'_' | b'-' | b'*' | b'/' | b'@');
        let value = matches!(byte, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e);
        table[b] = (start as u8 * KEY_START) | (key as u8 * KEY) | (value as u8 * VALUE);
        b += 1;
    }
    table
};
/// `lcalpha / DIGIT`: how a key starts.
const KEY_START: u8 = 1;
/// `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
const KEY: u8 = 2;
/// `chr`: printable ASCII without `,` and `=`.
const VALUE: u8 = 4;

/// `key = (lcalpha / DIGIT) 0*255(keychar)`.
fn is_key(key: &str) -> bool {
    match key.as_bytes().split_first() {
        Some((&first, rest)) if key.len() <= MAX_KEY_LEN => {
            CLASS[usize::from(first)] & KEY_START != 0
                && rest.iter().all(|&b| CLASS[usize::from(b)] & KEY != 0)
        }
        _ => false,
    }
}

/// `value = 0*255(chr) nblk-chr`: printable ASCII without `,` and `=`, not ending in a space.
fn is_value(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= MAX_VALUE_LEN
        && bytes.last() != Some(&b' ')
        && bytes.iter().all(|&b| CLASS[usize::from(b)] & VALUE != 0)
}

/// How many bytes at the front of `bytes` are value characters (`chr`): eight
/// at a time, with no table to look up.
fn value_run(bytes: &[u8]) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v;
    let mut words = bytes.chunks_exact(8);
    let mut run = 0;
    for word in &mut words {
        let x = word.try_into().map_or(0, u64::from_le_bytes);
        // High bit of each lane: below 0x20, 0x7f and up, `,`, `=`. Borrows and
        // carries only start at such a lane, so the lowest flag is exact.
        let below = x.wrapping_sub(0x20 * ONES) & !x;
        let above = x.wrapping_add(ONES) | x;
        let delimiter = zero(x ^ (0x2c * ONES)) | zero(x ^ (0x3d * ONES));
        let other = (below | above | delimiter) & (0x80 * ONES);
        if other != 0 {
            return run + (other.trailing_zeros() / 8) as usize;
        }
        run += 8;
    }
    let tail = words.remainder();
    run + tail
        .iter()
        .position(|&b| CLASS[usize::from(b)] & VALUE == 0)
        .unwrap_or(tail.len())
}

/// A number equal for equal keys (length, first and last eight bytes).
pub(crate) fn fingerprint(bytes: &[u8]) -> u64 {
    let len = bytes.len() as u64;
    let word = |at: usize| {
        let word = bytes.get(at..).and_then(<[u8]>::first_chunk);
        word.copied().map_or(0, u64::from_le_bytes)
    };
    match bytes.len() {
        0..8 => bytes
            .iter()
            .fold(len, |print, &b| print << 8 | u64::from(b)),
        n => word(0).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ word(n - 8) ^ len,
    }
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceState({:?})", self.as_str())
    }
}

impl std::str::FromStr for TraceState {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combines_fields_and_drops_ows() {
        let ts = TraceState::from_fields(["a=1 , ,b= 2", "\tc=3"]).unwrap();
        assert_eq!(ts.as_str(), "a=1,b= 2,c=3");
        assert_eq!(ts.get("b"), Some(" 2"));
        assert_eq!(ts.len(), 3);
    }

    #[test]
    fn the_one_pass_agrees_with_the_member_by_member_path() {
        let long = format!("k={}", "v".repeat(256));
        let many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        let cases = [
            "a=1",
            "a=1,b=2",
            "a= 1",
            "a=1 ",
            "a=1,",
            ",a=1",
            "a=1,,b=2",
            "a=1, b=2",
            "a=1,a=2",
            "A=1",
            "1a@b=x",
            "a==1",
            "a=1=2",
            "a",
            "=1",
            "a=",
            "a=\t1",
            "a=é",
            &long,
            &long[..long.len() - 1],
            &many.join(","),
            &many[..32].join(","),
        ];
        for case in cases {
            let fast = TraceState::strictly_canonical(case);
            let slow = TraceState::combine([case].into_iter());
            if let Some(fast) = fast {
                assert_eq!(Ok(fast), slow, "{case:?}");
            } else {
                assert!(
                    slow.as_ref().map_or(true, |s| s.as_str() != case),
                    "{case:?}"
                );
            }
        }
    }

    #[test]
    fn value_runs_stop_at_the_first_other_byte() {
        let table = |bytes: &[u8]| {
            let run = bytes
                .iter()
                .position(|&b| CLASS[usize::from(b)] & VALUE == 0);
            run.unwrap_or(bytes.len())
        };
        let mut bytes = *b"abcdefgh ijklmnopqrs";
        assert_eq!(value_run(&bytes), bytes.len());
        for at in 0..bytes.len() {
            for byte in 0..=255u8 {
                let before = bytes[at];
                bytes[at] = byte;
                assert_eq!(value_run(&bytes), table(&bytes), "{byte:#x} at {at}");
                bytes[(at + 3) % bytes.len()] = 0xff;
                assert_eq!(
                    value_run(&bytes),
                    table(&bytes),
                    "{byte:#x} at {at}, 0xff after"
                );
                bytes[(at + 3) % bytes.len()] = b'x';
                bytes[at] = before;
            }
        }
    }

    #[test]
    fn level_two_keys() {
        for key in ["foo@", "foo@@bar", "1abc", "t@vvvvvvvvvvvvvvv"] {
            assert!(is_key(key), "{key}");
        }
        for key in ["@foo", "Foo", "", "a b"] {
            assert!(!is_key(key), "{key}");
        }
    }

    #[test]
    fn insert_moves_key_first_and_caps_members() {
        let full: Vec<String> = (0..32).map(|i| format!("k{i}=v")).collect();
        let ts = TraceState::parse(&full.join(",")).unwrap();
        let updated = ts.insert("new", "x").unwrap();
        assert_eq!(updated.len(), 32);
        assert!(updated.as_str().starts_with("new=x,k0=v"));
        assert!(!updated.as_str().contains("k31="));
        let moved = ts.insert("k5", "y").unwrap();
        assert!(moved.as_str().starts_with("k5=y,k0=v"));
        assert_eq!(moved.len(), 32);
    }

    #[test]
    fn header_cuts_long_members_first() {
        let long = format!("long={}", "x".repeat(200));
        let members: Vec<String> = (0..30).map(|i| format!("key{i:02}=value{i:02}")).collect();
        let (left, right) = members.split_at(10);
        let ts =
            TraceState::parse(&format!("{},{long},{}", left.join(","), right.join(","))).unwrap();
        assert!(ts.as_str().len() > MAX_HEADER_LEN);
        let cut = ts.header();
        assert!(!cut.contains("long="));
        assert_eq!(cut.split(',').count(), 30);
        assert!(cut.len() <= MAX_HEADER_LEN);
    }
}
