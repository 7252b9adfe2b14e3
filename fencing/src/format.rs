//! The mark file's format: magic and version, the mark, and a checksum of both. Shared by
//! `FileStore` and, through it, `TokenIssuer`.

/// `WARDFNC` and format version 1.
pub(crate) const MAGIC: [u8; 8] = *b"WARDFNC\x01";
/// Magic (8) + mark, little-endian (8) + CRC-32 of the first 16 bytes, little-endian (4).
pub(crate) const LEN: usize = 20;

/// The bytes of a file holding `mark` (0: no mark yet).
pub(crate) fn encode(mark: u64) -> [u8; LEN] {
    let mut out = [0_u8; LEN];
    out[..8].copy_from_slice(&MAGIC);
    out[8..16].copy_from_slice(&mark.to_le_bytes());
    let crc = crc32(&out[..16]);
    out[16..].copy_from_slice(&crc.to_le_bytes());
    out
}

/// Why a byte string is not a valid file.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Invalid {
    Truncated,
    Oversized,
    BadMagic,
    Checksum { stored: u32, computed: u32 },
}

/// The mark in `bytes` (0: no mark yet).
pub(crate) fn decode(bytes: &[u8]) -> Result<u64, Invalid> {
    if bytes.len() < LEN {
        return Err(Invalid::Truncated);
    }
    if bytes.len() > LEN {
        return Err(Invalid::Oversized);
    }
    if bytes[..8] != MAGIC {
        return Err(Invalid::BadMagic);
    }
    let mut stored = [0_u8; 4];
    stored.copy_from_slice(&bytes[16..]);
    let stored = u32::from_le_bytes(stored);
    let computed = crc32(&bytes[..16]);
    if stored != computed {
        return Err(Invalid::Checksum { stored, computed });
    }
    let mut mark = [0_u8; 8];
    mark.copy_from_slice(&bytes[8..16]);
    Ok(u64::from_le_bytes(mark))
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as in zlib and PNG.
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC (the CRC RevEng catalogue).
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn round_trip_and_every_single_bit_flip_is_caught() {
        let bytes = encode(0x0123_4567_89AB_CDEF);
        assert_eq!(decode(&bytes), Ok(0x0123_4567_89AB_CDEF));
        for bit in 0..LEN * 8 {
            let mut flipped = bytes;
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(decode(&flipped).is_err(), "bit {bit} flip undetected");
        }
    }
}
