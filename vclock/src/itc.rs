//! Interval tree clocks: causality tracking for a changing set of participants.

use alloc::boxed::Box;
use alloc::vec::Vec;

use thiserror::Error;

use crate::error::DecodeError;

/// How a stamp's share of the id space is described: nothing, everything, or a split
/// into a left and a right half, each described the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Id {
    Zero,
    One,
    Node(Box<Id>, Box<Id>),
}

/// The event tree: a counter per part of the id space, each node's value relative to
/// its parent's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Event {
    Leaf(u64),
    Node(u64, Box<Event>, Box<Event>),
}

/// An operation on interval tree clock stamps that cannot be carried out. The stamps
/// involved are unchanged.
///
/// # Examples
///
/// ```
/// use ward_vclock::{Itc, ItcError};
///
/// let mut message = Itc::seed().peek();
/// assert_eq!(message.event(), Err(ItcError::Anonymous));
/// assert_eq!(
///     ItcError::Anonymous.to_string(),
///     "anonymous stamp: it owns no part of the id space, so it cannot record events",
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub enum ItcError {
    /// The stamp owns no part of the id space (it was made by [`Itc::peek`] or forked
    /// from such a stamp), so it cannot record events.
    #[error("anonymous stamp: it owns no part of the id space, so it cannot record events")]
    Anonymous,
    /// The two stamps own overlapping parts of the id space, so they do not come from
    /// one fork tree (or one of them was joined already) and cannot be joined.
    #[error("overlapping ids: both stamps own part of the same interval")]
    OverlappingIds,
    /// Recording an event would take a counter past `u64::MAX`.
    #[error("counter overflow: the stamp's counter is already {counter}")]
    CounterOverflow {
        /// The counter that could not be advanced.
        counter: u64,
    },
}

/// An interval tree clock stamp: a logical clock for a system whose participants come
/// and go, without global ids and without an entry per participant ever seen.
///
/// A vector clock needs a unique id per participant and keeps an entry for each one
/// forever. An interval tree clock instead divides the interval `[0, 1)` among the
/// participants: [`seed`](Self::seed) owns all of it, [`fork`](Self::fork) splits a
/// stamp's share in two for a new participant, and [`join`](Self::join) merges two
/// stamps, their shares and their histories, for example when a participant retires
/// into another. Each stamp records events in the part of the interval it owns
/// ([`event`](Self::event)), as a tree of counters over the interval, and
/// [`leq`](Self::leq) compares the histories: `a.leq(&b)` exactly when every event `a`
/// knows, `b` knows too. Messages carry anonymous copies ([`peek`](Self::peek)); a
/// receiver joins them in.
///
/// Trees are kept in normal form (no node whose halves are equal leaves, every node's
/// counter as large as it can be), so equal histories and shares are equal values,
/// and the size of a stamp follows the number of current participants and how
/// unevenly they divided the interval, not the number that ever existed.
///
/// This is the mechanism of *Interval Tree Clocks: A Logical Clock for Dynamic
/// Systems* (Almeida, Baquero, Fonte, 2008), written from its definitions: `fork`,
/// `join`, `event`, `peek` and `leq`, with `fill` and `grow` for events and the
/// normal forms of ids and event trees.
///
/// # Examples
///
/// ```
/// use ward_vclock::Itc;
///
/// let (mut a, mut b) = Itc::seed().fork();
/// a.event()?;
/// b.event()?;
/// assert!(!a.leq(&b) && !b.leq(&a));            // concurrent
///
/// // `a` sends a message; `b` receives it.
/// let message = a.peek();
/// b = b.join(message)?;
/// assert!(a.leq(&b));
///
/// // `a` retires into `b`: the ids merge back.
/// let merged = b.join(a)?;
/// assert_eq!(merged.to_bytes().len(), 1);
/// # Ok::<(), ward_vclock::ItcError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct Itc {
    id: Id,
    event: Event,
}

