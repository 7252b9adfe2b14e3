//! A timestamp made unique across nodes, for last-write-wins.

use core::fmt;
use core::str::FromStr;

use crate::timestamp::{ParseTimestampError, Timestamp, TimestampError};

/// A [`Timestamp`] plus the id of the node that issued it: unique across a cluster and
/// totally ordered, for last-write-wins.
///
/// Two nodes can issue the same timestamp (their clocks and counters are independent),
/// so a timestamp alone cannot decide between two concurrent writes. A stamp can, as
/// long as node ids are unique.
///
/// # Order and tie-break
///
/// Stamps compare by timestamp first; when the timestamps are equal, the **larger node
/// id wins** (compares greater). This is the derived [`Ord`] on `(timestamp, node)`, so
/// every replica picks the same winner.
///
/// # Forms
///
/// The wire form is 16 bytes: the timestamp's 8 big-endian bytes then the node id's 8
/// big-endian bytes, so byte-wise order is stamp order. The text form is the timestamp,
/// `@`, and the node id in decimal without leading zeros:
/// `2024-05-01T12:00:00.000250Z/3@17`; the parser accepts what `Display` prints, and
/// for the timestamp part whatever [`Timestamp`]'s parser accepts (it also reads 0 to 9
/// fractional digits, so `1970-01-01T00:00:00Z/0@1` parses); the node id must have no
/// leading zeros.
/// With the `serde` feature a stamp is a struct of `timestamp` and `node`, and unknown
/// fields are refused. Every decoder refuses the timestamp value left out of the range
/// ([`Timestamp::EXCLUDED_U64`]), which also makes `Option<Stamp>` 16 bytes.
///
/// # Examples
///
/// ```
/// use ward_hlc::{Stamp, Timestamp};
///
/// let ts = Timestamp::new(1_714_564_800_000_250, 3)?;
/// let a = Stamp::new(ts, 17);
/// let b = Stamp::new(ts, 4);
/// assert!(a > b, "equal timestamps: the larger node id wins");
/// assert_eq!(a.to_string(), "2024-05-01T12:00:00.000250Z/3@17");
/// assert_eq!(a.to_string().parse::<Stamp>()?, a);
/// assert_eq!(Stamp::from_be_bytes(a.to_be_bytes())?, a);
/// assert_eq!(size_of::<Option<Stamp>>(), 16);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields))]
pub struct Stamp {
    /// The hybrid timestamp; compared first.
    pub timestamp: Timestamp,
    /// The issuing node's id; breaks ties between equal timestamps.
    pub node: u64,
}

impl Stamp {
    /// Pairs a timestamp with the id of the node that issued it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Stamp, Timestamp};
    ///
    /// let s = Stamp::new(Timestamp::MIN, 1);
    /// assert_eq!(s.node, 1);
    /// ```
    pub const fn new(timestamp: Timestamp, node: u64) -> Stamp {
        Stamp { timestamp, node }
    }

    /// The 16-byte big-endian wire form.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Stamp, Timestamp};
    ///
    /// let bytes = Stamp::new(Timestamp::from_u64(1)?, 2).to_be_bytes();
    /// assert_eq!(bytes[7], 1);
    /// assert_eq!(bytes[15], 2);
    /// # Ok::<(), ward_hlc::TimestampError>(())
    /// ```
    pub const fn to_be_bytes(self) -> [u8; 16] {
        ((self.timestamp.as_u64() as u128) << 64 | self.node as u128).to_be_bytes()
    }

    /// Reads the 16-byte wire form.
    ///
    /// # Errors
    ///
    /// [`TimestampError::Excluded`] when the first 8 bytes are all `0xff`, the timestamp
    /// value left out of the range; any node id and every other timestamp are valid.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_hlc::{Stamp, Timestamp, TimestampError};
    ///
    /// let s = Stamp::new(Timestamp::from_u64(77)?, 5);
    /// assert_eq!(Stamp::from_be_bytes(s.to_be_bytes())?, s);
    /// assert_eq!(Stamp::from_be_bytes([0xff; 16]), Err(TimestampError::Excluded));
    /// # Ok::<(), TimestampError>(())
    /// ```
    pub const fn from_be_bytes(bytes: [u8; 16]) -> Result<Stamp, TimestampError> {
        let v = u128::from_be_bytes(bytes);
        match Timestamp::from_u64((v >> 64) as u64) {
            Ok(timestamp) => Ok(Stamp {
                timestamp,
                node: v as u64,
            }),
            Err(e) => Err(e),
        }
    }
}

impl fmt::Display for Stamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.timestamp, self.node)
    }
}

impl FromStr for Stamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Stamp, ParseTimestampError> {
        let Some((ts, node)) = s.split_once('@') else {
            return Err(ParseTimestampError::Malformed { at: s.len() });
        };
        let timestamp = ts.parse()?;
        let bad = ParseTimestampError::Malformed { at: ts.len() + 1 };
        // Canonical decimal, as `Display` prints it: digits only, no leading zero.
        if node.is_empty()
            || !node.bytes().all(|b| b.is_ascii_digit())
            || (node.len() > 1 && node.starts_with('0'))
        {
            return Err(bad);
        }
        let node = node.parse().map_err(|_| bad)?;
        Ok(Stamp { timestamp, node })
    }
}
