//! Trace and span identifiers (W3C Trace Context §trace-id, §parent-id).

use std::fmt;
use std::str::FromStr;

use crate::hex;
use crate::rng;
use crate::{Code, Error};

/// A 16-byte trace id. The all-zero value is invalid and never constructed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TraceId([u8; 16]);

/// An 8-byte span id. The all-zero value is invalid and never constructed.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SpanId([u8; 8]);

impl TraceId {
    /// A trace id from its bytes; `None` for the all-zero id.
    pub fn from_bytes(bytes: [u8; 16]) -> Option<Self> {
        (bytes != [0; 16]).then_some(Self(bytes))
    }

    /// A fresh, uniformly random trace id (all 16 bytes random, so the W3C
    /// random-trace-id flag may be set for it).
    pub fn random() -> Self {
        let high = rng::next_u64();
        let low = rng::next_nonzero_u64();
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&high.to_be_bytes());
        bytes[8..].copy_from_slice(&low.to_be_bytes());
        Self(bytes)
    }

    /// The id's bytes.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0
    }

    /// The id as 32 lowercase hex digits, without allocating.
    pub fn to_hex(self) -> HexId<32> {
        HexId::encode(&self.0)
    }
}

impl SpanId {
    /// A span id from its bytes; `None` for the all-zero id.
    pub fn from_bytes(bytes: [u8; 8]) -> Option<Self> {
        (bytes != [0; 8]).then_some(Self(bytes))
    }

    /// A fresh random span id.
    pub fn random() -> Self {
        Self(rng::next_nonzero_u64().to_be_bytes())
    }

    /// The id's bytes.
    pub fn to_bytes(self) -> [u8; 8] {
        self.0
    }

    /// The id as 16 lowercase hex digits, without allocating.
    pub fn to_hex(self) -> HexId<16> {
        HexId::encode(&self.0)
    }
}

impl FromStr for TraceId {
    type Err = Error;

    /// Parses exactly 32 lowercase hex digits, not all zero.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bytes = hex::decode(s.as_bytes()).map_err(|_| Error::new(Code::InvalidTraceId, s))?;
        Self::from_bytes(bytes).ok_or_else(|| Error::new(Code::InvalidTraceId, s))
    }
}

impl FromStr for SpanId {
    type Err = Error;

    /// Parses exactly 16 lowercase hex digits, not all zero.
    fn from_str(s: &str) -> Result<Self, Error> {
        let bytes = hex::decode(s.as_bytes()).map_err(|_| Error::new(Code::InvalidSpanId, s))?;
        Self::from_bytes(bytes).ok_or_else(|| Error::new(Code::InvalidSpanId, s))
    }
}

/// An id printed as lowercase hex on the stack; derefs to `str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct HexId<const N: usize>([u8; N]);

impl<const N: usize> HexId<N> {
    fn encode(bytes: &[u8]) -> Self {
        let mut out = [0u8; N];
        hex::encode_into(bytes, &mut out);
        Self(out)
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits are ever written.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl<const N: usize> std::ops::Deref for HexId<N> {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

macro_rules! hex_formatting {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($ty), self.to_hex().as_str())
            }
        }
    )*};
}
hex_formatting!(TraceId, SpanId);

impl<const N: usize> fmt::Display for HexId<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for HexId<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_is_strict() {
        assert!("4bf92f3577b34da6a3ce929d0e0e4736"
            .parse::<TraceId>()
            .is_ok());
        for bad in [
            "4BF92F3577B34DA6A3CE929D0E0E4736",
            "4bf92f3577b34da6a3ce929d0e0e473",
            "00000000000000000000000000000000",
        ] {
            assert_eq!(
                bad.parse::<TraceId>().unwrap_err().code(),
                Code::InvalidTraceId
            );
        }
        assert_eq!(
            "0000000000000000".parse::<SpanId>().unwrap_err().code(),
            Code::InvalidSpanId
        );
    }

    #[test]
    fn hex_round_trip() {
        let id: SpanId = "00f067aa0ba902b7".parse().unwrap();
        assert_eq!(id.to_string(), "00f067aa0ba902b7");
        assert_eq!(format!("{id:?}"), "SpanId(00f067aa0ba902b7)");
    }

    #[test]
    fn random_ids_are_valid_and_distinct() {
        assert_ne!(TraceId::random(), TraceId::random());
        assert_ne!(SpanId::random(), SpanId::random());
    }
}
