//! High-water marks for many resources, sharded so unrelated keys do not contend, with an
//! optional bound on the number of keys kept (floor eviction).

use core::borrow::Borrow;
use core::fmt;
use core::hash::{BuildHasher, Hash};
use std::collections::hash_map::RandomState;

use crate::guard::{Admission, StaleToken, decide};
use crate::sync::RwLock;
use crate::table::Table;
use crate::token::FencingToken;

/// The fence's name in refusal events.
const FENCE: &str = "KeyedFence";

/// The shard count of [`KeyedFence::new`] and [`KeyedFence::bounded`].
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

/// A shard's marks and its floor: the highest mark evicted from it (0: none).
struct State<K> {
    table: Table<K>,
    floor: u64,
}

impl<K: Eq + Hash> State<K> {
    /// The mark `key` is checked against: its own, or the floor if it has none.
    fn effective<Q>(&self, hash: u64, key: &Q) -> u64
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.table
            .get(hash, key)
            .map_or(self.floor, FencingToken::get)
    }

    fn evicted(&mut self, mark: FencingToken) {
        self.floor = self.floor.max(mark.get());
    }
}

/// One shard on its own cache lines, so two shards' locks never share a line.
#[repr(align(128))]
struct Shard<K>(RwLock<State<K>>);

/// A fence per resource key: one high-water mark for each key, in a table split into
/// independently locked shards, optionally bounded in the number of keys it keeps.
///
/// [`KeyedFence::admit`] applies the admission rule of [`FenceGuard`](crate::FenceGuard) to
/// the key's own mark. Keys hash to shards; a holder presenting the current token of its key
/// takes only the shard's shared lock, and raising a mark takes the shard's exclusive lock,
/// so operations on keys in different shards never wait for each other.
///
/// Like `FenceGuard`, this orders admissions, not the writes that follow them; admit inside
/// the storage's own per-key write path.
///
/// # Floor eviction
///
/// Forgetting a key's mark would let any stale holder of that key in again, so a key is
/// never simply dropped. Each shard keeps a *floor*: the highest mark ever evicted from it.
/// A key without a mark of its own is checked against its shard's floor, as if that were its
/// mark. Evicting a key raises the floor to at least the key's mark, so every evicted key
/// still refuses every token below its old mark: **eviction never admits a stale token**. The
/// price is on the other side: a new key, or an evicted one, refuses tokens below the floor
/// even if they were never stale for that key. Keep the floor low by bounding generously and
/// by evicting keys whose resources are gone.
///
/// [`KeyedFence::bounded`] (and [`KeyedFence::bounded_with_shards_and_hasher`]) limit the
/// number of keys kept: each shard holds at most `max_keys / shards` keys, and admitting a
/// new key into a full shard first evicts the key with the lowest mark among a few near the
/// new key's slot. [`KeyedFence::evict`] evicts one key on request. Without a bound the fence
/// keeps every key, and memory grows with the number of distinct keys: about 19 to 24 bytes
/// per `u64` key (16-byte slots, 68 % to 85 % full), 38 to 47 per `String` key plus the
/// string's own heap buffer.
///
/// # Restarts
///
/// The marks live in memory only; there is no durable keyed fence. To carry them across a
/// restart, persist [`KeyedFence::marks`] and [`KeyedFence::max_floor`] and, after the
/// restart, restore them into a new fence before serving requests: admit each saved mark,
/// then [`KeyedFence::raise_floor`] to the saved floor. Save them with admissions
/// stopped, and read [`KeyedFence::marks`] before [`KeyedFence::max_floor`]: a key
/// evicted in between would otherwise be in neither. Persist before
/// acknowledging the writes that raised them, or use
/// [`DurableKeyedFence`](crate::DurableKeyedFence), which does.
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
///
/// A bounded fence forgets keys but never readmits a stale token:
///
/// ```
/// use std::collections::hash_map::RandomState;
/// use ward_fencing::{FencingToken, KeyedFence};
///
/// let t = |v| FencingToken::new(v).unwrap();
/// let fences = KeyedFence::bounded_with_shards_and_hasher(1, 2, RandomState::new()).unwrap();
/// fences.admit(&1_u64, t(10)).unwrap();
/// fences.admit(&2_u64, t(20)).unwrap();
/// fences.admit(&3_u64, t(30)).unwrap(); // full: key 1 (lowest mark) is evicted
/// assert_eq!(fences.len(), 2);
/// assert_eq!(fences.floor(&1_u64), Some(t(10)));
/// assert!(fences.admit(&1_u64, t(9)).is_err()); // still refused
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub struct KeyedFence<K, S = RandomState> {
    shards: Vec<Shard<K>>,
    hasher: S,
    /// Keys per shard (`usize::MAX`: unbounded).
    per_shard: usize,
}

