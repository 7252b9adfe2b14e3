//! The fencing token: a non-zero, totally ordered `u64` and the parsers for its usual sources.

use core::fmt;
use core::num::NonZeroU64;
use core::str::FromStr;

/// Number of decimal digits ZooKeeper appends to a sequential node's name (`%010d`).
const ZK_SEQUENCE_DIGITS: usize = 10;

/// A fencing token: a positive number that grows every time a new holder is granted a lock
/// or a leadership term.
///
/// The storage side keeps the highest token it has admitted (its *high-water mark*) and
/// refuses every write that carries a lower one. Zero is never a valid token, so an
/// uninitialised or defaulted number can never pass for one; `Option<FencingToken>` is the
/// same size as `u64`.
///
/// # Where tokens come from
///
/// A token is only as good as its source: it must come from a linearizable service and grow
/// strictly with every new grant. Safe sources:
///
/// - **etcd**: the `create_revision` of the election or lock key (what etcd's own election and
///   lock APIs expose as the leader key's revision), or its `mod_revision` at the moment the
///   lock was taken. Revisions are cluster-wide, strictly increasing and never reused. See
///   [`FencingToken::from_etcd_revision`].
/// - **ZooKeeper**: the sequence number of the ephemeral sequential node that won the
///   election ([`FencingToken::from_zookeeper_sequential`]), compared only among children of
///   the same parent and only while that parent is never deleted (the counter starts again
///   at 0 when the parent is re-created, as container and TTL parents are), or the node's
///   `czxid` ([`FencingToken::from_zookeeper_zxid`]), which is ordered across the whole
///   ensemble and is the safer choice.
/// - A consensus log's term or epoch (Raft term, Paxos ballot) when the storage is driven by
///   that log.
///
/// Unsafe sources, which must never be used as tokens:
///
/// - **etcd lease ids**: identifiers, not counters; a later lease may get a smaller id.
/// - **ZooKeeper znode `version`** (`dataVersion`): counts changes to one node and restarts at
///   zero when the node is deleted and re-created, which is exactly what happens on every
///   re-election with ephemeral nodes.
/// - **Session ids, wall-clock time, random ids**: not ordered by grant, or not ordered at all.
///
/// # Examples
///
/// ```
/// use ward_fencing::FencingToken;
///
/// let old = FencingToken::new(33).unwrap();
/// let new = FencingToken::from_zookeeper_sequential("/election/candidate-0000000034").unwrap();
/// assert!(old < new);
/// assert_eq!(new.to_string(), "34");
/// assert!(FencingToken::new(0).is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(try_from = "u64", into = "u64"))]
pub struct FencingToken(NonZeroU64);

impl FencingToken {
    /// The smallest token, `1`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FencingToken;
    ///
    /// assert_eq!(FencingToken::MIN.get(), 1);
    /// ```
    pub const MIN: Self = Self(NonZeroU64::MIN);

    /// The largest token, `u64::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FencingToken;
    ///
    /// assert_eq!(FencingToken::MAX.get(), u64::MAX);
    /// ```
    pub const MAX: Self = Self(NonZeroU64::MAX);

    /// Makes a token from a raw number.
    ///
    /// # Errors
    ///
    /// [`TokenError::Zero`] if `value` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, TokenError};
    ///
    /// assert_eq!(FencingToken::new(7).unwrap().get(), 7);
    /// assert_eq!(FencingToken::new(0), Err(TokenError::Zero));
    /// ```
    #[inline]
    pub const fn new(value: u64) -> Result<Self, TokenError> {
        match NonZeroU64::new(value) {
            Some(v) => Ok(Self(v)),
            None => Err(TokenError::Zero),
        }
    }

    /// Makes a token from a number that is already known to be non-zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::num::NonZeroU64;
    /// use ward_fencing::FencingToken;
    ///
    /// let token = FencingToken::from_non_zero(NonZeroU64::new(9).unwrap());
    /// assert_eq!(token.get(), 9);
    /// ```
    pub const fn from_non_zero(value: NonZeroU64) -> Self {
        Self(value)
    }

    /// The token as a plain number (never zero).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FencingToken;
    ///
    /// assert_eq!(FencingToken::new(42).unwrap().get(), 42);
    /// ```
    #[inline]
    pub const fn get(self) -> u64 {
        self.0.get()
    }

