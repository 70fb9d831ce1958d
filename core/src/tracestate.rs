//! The `tracestate` header (W3C Trace Context level 2, §3.3 "tracestate Header").

use std::borrow::Cow;
use std::fmt;

use crate::traceparent::trim_ows;
use crate::{Code, Error};

/// At most this many members (§3.3.1.1 list).
pub const MAX_MEMBERS: usize = 32;
/// Propagate at least this many characters; longer values are cut on inject (§3.3.1.5).
pub const MAX_HEADER_LEN: usize = 512;
/// Members longer than this go first when cutting (§3.3.1.5).
const LONG_MEMBER: usize = 128;
const MAX_KEY_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 256;

/// Vendor-specific trace state: an ordered list of `key=value` members, kept in
/// its canonical form (members joined by `,`, no optional whitespace).
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct TraceState {
    header: String,
}

impl TraceState {
    /// The empty trace state.
    pub const fn new() -> Self {
        Self {
            header: String::new(),
        }
    }

    /// Parses one header value; any invalid member rejects the whole value.
    pub fn parse(value: &str) -> Result<Self, Error> {
        Self::from_fields([value]).map_err(|code| Error::new(code, value))
    }

    /// Combines repeated header fields in order (RFC 9110 §5.3) and validates them
    /// in one pass. Empty members are ignored and do not count toward the limit;
    /// too many members outranks any other error.
    pub(crate) fn from_fields<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<Self, Code> {
        let mut header = String::new();
        let mut keys: [&str; MAX_MEMBERS] = [""; MAX_MEMBERS];
        let mut count = 0;
        let mut first_error = None;
        for field in fields {
            for member in field.split(',').map(trim_ows).filter(|m| !m.is_empty()) {
                if count == MAX_MEMBERS {
                    return Err(Code::TracestateTooManyMembers);
                }
                if first_error.is_none() {
                    match split_member(member) {
                        Ok(key) if keys[..count].contains(&key) => {
                            first_error = Some(Code::DuplicateTracestateKey);
                        }
                        Ok(key) => {
                            keys[count] = key;
                            if !header.is_empty() {
                                header.push(',');
                            }
                            header.push_str(member);
                        }
                        Err(code) => first_error = Some(code),
                    }
                }
                count += 1;
            }
        }
        match first_error {
            Some(code) => Err(code),
            None => Ok(Self { header }),
        }
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.header.is_empty()
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.iter().count()
    }

    /// The members, left to right.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.header
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
        Ok(Self { header })
    }

    /// A copy without `key`.
    pub fn remove(&self, key: &str) -> Self {
        let mut header = String::with_capacity(self.header.len());
        for (k, v) in self.iter().filter(|(k, _)| *k != key) {
            if !header.is_empty() {
                header.push(',');
            }
            header.push_str(k);
            header.push('=');
            header.push_str(v);
        }
        Self { header }
    }

    /// The whole canonical value.
    pub fn as_str(&self) -> &str {
        &self.header
    }

    /// The value to inject: at most 512 characters, cut by removing whole members,
    /// those over 128 characters first (from the right), then from the right.
    pub fn header(&self) -> Cow<'_, str> {
        if self.header.len() <= MAX_HEADER_LEN {
            return Cow::Borrowed(&self.header);
        }
        let mut kept: Vec<&str> = self.header.split(',').collect();
        let mut len = self.header.len();
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
fn split_member(member: &str) -> Result<&str, Code> {
    let (key, value) = member
        .split_once('=')
        .ok_or(Code::InvalidTracestateMember)?;
    if !is_key(key) {
        return Err(Code::InvalidTracestateKey);
    }
    if !is_value(value) {
        return Err(Code::InvalidTracestateValue);
    }
    Ok(key)
}

/// `key = (lcalpha / DIGIT) 0*255(keychar)`, `keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"`.
fn is_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    match bytes.split_first() {
        Some((first, rest)) if key.len() <= MAX_KEY_LEN => {
            (first.is_ascii_lowercase() || first.is_ascii_digit())
                && rest
                    .iter()
                    .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_-*/@".contains(&b))
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
        && bytes
            .iter()
            .all(|b| matches!(b, 0x20..=0x2b | 0x2d..=0x3c | 0x3e..=0x7e))
}

impl fmt::Display for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.header)
    }
}

impl fmt::Debug for TraceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceState({:?})", self.header)
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
