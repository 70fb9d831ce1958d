//! Lowercase hex, the only spelling the W3C grammar (`HEXDIGLC`) allows.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Class of each byte: its value for `0-9a-f`, `UPPER` for `A-F`, `NOT_HEX` otherwise.
const UPPER: u8 = 0x10;
const NOT_HEX: u8 = 0xff;
static CLASS: [u8; 256] = {
    let mut table = [NOT_HEX; 256];
    let mut i = 0;
    while i < 10 {
        table[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        table[b'a' as usize + i] = 10 + i as u8;
        table[b'A' as usize + i] = UPPER;
        i += 1;
    }
    table
};

/// Why a run of characters is not lowercase hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HexError {
    /// A character outside `0-9a-fA-F`.
    NotHex,
    /// Hex, but with at least one of `A-F`.
    Uppercase,
}

/// What a run of classified bytes contained: `NOT_HEX` sets bit 7, `UPPER` bit 4.
pub(crate) fn verdict(seen: u8) -> Result<(), HexError> {
    if seen & 0x80 != 0 {
        Err(HexError::NotHex)
    } else if seen & UPPER != 0 {
        Err(HexError::Uppercase)
    } else {
        Ok(())
    }
}

/// Checks that every byte is lowercase hex; a non-hex byte outranks an upper-case one.
pub(crate) fn check(s: &[u8]) -> Result<(), HexError> {
    verdict(s.iter().fold(0, |seen, &b| seen | CLASS[b as usize]))
}

/// Decodes `2 * N` hex digits into `N` bytes without judging them: the returned
/// mask goes to [`verdict`], so several fields can be judged together.
pub(crate) fn decode_unchecked<const N: usize>(s: &[u8]) -> ([u8; N], u8) {
    let mut out = [0u8; N];
    let mut seen = 0u8;
    for (byte, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let (high, low) = (CLASS[pair[0] as usize], CLASS[pair[1] as usize]);
        seen |= high | low;
        *byte = (high << 4) | (low & 0x0f);
    }
    (out, seen)
}

/// Decodes `2 * N` lowercase hex digits into `N` bytes.
pub(crate) fn decode<const N: usize>(s: &[u8]) -> Result<[u8; N], HexError> {
    if s.len() != 2 * N {
        return Err(HexError::NotHex);
    }
    let (out, seen) = decode_unchecked(s);
    verdict(seen).map(|()| out)
}

/// Writes `bytes` as lowercase hex into `out`, which is exactly twice as long.
pub(crate) fn encode_into(bytes: &[u8], out: &mut [u8]) {
    debug_assert_eq!(out.len(), bytes.len() * 2);
    for (pair, &b) in out.chunks_exact_mut(2).zip(bytes) {
        pair[0] = DIGITS[(b >> 4) as usize];
        pair[1] = DIGITS[(b & 0x0f) as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_hex_outranks_uppercase() {
        assert_eq!(check(b"Ag"), Err(HexError::NotHex));
        assert_eq!(check(b"A0"), Err(HexError::Uppercase));
        assert_eq!(check(b"09af"), Ok(()));
    }

    #[test]
    fn round_trip() {
        let bytes: [u8; 4] = decode(b"00ff7a10").unwrap();
        assert_eq!(bytes, [0x00, 0xff, 0x7a, 0x10]);
        let mut out = [0u8; 8];
        encode_into(&bytes, &mut out);
        assert_eq!(&out, b"00ff7a10");
    }
}
