//! High-water marks for many resources, sharded so unrelated keys do not contend.

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use std::collections::HashMap;
use std::collections::hash_map::RandomState;

use crate::guard::{Admission, StaleToken, decide};
use crate::sync::RwLock;
use crate::token::FencingToken;

/// The shard count of [`KeyedFence::new`].
const DEFAULT_SHARDS: usize = 64;

/// The largest shard count [`KeyedFence::with_shards`] accepts.
const MAX_SHARDS: usize = 1 << 16;

/// The shard of a key with hash `hash`, among `shards` (1 to [`MAX_SHARDS`]).
///
/// Every bit of the hash counts: the high half is folded into the low half, the result is
/// multiplied by 2^64/φ (Fibonacci hashing), which carries each bit into the top 32 bits, and
/// those are mapped onto `0..shards` by a multiply and shift. A hasher that leaves the high
/// bits zero (the identity on small integers) or the low bits zero still spreads its keys.
fn shard_index(hash: u64, shards: usize) -> usize {
    let folded = hash ^ (hash >> 32);
    let mixed = folded.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    // `mixed < 2^32` and `shards <= 2^16`: the product fits, and the result is below `shards`.
    ((mixed * shards as u64) >> 32) as usize
}

/// One shard on its own cache lines, so two shards' locks never share a line.
#[repr(align(128))]
struct Shard<K, S>(RwLock<HashMap<K, FencingToken, S>>);

/// A fence per resource key: one high-water mark for each key, in a map split into
/// independently locked shards.
///
/// [`KeyedFence::admit`] applies the admission rule of [`FenceGuard`](crate::FenceGuard) to
/// the key's own mark: a key never seen before admits any token. Keys hash to shards; a
/// holder presenting the current token of its key takes only the shard's shared lock, and
/// raising a mark takes the shard's exclusive lock, so operations on keys in different shards
/// never wait for each other.
///
/// Like `FenceGuard`, this orders admissions, not the writes that follow them; admit inside
/// the storage's own per-key write path.
///
/// Marks are never removed: forgetting a key's mark would let any stale holder of that key
/// in again. Memory therefore grows with the number of distinct keys.
///
/// The marks live in memory only; there is no durable keyed fence. To carry them across a
/// restart, persist [`KeyedFence::marks`] and, after the restart, [`KeyedFence::admit`] each
/// saved mark into a new fence before serving requests (admitting a key's mark into an empty
/// fence sets it). Persist before acknowledging the writes that raised them, as
/// [`DurableFence`](crate::DurableFence) does for one resource.
///
/// # Examples
///
/// ```
/// use ward_fencing::{FencingToken, KeyedFence};
///
/// let fences = KeyedFence::new();
/// let t = |v| FencingToken::new(v).unwrap();
///
/// fences.admit("shard-a", t(7)).unwrap();
/// fences.admit("shard-b", t(2)).unwrap(); // another key, its own mark
/// assert!(fences.admit("shard-a", t(6)).is_err());
/// assert_eq!(fences.mark("shard-b"), Some(t(2)));
/// ```
pub struct KeyedFence<K, S = RandomState> {
    shards: Vec<Shard<K, S>>,
    hasher: S,
}

impl<K: Eq + Hash> KeyedFence<K, RandomState> {
    /// An empty keyed fence with 64 shards.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// let fences: KeyedFence<u32> = KeyedFence::new();
    /// assert_eq!(fences.shard_count(), 64);
    /// assert!(fences.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::build(DEFAULT_SHARDS, RandomState::new())
    }

    /// An empty keyed fence with `shards` shards (1 to 65 536).
    ///
    /// More shards mean less contention between keys and a little more memory.
    ///
    /// # Errors
    ///
    /// [`ShardCountError`] if `shards` is zero or above 65 536.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// let fences = KeyedFence::<String>::with_shards(8).unwrap();
    /// assert_eq!(fences.shard_count(), 8);
    /// assert!(KeyedFence::<String>::with_shards(0).is_err());
    /// ```
    pub fn with_shards(shards: usize) -> Result<Self, ShardCountError> {
        Self::with_shards_and_hasher(shards, RandomState::new())
    }
}