    /// The token as a [`NonZeroU64`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FencingToken;
    ///
    /// assert_eq!(FencingToken::MIN.as_non_zero().get(), 1);
    /// ```
    pub const fn as_non_zero(self) -> NonZeroU64 {
        self.0
    }

    /// The next token, or `None` at [`FencingToken::MAX`].
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FencingToken;
    ///
    /// assert_eq!(FencingToken::MIN.checked_next().unwrap().get(), 2);
    /// assert_eq!(FencingToken::MAX.checked_next(), None);
    /// ```
    pub const fn checked_next(self) -> Option<Self> {
        match self.0.checked_add(1) {
            Some(v) => Some(Self(v)),
            None => None,
        }
    }

    /// Makes a token from an etcd revision (`create_revision` or `mod_revision` of the lock
    /// or election key).
    ///
    /// etcd revisions are `int64` values that start at 1 and grow with every write to the
    /// cluster, so any positive revision is a valid token. Do not pass a lease id: see the
    /// type documentation.
    ///
    /// # Errors
    ///
    /// [`TokenError::NotPositive`] if `revision` is zero or negative.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, TokenError};
    ///
    /// assert_eq!(FencingToken::from_etcd_revision(1_024).unwrap().get(), 1_024);
    /// assert_eq!(
    ///     FencingToken::from_etcd_revision(-3),
    ///     Err(TokenError::NotPositive { value: -3 })
    /// );
    /// ```
    pub const fn from_etcd_revision(revision: i64) -> Result<Self, TokenError> {
        if revision <= 0 {
            return Err(TokenError::NotPositive { value: revision });
        }
        #[allow(clippy::cast_sign_loss)] // checked positive just above
        let value = revision as u64;
        Self::new(value)
    }

    /// Makes a token from a ZooKeeper transaction id, such as a node's `czxid`.
    ///
    /// A zxid is a signed 64-bit number: the leader epoch in the high 32 bits and a counter in
    /// the low 32 bits. It grows with every transaction across the whole ensemble, so the
    /// `czxid` of the node that won an election orders leaders even across parents.
    ///
    /// # Errors
    ///
    /// [`TokenError::NotPositive`] if `zxid` is zero or negative.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::FencingToken;
    ///
    /// let czxid = (5_i64 << 32) | 17; // epoch 5, counter 17
    /// assert_eq!(FencingToken::from_zookeeper_zxid(czxid).unwrap().get(), 0x5_0000_0011);
    /// assert!(FencingToken::from_zookeeper_zxid(0).is_err());
    /// ```
    pub const fn from_zookeeper_zxid(zxid: i64) -> Result<Self, TokenError> {
        Self::from_etcd_revision(zxid)
    }

