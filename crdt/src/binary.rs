//! A compact, versioned binary encoding for every state of this crate.

use alloc::string::String;
use alloc::vec::Vec;

use ward_vclock::{Dot, DotContext, DotRange, VClock};

use crate::error::DecodeError;
use crate::gcounter::GCounter;
use crate::lww::LwwRegister;
use crate::mvreg::MvRegister;
use crate::orset::{Digest, OrSet};
use crate::pncounter::PnCounter;

/// The encoding version [`to_bytes`] writes and [`from_bytes`] accepts.
///
/// Version 2 writes a causal context's cloud as runs of consecutive dots; version 1
/// (dot by dot) is no longer read.
pub const BINARY_VERSION: u8 = 2;

/// A value with a compact binary form: the states of this crate, and the element,
/// actor and stamp types they are usually built from.
///
/// Integers are LEB128 varints (signed ones zigzag-encoded), strings and sequences
/// are a varint length followed by their items, `Option` is a tag byte (0 or 1) and a
/// tuple is its fields in order. Decoding validates exactly as the `TryFrom`
/// conversions and serde do, so it accepts only canonical states. A forged length
/// cannot make it allocate ahead: a sequence reserves room for at most 1,024 items before
/// they are decoded, and grows only with items that are really in the input. What it
/// holds is still proportional to the input, by the ratio of an item's size in memory
/// to its smallest encoding (an empty `String` is 24 bytes in memory, 1 byte encoded):
/// bound the input's length where that matters.
///
/// Use [`to_bytes`] and [`from_bytes`], which add and check the version byte.
///
/// # Examples
///
/// ```
/// use ward_crdt::{Binary, DecodeError};
///
/// let mut out = Vec::new();
/// 300_u64.encode(&mut out);
/// assert_eq!(out, [0xac, 0x02]);
/// assert_eq!(u64::decode(&mut &out[..])?, 300);
/// # Ok::<(), DecodeError>(())
/// ```
pub trait Binary: Sized {
    /// Appends the encoding of `self` to `out`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::Binary;
    ///
    /// let mut out = Vec::new();
    /// String::from("hi").encode(&mut out);
    /// assert_eq!(out, [2, b'h', b'i']);
    /// ```
    fn encode(&self, out: &mut Vec<u8>);

    /// Decodes a value from the front of `input` and advances it past the bytes read.
    ///
    /// # Errors
    ///
    /// [`DecodeError::Truncated`] when the input ends early, and the error of the
    /// value's invariant check otherwise ([`DecodeError::InvalidBytes`] for malformed
    /// primitives).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{Binary, DecodeError};
    ///
    /// let mut input: &[u8] = &[1, 7, 9];
    /// assert_eq!(Option::<u8>::decode(&mut input)?, Some(7));
    /// assert_eq!(input, [9]);
    /// # Ok::<(), DecodeError>(())
    /// ```
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError>;
}

/// Encodes `value` behind the version byte [`BINARY_VERSION`].
///
/// # Examples
///
/// ```
/// use ward_crdt::{from_bytes, to_bytes, OrSet, Replica};
///
/// let mut cart = Replica::new(String::from("phone"), OrSet::new());
/// cart.add(String::from("pen"))?;
/// let bytes = to_bytes(cart.state());
/// assert_eq!(bytes[0], ward_crdt::BINARY_VERSION);
/// let back: OrSet<String, String> = from_bytes(&bytes)?;
/// assert_eq!(&back, cart.state());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_bytes<T: Binary>(value: &T) -> Vec<u8> {
    let mut out = alloc::vec![BINARY_VERSION];
    value.encode(&mut out);
    out
}

/// Decodes a value written by [`to_bytes`], checking the version byte and that no
/// bytes are left over.
///
/// # Errors
///
/// [`DecodeError::UnsupportedVersion`] for another version (or empty input),
/// [`DecodeError::TrailingBytes`] when bytes are left over, and the errors of
/// [`Binary::decode`].
///
/// # Examples
///
/// ```
/// use ward_crdt::{from_bytes, DecodeError, GCounter};
///
/// let future = [3_u8, 0];
/// assert_eq!(
///     from_bytes::<GCounter<u8>>(&future),
///     Err(DecodeError::UnsupportedVersion { version: 3, supported: 2 }),
/// );
/// ```
pub fn from_bytes<T: Binary>(bytes: &[u8]) -> Result<T, DecodeError> {
    let Some((&version, mut input)) = bytes.split_first() else {
        return Err(DecodeError::Truncated);
    };
    if version != BINARY_VERSION {
        return Err(DecodeError::UnsupportedVersion {
            version,
            supported: BINARY_VERSION,
        });
    }
    let value = T::decode(&mut input)?;
    if !input.is_empty() {
        return Err(DecodeError::TrailingBytes { count: input.len() });
    }
    Ok(value)
}

