//! Trace flags (W3C Trace Context §trace-flags, level 2).

use std::fmt;

/// The 8-bit trace-flags field. All incoming bits are kept and readable; only the
/// bits this library knows are ever sent on (the spec's "Vendors MUST set those to
/// zero" for reserved bits).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TraceFlags(u8);

impl TraceFlags {
    /// Bit 0: the caller may have recorded trace data.
    pub const SAMPLED: Self = Self(0x01);
    /// Bit 1 (level 2): the right-most 7 bytes of the trace id are random.
    pub const RANDOM: Self = Self(0x02);
    /// No bits set.
    pub const NONE: Self = Self(0);
    const KNOWN: u8 = 0x03;

    /// Flags from their byte, every bit kept.
    pub const fn from_bits(bits: u8) -> Self {
        Self(bits)
    }

    /// The byte, every bit as received or set.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// Whether the sampled bit is set.
    pub const fn is_sampled(self) -> bool {
        self.0 & Self::SAMPLED.0 != 0
    }

    /// Whether the random-trace-id bit is set.
    pub const fn is_random(self) -> bool {
        self.0 & Self::RANDOM.0 != 0
    }

    /// These flags with the sampled bit set or cleared.
    pub const fn with_sampled(self, sampled: bool) -> Self {
        if sampled {
            Self(self.0 | Self::SAMPLED.0)
        } else {
            Self(self.0 & !Self::SAMPLED.0)
        }
    }

    /// Only the bits defined by the spec: what goes on the wire.
    pub const fn known(self) -> Self {
        Self(self.0 & Self::KNOWN)
    }
}

impl std::ops::BitOr for TraceFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl fmt::Debug for TraceFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceFlags({:02x})", self.0)
    }
}

impl fmt::LowerHex for TraceFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.0, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits() {
        let flags = TraceFlags::from_bits(0xff);
        assert!(flags.is_sampled() && flags.is_random());
        assert_eq!(flags.known().bits(), 0x03);
        assert_eq!(flags.with_sampled(false).bits(), 0xfe);
        assert_eq!((TraceFlags::SAMPLED | TraceFlags::RANDOM).bits(), 0x03);
    }
}