impl Itc {
    /// The deepest nesting of id and event trees that [`from_bytes`](Self::from_bytes)
    /// and serde accept: enough for any id forked 512 times along one branch, and a
    /// bound on the recursion that a hostile input could otherwise drive to a stack
    /// overflow.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DecodeError, Itc};
    ///
    /// // 2 bits open one more id node: 600 of them nest too deep.
    /// let hostile = vec![0b1010_1010_u8; 150];
    /// assert!(matches!(Itc::from_bytes(&hostile), Err(DecodeError::TooDeep { max: 512, .. })));
    /// ```
    pub const MAX_DEPTH: usize = 512;

    /// The first stamp: owns the whole id space, knows no event.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// let seed = Itc::seed();
    /// assert!(!seed.is_anonymous());
    /// assert!(seed.leq(&seed.peek()));
    /// ```
    pub fn seed() -> Self {
        Self {
            id: Id::One,
            event: Event::Leaf(0),
        }
    }

    /// Splits the stamp's share of the id space into two halves: two stamps with the
    /// same history, for the participant and a new one. Forking an anonymous stamp
    /// yields two anonymous stamps.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// let seed = Itc::seed();
    /// let (a, b) = seed.clone().fork();
    /// assert!(a.leq(&b) && b.leq(&a));               // same history
    /// assert_eq!(a.join(b)?, seed);                   // fork then join: the identity
    /// # Ok::<(), ward_vclock::ItcError>(())
    /// ```
    #[must_use]
    pub fn fork(self) -> (Self, Self) {
        let (left, right) = self.id.split();
        (
            Self {
                id: left,
                event: self.event.clone(),
            },
            Self {
                id: right,
                event: self.event,
            },
        )
    }

    /// An anonymous copy: the same history, no share of the id space. Send it with a
    /// message; the receiver [`join`](Self::join)s it in.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// let message = Itc::seed().peek();
    /// assert!(message.is_anonymous());
    /// ```
    #[must_use]
    pub fn peek(&self) -> Self {
        Self {
            id: Id::Zero,
            event: self.event.clone(),
        }
    }

    /// Whether the stamp owns no part of the id space.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// assert!(!Itc::seed().is_anonymous());
    /// assert!(Itc::seed().peek().is_anonymous());
    /// ```
    pub fn is_anonymous(&self) -> bool {
        self.id == Id::Zero
    }

    /// Merges two stamps: the union of their shares of the id space and of their
    /// histories. Joining an anonymous stamp receives a message; joining two
    /// participants retires one into the other.
    ///
    /// # Errors
    ///
    /// [`ItcError::OverlappingIds`] if both stamps own part of the same interval.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Itc, ItcError};
    ///
    /// let (a, b) = Itc::seed().fork();
    /// assert_eq!(a.clone().join(a.clone()), Err(ItcError::OverlappingIds));
    /// assert_eq!(a.join(b)?, Itc::seed());
    /// # Ok::<(), ItcError>(())
    /// ```
    pub fn join(self, other: Self) -> Result<Self, ItcError> {
        let id = Id::sum(self.id, other.id)?;
        Ok(Self {
            id,
            event: Event::join(&self.event, &other.event),
        })
    }

    /// Records a new event in the stamp's share of the id space. The new history
    /// strictly follows the old one; among the ways to do that the smallest tree is
    /// chosen (*fill* where the share allows, *grow* otherwise).
    ///
    /// # Errors
    ///
    /// [`ItcError::Anonymous`] for a stamp without a share;
    /// [`ItcError::CounterOverflow`] if the stamp's largest counter is already
    /// `u64::MAX`. The stamp is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// let mut stamp = Itc::seed();
    /// let before = stamp.clone();
    /// stamp.event()?;
    /// assert!(before.leq(&stamp) && !stamp.leq(&before));
    /// # Ok::<(), ward_vclock::ItcError>(())
    /// ```
    pub fn event(&mut self) -> Result<(), ItcError> {
        if self.is_anonymous() {
            return Err(ItcError::Anonymous);
        }
        // A new event raises some counter by at most one past the largest.
        let top = self.event.max();
        if top == u64::MAX {
            return Err(ItcError::CounterOverflow { counter: top });
        }
        let filled = fill(&self.id, &self.event);
        if filled != self.event {
            self.event = filled;
            return Ok(());
        }
        let (grown, _) = grow(&self.id, &self.event)?;
        self.event = grown;
        Ok(())
    }