    /// Parses the sequence number at the end of a ZooKeeper sequential node's path, such as
    /// `/election/candidate-0000000042` (token 42).
    ///
    /// ZooKeeper names a sequential node by appending its parent's child counter (the
    /// parent's `cversion`, which counts child creations and deletions), formatted as
    /// `%010d`, to the requested path. The counter is a signed 32-bit integer that starts
    /// at 0; after 2 147 483 647 it wraps to negative numbers and the names stop sorting in
    /// creation order. This parser therefore accepts exactly ten trailing ASCII digits with a
    /// value from 1 to 2 147 483 647 and rejects everything else with a typed error.
    ///
    /// Without the requested prefix, one case cannot be told apart: a name whose ten digits
    /// are at least 1 000 000 000 and are preceded by `-` may be a positive counter after a
    /// prefix ending in `-` (`lock-1500000000`) or a wrapped negative counter after a prefix
    /// without one (`lock` + `-1500000000`). That case is rejected as
    /// [`TokenError::AmbiguousSign`]; use
    /// [`FencingToken::from_zookeeper_sequential_with_prefix`], which has the answer.
    ///
    /// Sequence numbers are only ordered among children of the same parent node, and only
    /// while that node lives: the counter belongs to the parent and starts again at 0 when the
    /// parent is deleted and created again. Container nodes (which lock and election recipes
    /// often create as parents) are deleted by the server once their last child is gone, and
    /// TTL nodes when they expire; under such a parent a new holder can get a *lower* number
    /// than a paused one. Use the winning node's `czxid`
    /// ([`FencingToken::from_zookeeper_zxid`]) unless the parent is a plain persistent node
    /// that is never deleted.
    ///
    /// # Errors
    ///
    /// - [`TokenError::NotSequential`] if the name does not end in ten ASCII digits.
    /// - [`TokenError::Wrapped`] if the counter has visibly wrapped to a negative number.
    /// - [`TokenError::AmbiguousSign`] for the ambiguous case above.
    /// - [`TokenError::Zero`] for sequence 0, the first child ever created under the parent.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, TokenError};
    ///
    /// let token = FencingToken::from_zookeeper_sequential("/election/candidate-0000000042");
    /// assert_eq!(token.unwrap().get(), 42);
    ///
    /// // The counter wrapped past i32::MAX: the name no longer sorts after older ones.
    /// assert_eq!(
    ///     FencingToken::from_zookeeper_sequential("/election/candidate--2147483648"),
    ///     Err(TokenError::Wrapped { sequence: -2_147_483_648 })
    /// );
    /// assert!(FencingToken::from_zookeeper_sequential("/election/candidate").is_err());
    /// ```
    pub fn from_zookeeper_sequential(name: &str) -> Result<Self, TokenError> {
        let bytes = name.as_bytes();
        let Some(split) = bytes.len().checked_sub(ZK_SEQUENCE_DIGITS) else {
            return Err(TokenError::NotSequential);
        };
        let suffix = &bytes[split..];
        if let Some(err) = negative_short_form(suffix) {
            return Err(err);
        }
        let digits = parse_digits(suffix).ok_or(TokenError::NotSequential)?;
        let preceded_by_minus = split > 0 && bytes[split - 1] == b'-';
        if digits > i32::MAX as u64 {
            return Err(if preceded_by_minus {
                wrapped_or_malformed(digits)
            } else {
                TokenError::SequenceOutOfRange { value: digits }
            });
        }
        if preceded_by_minus && digits >= 1_000_000_000 {
            return Err(TokenError::AmbiguousSign { digits });
        }
        Self::new(digits)
    }

    /// Parses a ZooKeeper sequential node's path given the exact path that was passed to
    /// `create` (for example `/election/candidate-`).
    ///
    /// With the prefix known, the suffix is the whole counter as ZooKeeper formatted it, so a
    /// wrapped (negative) counter is always recognised. Prefer this parser whenever the
    /// requested path is at hand.
    ///
    /// # Errors
    ///
    /// - [`TokenError::PrefixMismatch`] if `name` does not start with `prefix`.
    /// - [`TokenError::Wrapped`] if the suffix is a negative counter.
    /// - [`TokenError::NotSequential`] if the suffix is not ten ASCII digits.
    /// - [`TokenError::SequenceOutOfRange`] if the ten digits exceed `i32::MAX`.
    /// - [`TokenError::Zero`] for sequence 0.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, TokenError};
    ///
    /// let name = "/election/candidate-1500000000";
    /// let token = FencingToken::from_zookeeper_sequential_with_prefix(name, "/election/candidate-");
    /// assert_eq!(token.unwrap().get(), 1_500_000_000);
    ///
    /// let wrapped = FencingToken::from_zookeeper_sequential_with_prefix(name, "/election/candidate");
    /// assert_eq!(wrapped, Err(TokenError::Wrapped { sequence: -1_500_000_000 }));
    /// ```
    pub fn from_zookeeper_sequential_with_prefix(
        name: &str,
        prefix: &str,
    ) -> Result<Self, TokenError> {
        let suffix = name
            .strip_prefix(prefix)
            .ok_or(TokenError::PrefixMismatch)?
            .as_bytes();
        if let Some(magnitude) = suffix.strip_prefix(b"-") {
            // `%010d` of a negative number: a sign and nine digits (zero-padded), or a sign and
            // ten digits without padding (magnitudes of 10^9 and above).
            let padded_as_zookeeper = match magnitude.len() {
                9 => true,
                ZK_SEQUENCE_DIGITS => magnitude[0] != b'0',
                _ => false,
            };
            return Err(match parse_digits(magnitude) {
                Some(m) if padded_as_zookeeper => wrapped_or_malformed(m),
                _ => TokenError::NotSequential,
            });
        }
        if suffix.len() != ZK_SEQUENCE_DIGITS {
            return Err(TokenError::NotSequential);
        }
        let digits = parse_digits(suffix).ok_or(TokenError::NotSequential)?;
        if digits > i32::MAX as u64 {
            return Err(TokenError::SequenceOutOfRange { value: digits });
        }
        Self::new(digits)
    }
}