impl<K: Eq + Hash, S: BuildHasher + Clone> KeyedFence<K, S> {
    /// An empty keyed fence with `shards` shards whose keys are hashed by `hasher`.
    ///
    /// # Errors
    ///
    /// [`ShardCountError`] if `shards` is zero or above 65 536.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// use ward_fencing::KeyedFence;
    ///
    /// let fences = KeyedFence::<u64, _>::with_shards_and_hasher(4, RandomState::new()).unwrap();
    /// assert_eq!(fences.shard_count(), 4);
    /// ```
    pub fn with_shards_and_hasher(shards: usize, hasher: S) -> Result<Self, ShardCountError> {
        if shards == 0 || shards > MAX_SHARDS {
            return Err(ShardCountError {
                requested: shards,
                max: MAX_SHARDS,
            });
        }
        Ok(Self::build(shards, hasher))
    }

    fn build(shards: usize, hasher: S) -> Self {
        let shards = (0..shards)
            .map(|_| Shard(RwLock::new(HashMap::with_hasher(hasher.clone()))))
            .collect();
        Self { shards, hasher }
    }
}

impl<K: Eq + Hash, S: BuildHasher> KeyedFence<K, S> {
    fn shard<Q>(&self, key: &Q) -> &RwLock<HashMap<K, FencingToken, S>>
    where
        Q: Hash + ?Sized,
    {
        let index = shard_index(self.hasher.hash_one(key), self.shards.len());
        &self.shards[index].0
    }

    /// Admits `token` for `key` if it is equal to or above that key's mark, raising the mark.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the key's mark; nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{Admission, FencingToken, KeyedFence};
    ///
    /// let fences = KeyedFence::new();
    /// let t = FencingToken::new(3).unwrap();
    /// assert!(fences.admit("orders", t).unwrap().is_raised());
    /// assert_eq!(fences.admit("orders", t), Ok(Admission::Unchanged));
    /// ```
    pub fn admit<Q>(&self, key: &Q, token: FencingToken) -> Result<Admission, StaleToken>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let shard = self.shard(key);
        {
            let map = shard.read();
            if let Some(&mark) = map.get(key)
                && token <= mark
            {
                return decide(mark.get(), token);
            }
        }
        let mut map = shard.write();
        match map.get_mut(key) {
            Some(mark) => {
                let admission = decide(mark.get(), token)?;
                *mark = (*mark).max(token);
                Ok(admission)
            }
            None => {
                map.insert(key.to_owned(), token);
                Ok(Admission::Raised { previous: None })
            }
        }
    }

    /// Checks `token` against `key`'s mark without raising it.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the key's mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let fences = KeyedFence::new();
    /// fences.admit("k", FencingToken::new(5).unwrap()).unwrap();
    /// assert!(fences.check("k", FencingToken::new(4).unwrap()).is_err());
    /// assert!(fences.check("other", FencingToken::MIN).is_ok());
    /// ```
    pub fn check<Q>(&self, key: &Q, token: FencingToken) -> Result<(), StaleToken>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mark = self.mark(key).map_or(0, FencingToken::get);
        decide(mark, token).map(|_| ())
    }

    /// The mark of `key`, or `None` if no token was admitted for it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let fences: KeyedFence<&str> = KeyedFence::new();
    /// assert_eq!(fences.mark("nobody"), None);
    /// ```
    pub fn mark<Q>(&self, key: &Q) -> Option<FencingToken>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.shard(key).read().get(key).copied()
    }

    /// The number of keys with a mark.
    ///
    /// Sums the shards one after another, so under concurrent admissions the result is a
    /// value the count had at some moment during the call only if no new key arrived.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let fences = KeyedFence::new();
    /// fences.admit(&1, FencingToken::MIN).unwrap();
    /// fences.admit(&2, FencingToken::MIN).unwrap();
    /// assert_eq!(fences.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.0.read().len()).sum()
    }

    /// Whether no key has a mark.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// assert!(KeyedFence::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.0.read().is_empty())
    }

    /// The number of shards.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// assert_eq!(KeyedFence::<u8>::with_shards(3).unwrap().shard_count(), 3);
    /// ```
    pub fn shard_count(&self) -> usize {
        self.shards.len()
    }

    /// Every key and its mark, one shard at a time (for persisting the marks or inspecting
    /// them); not an atomic snapshot across shards.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let fences = KeyedFence::new();
    /// fences.admit("a", FencingToken::new(4).unwrap()).unwrap();
    /// assert_eq!(fences.marks(), vec![(String::from("a"), FencingToken::new(4).unwrap())]);
    /// ```
    pub fn marks(&self) -> Vec<(K, FencingToken)>
    where
        K: Clone,
    {
        let mut all = Vec::new();
        for shard in &self.shards {
            all.extend(shard.0.read().iter().map(|(k, m)| (k.clone(), *m)));
        }
        all
    }
}