fn byte(input: &mut &[u8]) -> Result<u8, DecodeError> {
    let (&b, rest) = input.split_first().ok_or(DecodeError::Truncated)?;
    *input = rest;
    Ok(b)
}

fn put_varint(mut n: u64, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn varint(input: &mut &[u8]) -> Result<u64, DecodeError> {
    let mut n: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = byte(input)?;
        let bits = u64::from(b & 0x7f);
        // The tenth byte may only carry the top bit of a u64, and no byte may be a
        // redundant zero continuation (so every number has one encoding).
        if shift == 63 && bits > 1 || (b == 0 && shift > 0) {
            return Err(DecodeError::InvalidBytes);
        }
        n |= bits << shift;
        if b & 0x80 == 0 {
            return Ok(n);
        }
    }
    Err(DecodeError::InvalidBytes)
}

/// The most items a sequence reserves room for before they are decoded.
const PREALLOCATE_ITEMS: usize = 1024;

/// A sequence length, bounded by the bytes left (every item takes at least one), so a
/// forged length cannot make the decoder allocate.
fn length(input: &mut &[u8]) -> Result<usize, DecodeError> {
    let n = varint(input)?;
    match usize::try_from(n) {
        Ok(n) if n <= input.len() => Ok(n),
        _ => Err(DecodeError::Truncated),
    }
}

macro_rules! unsigned {
    ($($t:ty),*) => {$(
        impl Binary for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                put_varint(u64::from(*self), out);
            }
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                <$t>::try_from(varint(input)?).map_err(|_| DecodeError::InvalidBytes)
            }
        }
    )*};
}
unsigned!(u16, u32, u64);

macro_rules! signed {
    ($($t:ty),*) => {$(
        impl Binary for $t {
            fn encode(&self, out: &mut Vec<u8>) {
                let n = i64::from(*self);
                put_varint(((n << 1) ^ (n >> 63)) as u64, out);
            }
            fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
                let z = varint(input)?;
                let n = ((z >> 1) as i64) ^ -((z & 1) as i64);
                <$t>::try_from(n).map_err(|_| DecodeError::InvalidBytes)
            }
        }
    )*};
}
signed!(i16, i32, i64);

impl Binary for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(*self);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        byte(input)
    }
}

impl Binary for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match byte(input)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::InvalidBytes),
        }
    }
}

impl Binary for char {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(u64::from(u32::from(*self)), out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let n = u32::decode(input)?;
        char::from_u32(n).ok_or(DecodeError::InvalidBytes)
    }
}

impl Binary for String {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        out.extend_from_slice(self.as_bytes());
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let n = length(input)?;
        let (text, rest) = input.split_at(n);
        *input = rest;
        String::from_utf8(text.to_vec()).map_err(|_| DecodeError::InvalidBytes)
    }
}

impl<T: Binary> Binary for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for item in self {
            item.encode(out);
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let n = length(input)?;
        // `n` is bounded by the bytes left, not by what its items take in memory (a
        // `String` is 24 bytes however short its encoding): reserve a bounded amount and
        // let the vector grow with items that are really there.
        let mut items = Vec::with_capacity(n.min(PREALLOCATE_ITEMS));
        for _ in 0..n {
            items.push(T::decode(input)?);
        }
        Ok(items)
    }
}

impl<T: Binary> Binary for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                v.encode(out);
            }
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        match byte(input)? {
            0 => Ok(None),
            1 => Ok(Some(T::decode(input)?)),
            _ => Err(DecodeError::InvalidBytes),
        }
    }
}

impl<T: Binary, U: Binary> Binary for (T, U) {
    fn encode(&self, out: &mut Vec<u8>) {
        self.0.encode(out);
        self.1.encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok((T::decode(input)?, U::decode(input)?))
    }
}

/// Actor, then counter.
impl<A: Binary> Binary for Dot<A> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.actor().encode(out);
        put_varint(self.counter(), out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let actor = A::decode(input)?;
        Dot::new(actor, varint(input)?)
            .map_err(|_| DecodeError::Context(ward_vclock::DecodeError::ZeroDot))
    }
}

/// The clock's `(actor, counter)` entries, then the cloud's runs as `(actor, first,
/// last - first)`; validated by `ward-vclock`'s checked conversions.
impl<A: Binary + Ord + Clone> Binary for DotContext<A> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.clock().len() as u64, out);
        for (actor, n) in self.clock().iter() {
            actor.encode(out);
            put_varint(n, out);
        }
        put_varint(self.cloud().len() as u64, out);
        for run in self.cloud() {
            run.actor().encode(out);
            put_varint(run.first(), out);
            put_varint(run.last() - run.first(), out);
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let clock =
            VClock::try_from(Vec::<(A, u64)>::decode(input)?).map_err(DecodeError::Context)?;
        let runs = Vec::<(A, (u64, u64))>::decode(input)?;
        let mut cloud = Vec::with_capacity(runs.len());
        for (actor, (first, extra)) in runs {
            let last = first.checked_add(extra).ok_or(DecodeError::InvalidBytes)?;
            let run = DotRange::new(actor, first, last)
                .map_err(|_| DecodeError::Context(ward_vclock::DecodeError::ZeroDot))?;
            cloud.push(run);
        }
        DotContext::try_from((clock, cloud)).map_err(DecodeError::Context)
    }
}