/// `%010d` of a counter between -999 999 999 and -1 is `-` followed by nine digits: the last
/// ten characters of the name start with the sign.
fn negative_short_form(suffix: &[u8]) -> Option<TokenError> {
    let magnitude = suffix.strip_prefix(b"-")?;
    let m = parse_digits(magnitude)?;
    Some(wrapped_or_malformed(m))
}

/// The error for a negative counter of magnitude `m`, or `NotSequential` when no 32-bit
/// counter has that magnitude.
fn wrapped_or_malformed(m: u64) -> TokenError {
    if m == 0 || m > 1 << 31 {
        TokenError::NotSequential
    } else {
        #[allow(clippy::cast_possible_wrap)] // m <= 2^31
        TokenError::Wrapped {
            sequence: -(m as i64),
        }
    }
}

/// Parses a non-empty run of ASCII digits of at most 19 characters (fits `u64`).
fn parse_digits(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut value: u64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
    }
    Some(value)
}

impl fmt::Display for FencingToken {
    /// Writes the token as a plain decimal number.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for FencingToken {
    type Err = TokenError;

    /// Parses exactly what `Display` writes: ASCII decimal digits without a sign, without
    /// leading zeros and without surrounding space, with a value from 1 to `u64::MAX`.
    ///
    /// `"0"` is [`TokenError::Zero`]; anything else that `Display` never writes (`"+5"`,
    /// `"0005"`, `" 5"`, `""`, a value above `u64::MAX`) is [`TokenError::NotANumber`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bytes = s.as_bytes();
        match bytes {
            [b'0'] => return Err(TokenError::Zero),
            [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) => {}
            _ => return Err(TokenError::NotANumber),
        }
        let mut value: u64 = 0;
        for &b in bytes {
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(u64::from(b - b'0')))
                .ok_or(TokenError::NotANumber)?;
        }
        Self::new(value)
    }
}

impl TryFrom<u64> for FencingToken {
    type Error = TokenError;

    fn try_from(value: u64) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<NonZeroU64> for FencingToken {
    fn from(value: NonZeroU64) -> Self {
        Self(value)
    }
}

impl From<FencingToken> for u64 {
    fn from(token: FencingToken) -> Self {
        token.get()
    }
}

impl From<FencingToken> for NonZeroU64 {
    fn from(token: FencingToken) -> Self {
        token.0
    }
}

/// Why a number or a name is not a valid fencing token.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, TokenError};
///
/// let err = FencingToken::from_etcd_revision(0).unwrap_err();
/// assert_eq!(err, TokenError::NotPositive { value: 0 });
/// assert_eq!(err.to_string(), "source value 0 is not positive");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenError {
    /// The value is zero; zero is never a valid token.
    #[error("zero is never a valid fencing token")]
    Zero,
    /// A signed source value (etcd revision, ZooKeeper zxid) is zero or negative.
    #[error("source value {value} is not positive")]
    NotPositive {
        /// The value that was presented.
        value: i64,
    },
    /// The text is not a token as `Display` writes it: decimal digits without sign or leading
    /// zeros, fitting in a `u64`.
    #[error("not a decimal number without sign or leading zeros in the range of u64")]
    NotANumber,
    /// The node name does not end in ZooKeeper's ten-digit sequence suffix.
    #[error("node name does not end in a ten-digit sequence number")]
    NotSequential,
    /// The node name does not start with the prefix that was passed to `create`.
    #[error("node name does not start with the requested prefix")]
    PrefixMismatch,
    /// The parent's 32-bit sequence counter has wrapped to a negative number; such names no
    /// longer sort in creation order and cannot serve as tokens.
    #[error("sequence counter wrapped to {sequence}; names no longer sort in creation order")]
    Wrapped {
        /// The negative counter value.
        sequence: i64,
    },
    /// Ten digits with a value above `i32::MAX`, which a ZooKeeper counter never produces.
    #[error("sequence {value} is above the 32-bit counter's maximum 2147483647")]
    SequenceOutOfRange {
        /// The value of the ten digits.
        value: u64,
    },
    /// Ten digits of at least 1 000 000 000 preceded by `-`: either a positive counter after a
    /// prefix ending in `-` or a wrapped negative counter. Parse with the requested prefix.
    #[error(
        "sequence {digits} preceded by '-' may be a wrapped negative counter; parse with the requested prefix"
    )]
    AmbiguousSign {
        /// The value of the ten digits.
        digits: u64,
    },
}