impl<K: Eq + Hash> Default for KeyedFence<K, RandomState> {
    /// Same as [`KeyedFence::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl<K, S> fmt::Debug for KeyedFence<K, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyedFence")
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// A shard count outside 1 to 65 536 was requested.
///
/// # Examples
///
/// ```
/// use ward_fencing::KeyedFence;
///
/// let err = KeyedFence::<u8>::with_shards(0).unwrap_err();
/// assert_eq!(err.to_string(), "shard count 0 is outside 1 to 65536");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[error("shard count {requested} is outside 1 to {max}")]
pub struct ShardCountError {
    requested: usize,
    max: usize,
}

impl ShardCountError {
    /// The shard count that was requested.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// assert_eq!(KeyedFence::<u8>::with_shards(0).unwrap_err().requested(), 0);
    /// ```
    pub const fn requested(&self) -> usize {
        self.requested
    }

    /// The largest shard count accepted.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// assert_eq!(KeyedFence::<u8>::with_shards(0).unwrap_err().max(), 65_536);
    /// ```
    pub const fn max(&self) -> usize {
        self.max
    }
}

#[cfg(all(test, not(ward_loom)))]
mod tests {
    use core::hash::{BuildHasherDefault, Hasher};

    use super::*;

    /// A hasher that returns the `u64` it was given: what a user's "already hashed" key type
    /// or a fast integer hasher does.
    #[derive(Default)]
    struct Identity(u64);

    impl Hasher for Identity {
        fn finish(&self) -> u64 {
            self.0
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.0 = (self.0 << 8) | u64::from(b);
            }
        }
        fn write_u64(&mut self, n: u64) {
            self.0 = n;
        }
    }

    fn occupancy(keys: impl Iterator<Item = u64>) -> Vec<usize> {
        let fence = KeyedFence::<u64, BuildHasherDefault<Identity>>::with_shards_and_hasher(
            64,
            Default::default(),
        )
        .unwrap();
        for key in keys {
            fence.admit(&key, FencingToken::MIN).unwrap();
        }
        fence.shards.iter().map(|s| s.0.read().len()).collect()
    }

    /// With the identity hasher every key below 2^32 has zero high bits, and the old shard
    /// index (`hash >> 32`) put all of them in shard 0.
    #[test]
    fn regression_identity_hash_below_2_pow_32_spreads_over_every_shard() {
        let counts = occupancy(0..4_096);
        assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
        assert!(counts.iter().all(|&c| c <= 2 * 4_096 / 64), "{counts:?}");
    }

    #[test]
    fn shard_index_stays_in_range_at_the_ends() {
        for hash in [0, 1, u64::MAX, 1 << 63, u64::MAX >> 1, 0xFFFF_FFFF, 1 << 32] {
            for shards in [1, 2, 3, 63, 64, MAX_SHARDS - 1, MAX_SHARDS] {
                assert!(shard_index(hash, shards) < shards, "{hash:#x} {shards}");
            }
        }
        // The largest shard is reachable.
        assert!((0..1_000_000_u64).any(|h| shard_index(h, MAX_SHARDS) == MAX_SHARDS - 1));
    }

    /// Keys that differ only in their high bits spread too.
    #[test]
    fn identity_hash_with_only_high_bits_spreads() {
        let counts = occupancy((0..4_096_u64).map(|k| k << 40));
        assert!(counts.iter().all(|&c| c > 0), "{counts:?}");
    }
}