    /// Whether every event `self` knows, `other` knows too (the causal order on
    /// histories; shares of the id space play no part).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// let (mut a, b) = Itc::seed().fork();
    /// assert!(a.leq(&b) && b.leq(&a));
    /// a.event()?;
    /// assert!(b.leq(&a) && !a.leq(&b));
    /// # Ok::<(), ward_vclock::ItcError>(())
    /// ```
    pub fn leq(&self, other: &Self) -> bool {
        leq(&self.event, 0, &other.event, 0)
    }

    /// The compact binary encoding: the id tree, then the event tree, as a bit string
    /// padded with zeros to whole bytes.
    ///
    /// Id nodes take two bits (`00` nothing, `01` everything, `10` a split followed by
    /// its halves); event nodes one bit (`0` a leaf, `1` a node followed by its two
    /// subtrees) and then the node's counter `n` as the Elias gamma code of `n + 1`
    /// (one bit for 0, three for 1 and 2). The seed is one byte; a stamp grows with
    /// the number of current participants, not with those that left.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::Itc;
    ///
    /// let (mut a, _b) = Itc::seed().fork();
    /// a.event()?;
    /// let bytes = a.to_bytes();
    /// assert_eq!(Itc::from_bytes(&bytes), Ok(a));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = BitWriter::default();
        self.id.encode(&mut w);
        self.event.encode(&mut w);
        w.bytes
    }

    /// Decodes [`to_bytes`](Self::to_bytes), accepting exactly what it writes: trees
    /// in normal form, counters whose sums along every path fit in `u64`, and zero
    /// padding, nested at most [`MAX_DEPTH`](Self::MAX_DEPTH) levels (an id forked more
    /// often than that along one branch, without joins, cannot be decoded).
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`], [`DecodeError::InvalidTag`],
    /// [`DecodeError::NotNormal`], [`DecodeError::CounterTooLarge`],
    /// [`DecodeError::TooDeep`] or [`DecodeError::TrailingBits`], with the bit position
    /// where decoding stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DecodeError, Itc};
    ///
    /// assert_eq!(Itc::from_bytes(&Itc::seed().to_bytes()), Ok(Itc::seed()));
    /// assert_eq!(Itc::from_bytes(&[]), Err(DecodeError::Truncated { bit: 0 }));
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = BitReader { bytes, bit: 0 };
        let id = Id::decode(&mut r, 0)?;
        let event = Event::decode(&mut r, 0, 0)?;
        r.finish()?;
        Ok(Self { id, event })
    }
}

impl Id {
    /// The id of two halves, in normal form.
    fn node(left: Self, right: Self) -> Self {
        match (left, right) {
            (Self::Zero, Self::Zero) => Self::Zero,
            (Self::One, Self::One) => Self::One,
            (left, right) => Self::Node(Box::new(left), Box::new(right)),
        }
    }

    fn split(&self) -> (Self, Self) {
        match self {
            Self::Zero => (Self::Zero, Self::Zero),
            Self::One => (
                Self::node(Self::One, Self::Zero),
                Self::node(Self::Zero, Self::One),
            ),
            Self::Node(left, right) => match (&**left, &**right) {
                (Self::Zero, inner) => {
                    let (a, b) = inner.split();
                    (Self::node(Self::Zero, a), Self::node(Self::Zero, b))
                }
                (inner, Self::Zero) => {
                    let (a, b) = inner.split();
                    (Self::node(a, Self::Zero), Self::node(b, Self::Zero))
                }
                (left, right) => (
                    Self::node(left.clone(), Self::Zero),
                    Self::node(Self::Zero, right.clone()),
                ),
            },
        }
    }

    fn sum(a: Self, b: Self) -> Result<Self, ItcError> {
        match (a, b) {
            (Self::Zero, id) | (id, Self::Zero) => Ok(id),
            (Self::Node(l1, r1), Self::Node(l2, r2)) => {
                Ok(Self::node(Self::sum(*l1, *l2)?, Self::sum(*r1, *r2)?))
            }
            _ => Err(ItcError::OverlappingIds),
        }
    }

    fn encode(&self, w: &mut BitWriter) {
        match self {
            Self::Zero => w.bits(0b00, 2),
            Self::One => w.bits(0b01, 2),
            Self::Node(left, right) => {
                w.bits(0b10, 2);
                left.encode(w);
                right.encode(w);
            }
        }
    }

    fn decode(r: &mut BitReader<'_>, depth: usize) -> Result<Self, DecodeError> {
        let at = r.bit;
        match r.bits(2)? {
            0b00 => Ok(Self::Zero),
            0b01 => Ok(Self::One),
            0b10 => {
                let depth = deeper(depth, at)?;
                let left = Self::decode(r, depth)?;
                let right = Self::decode(r, depth)?;
                match (&left, &right) {
                    (Self::Zero, Self::Zero) | (Self::One, Self::One) => {
                        Err(DecodeError::NotNormal { bit: at })
                    }
                    _ => Ok(Self::Node(Box::new(left), Box::new(right))),
                }
            }
            _ => Err(DecodeError::InvalidTag { bit: at }),
        }
    }
}

impl Event {
    fn base(&self) -> u64 {
        match self {
            Self::Leaf(n) | Self::Node(n, _, _) => *n,
        }
    }

    /// The smallest counter anywhere in the tree, absolute.
    fn min(&self) -> u64 {
        match self {
            Self::Leaf(n) => *n,
            Self::Node(n, left, right) => n.saturating_add(left.min().min(right.min())),
        }
    }

    /// The largest counter anywhere in the tree, absolute.
    fn max(&self) -> u64 {
        match self {
            Self::Leaf(n) => *n,
            Self::Node(n, left, right) => n.saturating_add(left.max().max(right.max())),
        }
    }

    /// The tree with `m` added to (`lift`) its root counter. Counters of valid trees
    /// never overflow: every absolute counter fits in `u64`.
    fn lifted(&self, m: u64) -> Self {
        match self {
            Self::Leaf(n) => Self::Leaf(n.saturating_add(m)),
            Self::Node(n, left, right) => {
                Self::Node(n.saturating_add(m), left.clone(), right.clone())
            }
        }
    }

    fn sink(self, m: u64) -> Self {
        match self {
            Self::Leaf(n) => Self::Leaf(n - m.min(n)),
            Self::Node(n, left, right) => Self::Node(n - m.min(n), left, right),
        }
    }

    /// The node `(n, left, right)` in normal form.
    fn node(n: u64, left: Self, right: Self) -> Self {
        if let (Self::Leaf(a), Self::Leaf(b)) = (&left, &right)
            && a == b
        {
            return Self::Leaf(n.saturating_add(*a));
        }
        let m = left.min().min(right.min());
        Self::Node(
            n.saturating_add(m),
            Box::new(left.sink(m)),
            Box::new(right.sink(m)),
        )
    }

    fn join(a: &Self, b: &Self) -> Self {
        match (a, b) {
            (Self::Leaf(x), Self::Leaf(y)) => Self::Leaf(*x.max(y)),
            (Self::Leaf(x), Self::Node(..)) => Self::join(&Self::split_leaf(*x), b),
            (Self::Node(..), Self::Leaf(y)) => Self::join(a, &Self::split_leaf(*y)),
            (Self::Node(n1, l1, r1), Self::Node(n2, l2, r2)) => {
                if n1 > n2 {
                    return Self::join(b, a);
                }
                let d = n2 - n1;
                Self::node(
                    *n1,
                    Self::join(l1, &l2.lifted(d)),
                    Self::join(r1, &r2.lifted(d)),
                )
            }
        }
    }

    fn split_leaf(n: u64) -> Self {
        Self::Node(n, Box::new(Self::Leaf(0)), Box::new(Self::Leaf(0)))
    }

    fn encode(&self, w: &mut BitWriter) {
        match self {
            Self::Leaf(n) => {
                w.bits(0, 1);
                w.gamma(*n);
            }
            Self::Node(n, left, right) => {
                w.bits(1, 1);
                w.gamma(*n);
                left.encode(w);
                right.encode(w);
            }
        }
    }

    /// Decodes a tree whose ancestors' counters sum to `above`, `depth` levels down.
    fn decode(r: &mut BitReader<'_>, above: u64, depth: usize) -> Result<Self, DecodeError> {
        let at = r.bit;
        let node = r.bits(1)? == 1;
        let n = r.gamma()?;
        let absolute = above
            .checked_add(n)
            .ok_or(DecodeError::CounterTooLarge { bit: at })?;
        if !node {
            return Ok(Self::Leaf(n));
        }
        let depth = deeper(depth, at)?;
        let left = Self::decode(r, absolute, depth)?;
        let right = Self::decode(r, absolute, depth)?;
        let normal = left.min().min(right.min()) == 0
            && !matches!((&left, &right), (Self::Leaf(a), Self::Leaf(b)) if a == b);
        if !normal {
            return Err(DecodeError::NotNormal { bit: at });
        }
        Ok(Self::Node(n, Box::new(left), Box::new(right)))
    }
}

/// The depth of a node's children, refusing to go below [`Itc::MAX_DEPTH`].
fn deeper(depth: usize, bit: usize) -> Result<usize, DecodeError> {
    if depth >= Itc::MAX_DEPTH {
        return Err(DecodeError::TooDeep {
            bit,
            max: Itc::MAX_DEPTH,
        });
    }
    Ok(depth + 1)
}

/// Whether the history of `a` (its counters offset by `oa`) is below that of `b`.
fn leq(a: &Event, oa: u64, b: &Event, ob: u64) -> bool {
    match (a, b) {
        (Event::Leaf(x), _) => oa.saturating_add(*x) <= ob.saturating_add(b.base()),
        (Event::Node(..), Event::Leaf(y)) => oa.saturating_add(a.max()) <= ob.saturating_add(*y),
        (Event::Node(x, l1, r1), Event::Node(y, l2, r2)) => {
            let (ax, by) = (oa.saturating_add(*x), ob.saturating_add(*y));
            ax <= by && leq(l1, ax, l2, by) && leq(r1, ax, r2, by)
        }
    }
}

/// Raises the event tree as far as the id's share allows without growing the tree:
/// the parts the stamp owns alone are lifted to the largest counter around them.
fn fill(id: &Id, event: &Event) -> Event {
    match (id, event) {
        (Id::Zero, e) => e.clone(),
        (Id::One, e) => Event::Leaf(e.max()),
        (_, Event::Leaf(n)) => Event::Leaf(*n),
        (Id::Node(il, ir), Event::Node(n, el, er)) => match (&**il, &**ir) {
            (Id::One, ir) => {
                let right = fill(ir, er);
                let left = Event::Leaf(el.max().max(right.min()));
                Event::node(*n, left, right)
            }
            (il, Id::One) => {
                let left = fill(il, el);
                let right = Event::Leaf(er.max().max(left.min()));
                Event::node(*n, left, right)
            }
            (il, ir) => Event::node(*n, fill(il, el), fill(ir, er)),
        },
    }
}

/// The cost of expanding a leaf into a node when growing: large, so that growing
/// prefers any path that keeps the tree's shape.
const EXPAND: u64 = 1 << 32;

/// Adds one event where the id owns a part of the tree, choosing the cheapest place
/// (fewest nodes added, then shortest path); returns the tree and the cost.
fn grow(id: &Id, event: &Event) -> Result<(Event, u64), ItcError> {
    match (id, event) {
        (Id::Zero, _) => Err(ItcError::Anonymous),
        // Over a share of its own a stamp's tree is a leaf (fill makes it one); the
        // caller has checked that no counter is at the limit.
        (Id::One, e) => Ok((Event::Leaf(e.max().saturating_add(1)), 0)),
        (Id::Node(..), Event::Leaf(n)) => {
            let (grown, cost) = grow(id, &Event::split_leaf(*n))?;
            Ok((grown, cost.saturating_add(EXPAND)))
        }
        (Id::Node(il, ir), Event::Node(n, el, er)) => {
            let left = match &**il {
                Id::Zero => None,
                il => Some(grow(il, el)),
            };
            let right = match &**ir {
                Id::Zero => None,
                ir => Some(grow(ir, er)),
            };
            let go_left = match (&left, &right) {
                (Some(Ok((_, cl))), Some(Ok((_, cr)))) => cl < cr,
                (Some(Ok(_)), _) => true,
                (_, Some(Ok(_))) => false,
                (Some(Err(e)), _) | (_, Some(Err(e))) => return Err(*e),
                (None, None) => return Err(ItcError::Anonymous),
            };
            if go_left {
                let (grown, cost) = left.ok_or(ItcError::Anonymous)??;
                Ok((
                    Event::node(*n, grown, (**er).clone()),
                    cost.saturating_add(1),
                ))
            } else {
                let (grown, cost) = right.ok_or(ItcError::Anonymous)??;
                Ok((
                    Event::node(*n, (**el).clone(), grown),
                    cost.saturating_add(1),
                ))
            }
        }
    }
}

#[derive(Default)]
struct BitWriter {
    bytes: Vec<u8>,
    /// Bits used in the last byte (0 when a new byte is needed).
    used: u32,
}

impl BitWriter {
    /// Appends the low `count` bits of `value`, most significant first.
    fn bits(&mut self, value: u128, count: u32) {
        for i in (0..count).rev() {
            if self.used == 0 {
                self.bytes.push(0);
            }
            let bit = ((value >> i) & 1) as u8;
            if let Some(last) = self.bytes.last_mut() {
                *last |= bit << (7 - self.used);
            }
            self.used = (self.used + 1) % 8;
        }
    }

    /// Elias gamma code of `n + 1`: as many zeros as its binary length less one, then
    /// the binary digits.
    fn gamma(&mut self, n: u64) {
        let x = u128::from(n) + 1;
        let len = 128 - x.leading_zeros();
        self.bits(0, len - 1);
        self.bits(x, len);
    }
}

struct BitReader<'a> {
    bytes: &'a [u8],
    bit: usize,
}

impl BitReader<'_> {
    fn bits(&mut self, count: u32) -> Result<u128, DecodeError> {
        let mut value = 0_u128;
        for _ in 0..count {
            let byte = self
                .bytes
                .get(self.bit / 8)
                .ok_or(DecodeError::Truncated { bit: self.bit })?;
            let bit = (byte >> (7 - self.bit % 8)) & 1;
            value = (value << 1) | u128::from(bit);
            self.bit += 1;
        }
        Ok(value)
    }

    fn gamma(&mut self) -> Result<u64, DecodeError> {
        let at = self.bit;
        let mut zeros = 0;
        while self.bits(1)? == 0 {
            zeros += 1;
            if zeros > 64 {
                return Err(DecodeError::CounterTooLarge { bit: at });
            }
        }
        let x = (1_u128 << zeros) | self.bits(zeros)?;
        u64::try_from(x - 1).map_err(|_| DecodeError::CounterTooLarge { bit: at })
    }

    /// Checks that only zero padding, less than a byte, follows.
    fn finish(&mut self) -> Result<(), DecodeError> {
        let at = self.bit;
        if self.bytes.len() != at.div_ceil(8) {
            return Err(DecodeError::TrailingBits { bit: at });
        }
        while !self.bit.is_multiple_of(8) {
            if self.bits(1)? != 0 {
                return Err(DecodeError::TrailingBits { bit: at });
            }
        }
        Ok(())
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Itc;

    /// Encoded as the bytes of [`Itc::to_bytes`].
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl Serialize for Itc {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.serialize_bytes(&self.to_bytes())
        }
    }

    /// Accepts exactly what [`Itc::from_bytes`] accepts.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de> Deserialize<'de> for Itc {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let bytes = Vec::<u8>::deserialize(deserializer)?;
            Itc::from_bytes(&bytes).map_err(D::Error::custom)
        }
    }
}
