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

/// Eight bytes per `u64` lane arithmetic (SWAR): one byte per 8-bit lane.
const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x80 * ONES;

/// Eight lowercase hex digits as the big-endian `u32` they spell, or `None` if
/// any is not lowercase hex; all eight are judged and decoded at once.
#[inline]
pub(crate) fn decode8(digits: [u8; 8]) -> Option<u32> {
    let x = u64::from_be_bytes(digits);
    // Lanes below 0x80 never carry into a neighbour, and a lane at or above it
    // fails on its own (`!x`): the high bit of each lane says `0-9` or `a-f`.
    let digit = x.wrapping_add(0x50 * ONES) & !x.wrapping_add(0x46 * ONES);
    let lower = x.wrapping_add(0x1f * ONES) & !x.wrapping_add(0x19 * ONES);
    if (digit | lower) & !x & HIGH != HIGH {
        return None;
    }
    // `0-9` keep their low nibble; `a-f` (bit 6 set) have 1-6 there, plus 9.
    let mut v = (x & (0x0f * ONES)) + ((x >> 6) & ONES) * 9;
    v = (v | v >> 4) & 0x00ff_00ff_00ff_00ff;
    v = (v | v >> 8) & 0x0000_ffff_0000_ffff;
    Some((v | v >> 16) as u32)
}

/// Sixteen lowercase hex digits as the big-endian `u64` they spell.
#[inline]
pub(crate) fn decode16(digits: &[u8; 16]) -> Option<u64> {
    let (high, low) = digits.split_at(8);
    let high = decode8(high.try_into().ok()?)?;
    let low = decode8(low.try_into().ok()?)?;
    Some(u64::from(high) << 32 | u64::from(low))
}

/// `value` as 8 lowercase hex digits.
#[inline]
fn encode8(value: u32) -> [u8; 8] {
    // One nibble per lane, most significant first.
    let mut x = u64::from(value);
    x = (x | x << 16) & 0x0000_ffff_0000_ffff;
    x = (x | x << 8) & 0x00ff_00ff_00ff_00ff;
    x = (x | x << 4) & (0x0f * ONES);
    // `0` + nibble, and `a` - `0` - 10 more for nibbles of 10 and up.
    let letters = ((x + 0x06 * ONES) >> 4) & ONES;
    (x + 0x30 * ONES + letters * 0x27).to_be_bytes()
}

/// `value` as 16 lowercase hex digits.
#[inline]
pub(crate) fn encode16(value: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&encode8((value >> 32) as u32));
    out[8..].copy_from_slice(&encode8(value as u32));
    out
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
    fn eight_at_once_agrees_with_the_table() {
        let mut digits = *b"0123abcd";
        assert_eq!(decode8(digits), Some(0x0123_abcd));
        assert_eq!(&encode8(0x0123_abcd), b"0123abcd");
        assert_eq!(decode16(b"00f067aa0ba902b7"), Some(0x00f0_67aa_0ba9_02b7));
        assert_eq!(&encode16(0x00f0_67aa_0ba9_02b7), b"00f067aa0ba902b7");
        for position in 0..8 {
            for byte in 0..=255u8 {
                digits[position] = byte;
                let (table, seen) = decode_unchecked::<4>(&digits);
                let expected = verdict(seen).ok().map(|()| u32::from_be_bytes(table));
                assert_eq!(decode8(digits), expected, "{digits:?}");
            }
            digits[position] = b'0';
        }
        for value in [0, 1, 0x9a, 0xffff_ffff, 0xdead_beef, 0x0a0b_0c0d] {
            let mut table = [0u8; 8];
            encode_into(&u32::to_be_bytes(value), &mut table);
            assert_eq!(encode8(value), table);
        }
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