impl<K: Eq + Hash> KeyedFence<K, RandomState> {
    /// An empty, unbounded keyed fence with 64 shards.
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
        Self::build(DEFAULT_SHARDS, usize::MAX, RandomState::new())
    }

    /// An empty, unbounded keyed fence with `shards` shards (1 to 65 536).
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

    /// An empty keyed fence with 64 shards that keeps at most `max_keys` keys (a multiple of
    /// 64 is used fully; the rest of the division is unused), evicting into the floor.
    ///
    /// # Errors
    ///
    /// [`KeyedConfigError::MaxKeysBelowShards`] if `max_keys` is below 64.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// let fences = KeyedFence::<u64>::bounded(100_000).unwrap();
    /// assert_eq!(fences.max_keys(), Some(99_968)); // 64 shards of 1 562
    /// assert!(KeyedFence::<u64>::bounded(10).is_err());
    /// ```
    pub fn bounded(max_keys: usize) -> Result<Self, KeyedConfigError> {
        Self::bounded_with_shards_and_hasher(DEFAULT_SHARDS, max_keys, RandomState::new())
    }
}

impl<K: Eq + Hash, S: BuildHasher> KeyedFence<K, S> {
    /// An empty, unbounded keyed fence with `shards` shards whose keys are hashed by
    /// `hasher`.
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
        check_shards(shards)?;
        Ok(Self::build(shards, usize::MAX, hasher))
    }

    /// An empty keyed fence with `shards` shards, keys hashed by `hasher`, keeping at most
    /// `max_keys / shards` keys per shard.
    ///
    /// # Errors
    ///
    /// [`KeyedConfigError::ShardCount`] if `shards` is zero or above 65 536;
    /// [`KeyedConfigError::MaxKeysBelowShards`] if `max_keys` is below `shards` (every shard
    /// needs room for one key).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::hash_map::RandomState;
    /// use ward_fencing::{KeyedConfigError, KeyedFence};
    ///
    /// let fences = KeyedFence::<u64, _>::bounded_with_shards_and_hasher(4, 1_000, RandomState::new()).unwrap();
    /// assert_eq!(fences.max_keys(), Some(1_000));
    /// let err = KeyedFence::<u64, _>::bounded_with_shards_and_hasher(4, 3, RandomState::new()).unwrap_err();
    /// assert_eq!(err, KeyedConfigError::MaxKeysBelowShards { max_keys: 3, shards: 4 });
    /// ```
    pub fn bounded_with_shards_and_hasher(
        shards: usize,
        max_keys: usize,
        hasher: S,
    ) -> Result<Self, KeyedConfigError> {
        check_shards(shards)?;
        if max_keys < shards {
            return Err(KeyedConfigError::MaxKeysBelowShards { max_keys, shards });
        }
        Ok(Self::build(shards, max_keys / shards, hasher))
    }

    fn build(shards: usize, per_shard: usize, hasher: S) -> Self {
        let shards = (0..shards)
            .map(|_| {
                Shard(RwLock::new(State {
                    table: Table::new(per_shard),
                    floor: 0,
                }))
            })
            .collect();
        Self {
            shards,
            hasher,
            per_shard,
        }
    }

    fn locate<Q>(&self, key: &Q) -> (&RwLock<State<K>>, u64)
    where
        Q: Hash + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        let index = shard_index(hash, self.shards.len());
        (&self.shards[index].0, hash)
    }

    /// Admits `token` for `key` if it is equal to or above that key's mark (its shard's
    /// floor if it has none), raising the mark.
    ///
    /// A key without a mark gets one unless `token` equals the floor exactly (then the floor
    /// already says what the mark would). In a bounded fence whose shard is full, that first
    /// evicts another key into the floor.
    ///
    /// # Errors
    ///
    /// [`StaleToken`] if `token` is below the key's mark (or the floor); nothing changes.
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
        let (shard, hash) = self.locate(key);
        {
            let state = shard.read();
            let mark = state.effective(hash, key);
            if token.get() <= mark {
                // Marks and floors never decrease: the answer is final.
                return decide(FENCE, mark, token);
            }
        }
        let mut state = shard.write();
        if let Some(previous) = state.table.raise(hash, key, token) {
            return decide(FENCE, previous.get(), token);
        }
        let admission = decide(FENCE, state.floor, token)?;
        if !admission.is_raised() {
            // The floor rose to this very token meanwhile: it already says what the mark
            // would, so no entry (and no eviction) is needed.
            return Ok(admission);
        }
        if !state.table.has_room()
            && let Some(evicted) = state.table.evict_one(&self.hasher, hash)
        {
            state.evicted(evicted);
        }
        state
            .table
            .insert_new(&self.hasher, hash, key.to_owned(), token);
        Ok(admission)
    }

    /// Checks `token` against `key`'s mark (its shard's floor if it has none) without
    /// raising it.
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
        let (shard, hash) = self.locate(key);
        let mark = shard.read().effective(hash, key);
        decide(FENCE, mark, token).map(|_| ())
    }

    /// The mark `key` is checked against: its own, or its shard's floor if it has none;
    /// `None` if neither exists.
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
        let (shard, hash) = self.locate(key);
        FencingToken::new(shard.read().effective(hash, key)).ok()
    }

    /// The floor of `key`'s shard: the highest mark evicted from it, which every key of the
    /// shard without a mark of its own is checked against; `None` before any eviction.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let fences = KeyedFence::new();
    /// fences.admit("a", FencingToken::new(4).unwrap()).unwrap();
    /// assert_eq!(fences.floor("a"), None);
    /// fences.evict("a");
    /// assert_eq!(fences.floor("a"), Some(FencingToken::new(4).unwrap()));
    /// ```
    pub fn floor<Q>(&self, key: &Q) -> Option<FencingToken>
    where
        Q: Hash + ?Sized,
    {
        let (shard, _) = self.locate(key);
        FencingToken::new(shard.read().floor).ok()
    }

    /// Forgets `key`'s own mark, raising its shard's floor to at least that mark, so that no
    /// token it refused is ever admitted (for example when the resource is deleted). Returns
    /// the mark it had.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let t = |v| FencingToken::new(v).unwrap();
    /// let fences = KeyedFence::new();
    /// fences.admit("gone", t(9)).unwrap();
    /// assert_eq!(fences.evict("gone"), Some(t(9)));
    /// assert!(fences.is_empty());
    /// assert!(fences.admit("gone", t(8)).is_err()); // the floor remembers
    /// ```
    pub fn evict<Q>(&self, key: &Q) -> Option<FencingToken>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let (shard, hash) = self.locate(key);
        let mut state = shard.write();
        let mark = state.table.remove(&self.hasher, hash, key)?;
        state.evicted(mark);
        Some(mark)
    }

    /// The number of keys with a mark of their own.
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
        self.shards.iter().map(|s| s.0.read().table.len()).sum()
    }

    /// Whether no key has a mark of its own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// assert!(KeyedFence::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.shards.iter().all(|s| s.0.read().table.len() == 0)
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

    /// The most keys the fence keeps (`shards × (max_keys / shards)`), or `None` if it is
    /// unbounded.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::KeyedFence;
    ///
    /// assert_eq!(KeyedFence::<u8>::new().max_keys(), None);
    /// ```
    pub fn max_keys(&self) -> Option<usize> {
        (self.per_shard != usize::MAX).then(|| self.per_shard * self.shards.len())
    }

    /// Every key with a mark of its own, and its mark, one shard at a time (for persisting
    /// the marks or inspecting them); not an atomic snapshot across shards.
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
            all.extend(shard.0.read().table.iter().map(|(k, m)| (k.clone(), m)));
        }
        all
    }

    /// Raises every shard's floor to at least `floor`, so that every key without a mark of
    /// its own refuses tokens below it: restores the floor saved from
    /// [`KeyedFence::max_floor`] into a new fence after a restart (after admitting the saved
    /// marks, which may be below it). Floors never decrease.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let t = |v| FencingToken::new(v).unwrap();
    /// let fences = KeyedFence::new();
    /// fences.raise_floor(t(20));
    /// assert!(fences.admit("never seen", t(19)).is_err());
    /// assert!(fences.admit("never seen", t(21)).is_ok());
    /// fences.raise_floor(t(5)); // lower: no change
    /// assert_eq!(fences.max_floor(), Some(t(20)));
    /// ```
    pub fn raise_floor(&self, floor: FencingToken) {
        for shard in &self.shards {
            shard.0.write().evicted(floor);
        }
    }

    /// The highest floor of all shards (`None` before any eviction): a fence restored with
    /// its marks and every shard's floor at this value refuses everything this one refuses.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_fencing::{FencingToken, KeyedFence};
    ///
    /// let fences = KeyedFence::new();
    /// fences.admit(&1, FencingToken::new(6).unwrap()).unwrap();
    /// fences.evict(&1);
    /// assert_eq!(fences.max_floor(), FencingToken::new(6).ok());
    /// ```
    pub fn max_floor(&self) -> Option<FencingToken> {
        let floor = self.shards.iter().map(|s| s.0.read().floor).max();
        floor.and_then(|f| FencingToken::new(f).ok())
    }
}