/// The `(actor, count)` entries in actor order.
impl<A: Binary + Ord + Clone> Binary for GCounter<A> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for (actor, n) in self.iter() {
            actor.encode(out);
            put_varint(n, out);
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        GCounter::try_from(Vec::<(A, u64)>::decode(input)?)
    }
}

/// Increments, then decrements.
impl<A: Binary + Ord + Clone> Binary for PnCounter<A> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.increments().encode(out);
        self.decrements().encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let up = GCounter::decode(input)?;
        Ok(PnCounter::from_parts(up, GCounter::decode(input)?))
    }
}

/// `None` when empty, else the stamp and the value.
impl<T: Binary + Clone, S: Binary + Clone> Binary for LwwRegister<T, S> {
    fn encode(&self, out: &mut Vec<u8>) {
        match (self.stamp(), self.value()) {
            (Some(stamp), Some(value)) => {
                out.push(1);
                stamp.encode(out);
                value.encode(out);
            }
            _ => out.push(0),
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        Ok(match Option::<(S, T)>::decode(input)? {
            None => LwwRegister::new(),
            Some((stamp, value)) => LwwRegister::with_value(value, stamp),
        })
    }
}

/// The siblings `(dot, value)` in dot order, then the context.
impl<T: Binary + Clone, A: Binary + Ord + Clone> Binary for MvRegister<T, A> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for (dot, value) in self.siblings() {
            dot.encode(out);
            value.encode(out);
        }
        self.context().encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let siblings = Vec::<(Dot<A>, T)>::decode(input)?;
        MvRegister::try_from((siblings, DotContext::decode(input)?))
    }
}

/// The elements in order, each with its dots in ascending order, then the context.
impl<E: Binary + Ord + Clone, A: Binary + Ord + Clone> Binary for OrSet<E, A> {
    fn encode(&self, out: &mut Vec<u8>) {
        put_varint(self.len() as u64, out);
        for elem in self {
            elem.encode(out);
            self.dots(elem).encode(out);
        }
        self.context().encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let entries = Vec::<(E, Vec<Dot<A>>)>::decode(input)?;
        OrSet::try_from((entries, DotContext::decode(input)?))
    }
}

/// The key set, then the `(key, value)` pairs in key order.
impl<K, V, A> Binary for crate::ormap::OrMap<K, V, A>
where
    K: Binary + Ord + Clone,
    V: Binary + Default + PartialEq,
    A: Binary + Ord + Clone,
{
    fn encode(&self, out: &mut Vec<u8>) {
        let (keys, values) = self.parts();
        keys.encode(out);
        put_varint(values.len() as u64, out);
        for (k, v) in values {
            k.encode(out);
            v.encode(out);
        }
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let keys = OrSet::decode(input)?;
        crate::ormap::OrMap::try_from((keys, Vec::<(K, V)>::decode(input)?))
    }
}

/// The context, then the live dots.
impl<A: Binary + Ord + Clone> Binary for Digest<A> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.context().encode(out);
        self.live().encode(out);
    }
    fn decode(input: &mut &[u8]) -> Result<Self, DecodeError> {
        let context = DotContext::decode(input)?;
        Digest::try_from((context, DotContext::decode(input)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_have_one_encoding_and_reach_u64_max() {
        for n in [
            0,
            1,
            127,
            128,
            300,
            u64::from(u32::MAX),
            u64::MAX - 1,
            u64::MAX,
        ] {
            let mut out = Vec::new();
            put_varint(n, &mut out);
            assert_eq!(varint(&mut &out[..]), Ok(n));
        }
        // A redundant zero continuation, an eleventh byte, and bits past 64.
        assert_eq!(
            varint(&mut &[0x80, 0x00][..]),
            Err(DecodeError::InvalidBytes)
        );
        assert_eq!(varint(&mut &[0xff; 11][..]), Err(DecodeError::InvalidBytes));
        let mut past = [0xff_u8; 10];
        past[9] = 0x02;
        assert_eq!(varint(&mut &past[..]), Err(DecodeError::InvalidBytes));
        assert_eq!(varint(&mut &[0x80][..]), Err(DecodeError::Truncated));
    }

    #[test]
    fn signed_integers_zigzag() {
        for n in [0_i64, -1, 1, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            n.encode(&mut out);
            assert_eq!(i64::decode(&mut &out[..]), Ok(n));
        }
        let mut out = Vec::new();
        (-1_i64).encode(&mut out);
        assert_eq!(out, [1]);
    }
}