fn check_shards(shards: usize) -> Result<(), ShardCountError> {
    if shards == 0 || shards > MAX_SHARDS {
        return Err(ShardCountError {
            requested: shards,
            max: MAX_SHARDS,
        });
    }
    Ok(())
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
            .field(
                "max_keys",
                &(self.per_shard != usize::MAX).then(|| self.per_shard * self.shards.len()),
            )
            .finish_non_exhaustive()
    }
}

/// Why a bounded [`KeyedFence`] could not be made.
///
/// # Examples
///
/// ```
/// use ward_fencing::{KeyedConfigError, KeyedFence};
///
/// let err = KeyedFence::<u8>::bounded(5).unwrap_err();
/// assert_eq!(err.to_string(), "a bound of 5 keys leaves some of the 64 shards without room for one key");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, thiserror::Error)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub enum KeyedConfigError {
    /// The shard count is outside 1 to 65 536.
    #[error(transparent)]
    ShardCount(#[from] ShardCountError),
    /// The bound is below the shard count, so some shard could hold no key.
    #[error(
        "a bound of {max_keys} keys leaves some of the {shards} shards without room for one key"
    )]
    MaxKeysBelowShards {
        /// The bound requested.
        max_keys: usize,
        /// The shard count.
        shards: usize,
    },
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
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
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
        fence
            .shards
            .iter()
            .map(|s| s.0.read().table.len())
            .collect()
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
