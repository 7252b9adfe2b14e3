//! The table behind each `KeyedFence` shard: open addressing with linear probing over
//! `Option<(K, FencingToken)>` slots, grown by a quarter at a time, with backward-shift
//! deletion (no tombstones).
//!
//! A slot for a `u64` key is 16 bytes: the token's non-zero niche holds the `None`. The
//! table is kept between 68 % and 85 % full once it has grown (growth by 5/4, maximum load
//! 85 %), so a `u64` key costs about 19 to 24 bytes, where a standard hash map, growing by
//! doubling and storing a control byte per slot, costs 18 to 36.

use core::borrow::Borrow;
use core::hash::{BuildHasher, Hash};

use crate::token::FencingToken;

/// The maximum load, as a fraction: 85 %.
const LOAD_NUM: usize = 17;
const LOAD_DEN: usize = 20;
/// The smallest non-empty table.
const MIN_SLOTS: usize = 8;
/// How many entries an eviction compares (the lowest mark among them is evicted).
const EVICTION_SAMPLE: usize = 8;

/// An open-addressing map from keys to marks.
pub(crate) struct Table<K> {
    slots: Vec<Option<(K, FencingToken)>>,
    len: usize,
    /// The most keys the table may hold (`usize::MAX`: unbounded).
    max_keys: usize,
}

/// The slot where the search for a key with hash `hash` starts, among `slots` (non-zero).
///
/// The shard index uses the top bits of another mix of the same hash; this one multiplies by
/// a different odd constant after a shift-xor, so keys of one shard still spread over its
/// slots.
fn home(hash: u64, slots: usize) -> usize {
    let mut m = (hash ^ (hash >> 31)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    m ^= m >> 29;
    // Multiply-shift onto `0..slots`: the result is below `slots`.
    ((u128::from(m) * slots as u128) >> 64) as usize
}

/// The number of slots that holds `keys` keys at no more than the maximum load.
pub(crate) fn slots_for(keys: usize) -> usize {
    keys.saturating_mul(LOAD_DEN)
        .div_ceil(LOAD_NUM)
        .max(keys.saturating_add(1))
}

impl<K: Eq + Hash> Table<K> {
    /// An empty table for at most `max_keys` keys; it never has more than
    /// `slots_for(max_keys)` slots.
    pub(crate) fn new(max_keys: usize) -> Self {
        Self {
            slots: Vec::new(),
            len: 0,
            max_keys,
        }
    }

    /// The number of keys.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The number of slots (for memory accounting in tests).
    #[cfg(test)]
    pub(crate) fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The slot holding `key`, if any.
    fn find<Q>(&self, hash: u64, key: &Q) -> Option<usize>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        let mut i = home(hash, n);
        // The table is never full, so the probe meets an empty slot within `n` steps.
        for _ in 0..n {
            match &self.slots[i] {
                None => return None,
                Some((k, _)) if k.borrow() == key => return Some(i),
                Some(_) => i = if i + 1 == n { 0 } else { i + 1 },
            }
        }
        None
    }

    /// The mark of `key`, if it has one.
    pub(crate) fn get<Q>(&self, hash: u64, key: &Q) -> Option<FencingToken>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        self.find(hash, key)
            .and_then(|i| self.slots[i].as_ref().map(|(_, mark)| *mark))
    }

    /// Raises the mark of `key` to `token` if the key is present and `token` is higher;
    /// returns the mark it had.
    pub(crate) fn raise<Q>(
        &mut self,
        hash: u64,
        key: &Q,
        token: FencingToken,
    ) -> Option<FencingToken>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
    {
        let i = self.find(hash, key)?;
        let (_, mark) = self.slots[i].as_mut()?;
        let previous = *mark;
        *mark = previous.max(token);
        Some(previous)
    }

    /// Whether one more key fits.
    pub(crate) fn has_room(&self) -> bool {
        self.len < self.max_keys
    }

    /// Inserts a key that is not in the table. The caller checked [`Table::has_room`].
    pub(crate) fn insert_new<S: BuildHasher>(
        &mut self,
        hasher: &S,
        hash: u64,
        key: K,
        mark: FencingToken,
    ) {
        if (self.len + 1) * LOAD_DEN > self.slots.len() * LOAD_NUM {
            self.grow(hasher);
        }
        self.place(hash, key, mark);
        self.len += 1;
    }

    /// Puts an entry in the first empty slot of its probe sequence.
    fn place(&mut self, hash: u64, key: K, mark: FencingToken) {
        let n = self.slots.len();
        let mut i = home(hash, n);
        while self.slots[i].is_some() {
            i = if i + 1 == n { 0 } else { i + 1 };
        }
        self.slots[i] = Some((key, mark));
    }

    /// Moves every entry into a table a quarter larger (at least [`MIN_SLOTS`], at most
    /// `slots_for(max_keys)`), rehashing each key.
    fn grow<S: BuildHasher>(&mut self, hasher: &S) {
        let wanted = (self.slots.len() + self.slots.len() / 4)
            .max(MIN_SLOTS)
            .max(slots_for(self.len + 1));
        let size = wanted.min(slots_for(self.max_keys));
        let old = core::mem::take(&mut self.slots);
        self.slots.reserve_exact(size);
        self.slots.resize_with(size, || None);
        for (key, mark) in old.into_iter().flatten() {
            let hash = hasher.hash_one(&key);
            self.place(hash, key, mark);
        }
    }

    /// Removes `key`; returns its mark.
    pub(crate) fn remove<Q, S>(&mut self, hasher: &S, hash: u64, key: &Q) -> Option<FencingToken>
    where
        K: Borrow<Q>,
        Q: Eq + ?Sized,
        S: BuildHasher,
    {
        let i = self.find(hash, key)?;
        Some(self.remove_at(hasher, i))
    }

    /// Empties slot `i` (occupied) and shifts later entries of the cluster back, so that
    /// every entry stays reachable from its home slot without tombstones.
    fn remove_at<S: BuildHasher>(&mut self, hasher: &S, i: usize) -> FencingToken {
        let n = self.slots.len();
        let (_, mark) = self.slots[i].take().expect("remove_at on an occupied slot");
        self.len -= 1;
        let mut hole = i;
        let mut j = i;
        loop {
            j = if j + 1 == n { 0 } else { j + 1 };
            let Some((key, _)) = &self.slots[j] else {
                break;
            };
            let h = home(hasher.hash_one(key), n);
            // The entry at `j` may move into the hole unless its home lies cyclically in
            // (hole, j]: then the hole is before its home and it would become unreachable.
            let home_in_between = if hole <= j {
                hole < h && h <= j
            } else {
                hole < h || h <= j
            };
            if !home_in_between {
                self.slots[hole] = self.slots[j].take();
                hole = j;
            }
        }
        mark
    }

    /// Removes the entry with the lowest mark among the first [`EVICTION_SAMPLE`] entries
    /// found from the home slot of `hash`; returns its mark (`None` if the table is empty).
    pub(crate) fn evict_one<S: BuildHasher>(
        &mut self,
        hasher: &S,
        hash: u64,
    ) -> Option<FencingToken> {
        let n = self.slots.len();
        if self.len == 0 {
            return None;
        }
        let mut i = home(hash, n);
        let mut best: Option<(usize, FencingToken)> = None;
        let mut seen = 0;
        for _ in 0..n {
            if let Some((_, mark)) = &self.slots[i] {
                if best.is_none_or(|(_, b)| *mark < b) {
                    best = Some((i, *mark));
                }
                seen += 1;
                if seen == EVICTION_SAMPLE {
                    break;
                }
            }
            i = if i + 1 == n { 0 } else { i + 1 };
        }
        best.map(|(i, _)| self.remove_at(hasher, i))
    }

    /// Every key and its mark.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&K, FencingToken)> {
        self.slots.iter().flatten().map(|(k, m)| (k, *m))
    }
}

#[cfg(all(test, not(ward_loom)))]
mod tests {
    use std::collections::HashMap;
    use std::hash::{BuildHasherDefault, DefaultHasher};

    use proptest::prelude::*;

    use super::*;

    type H = BuildHasherDefault<DefaultHasher>;

    fn t(v: u64) -> FencingToken {
        FencingToken::new(v).unwrap()
    }

    #[test]
    fn slot_for_a_u64_key_is_16_bytes() {
        assert_eq!(size_of::<Option<(u64, FencingToken)>>(), 16);
    }

    #[test]
    fn slots_for_keeps_the_load_at_most_85_percent() {
        for keys in [0, 1, 2, 16, 17, 1_000, 1_000_000] {
            let slots = slots_for(keys);
            assert!(
                slots > keys && keys * LOAD_DEN <= slots * LOAD_NUM,
                "{keys}"
            );
        }
        assert_eq!(slots_for(usize::MAX), usize::MAX);
    }

    /// A million `u64` keys take at most 24 bytes each in slots.
    #[test]
    fn a_million_u64_keys_cost_at_most_24_bytes_each() {
        let hasher = H::default();
        let mut table = Table::new(usize::MAX);
        for key in 0..1_000_000_u64 {
            let hash = hasher.hash_one(key);
            table.insert_new(&hasher, hash, key, t(1));
        }
        let bytes = table.slot_count() * size_of::<Option<(u64, FencingToken)>>();
        assert!(bytes <= 24 * 1_000_000, "{bytes}");
    }

    #[derive(Clone, Debug)]
    enum Op {
        Insert(u16, u64),
        Raise(u16, u64),
        Remove(u16),
        Evict(u16),
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0_u16..64;
        let mark = prop_oneof![1_u64..50, Just(u64::MAX)];
        prop_oneof![
            (key.clone(), mark.clone()).prop_map(|(k, m)| Op::Insert(k, m)),
            (key.clone(), mark).prop_map(|(k, m)| Op::Raise(k, m)),
            key.clone().prop_map(Op::Remove),
            key.prop_map(Op::Evict),
        ]
    }

    /// Hashes keys for real, or into 8 values (long clusters that wrap around the table).
    #[derive(Clone, Copy)]
    struct KeyHash {
        narrow: bool,
    }

    impl BuildHasher for KeyHash {
        type Hasher = KeyHasher;
        fn build_hasher(&self) -> KeyHasher {
            KeyHasher {
                narrow: self.narrow,
                value: 0,
            }
        }
    }

    struct KeyHasher {
        narrow: bool,
        value: u64,
    }

    impl core::hash::Hasher for KeyHasher {
        fn finish(&self) -> u64 {
            if self.narrow {
                self.value % 8
            } else {
                self.value.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            }
        }
        fn write(&mut self, bytes: &[u8]) {
            for &b in bytes {
                self.value = self.value.wrapping_mul(257).wrapping_add(u64::from(b));
            }
        }
    }

    proptest! {
        /// The table behaves as a map under inserts, raises, removals and evictions, with
        /// keys hashed for real or into 8 values (clusters that wrap around the table).
        #[test]
        fn prop_table_matches_a_map(ops in prop::collection::vec(op(), 0..300), narrow in any::<bool>()) {
            let hasher = KeyHash { narrow };
            let hash = |k: u16| hasher.hash_one(k);
            let mut table: Table<u16> = Table::new(usize::MAX);
            let mut model: HashMap<u16, FencingToken> = HashMap::new();
            for op in ops {
                match op {
                    Op::Insert(k, m) => {
                        if let std::collections::hash_map::Entry::Vacant(e) = model.entry(k) {
                            table.insert_new(&hasher, hash(k), k, t(m));
                            e.insert(t(m));
                        }
                    }
                    Op::Raise(k, m) => {
                        let got = table.raise(hash(k), &k, t(m));
                        let want = model.get_mut(&k).map(|mark| {
                            let previous = *mark;
                            *mark = previous.max(t(m));
                            previous
                        });
                        prop_assert_eq!(got, want);
                    }
                    Op::Remove(k) => {
                        prop_assert_eq!(table.remove(&hasher, hash(k), &k), model.remove(&k));
                    }
                    Op::Evict(k) => {
                        // The documented choice: the lowest mark among the first
                        // EVICTION_SAMPLE entries found from the key's home slot.
                        let n = table.slot_count();
                        let mut sample = Vec::new();
                        if n > 0 {
                            let mut i = home(hash(k), n);
                            for _ in 0..n {
                                if let Some((_, m)) = &table.slots[i] {
                                    sample.push(*m);
                                    if sample.len() == EVICTION_SAMPLE {
                                        break;
                                    }
                                }
                                i = (i + 1) % n;
                            }
                        }
                        let evicted = table.evict_one(&hasher, hash(k));
                        prop_assert_eq!(evicted, sample.iter().min().copied());
                        prop_assert_eq!(evicted.is_some(), !model.is_empty());
                        if let Some(mark) = evicted {
                            let gone: Vec<u16> = model
                                .keys()
                                .copied()
                                .filter(|key| table.get(hash(*key), key).is_none())
                                .collect();
                            prop_assert_eq!(gone.len(), 1);
                            prop_assert_eq!(model.remove(&gone[0]), Some(mark));
                        }
                    }
                }
                prop_assert_eq!(table.len(), model.len());
                for (k, m) in &model {
                    prop_assert_eq!(table.get(hash(*k), k), Some(*m));
                }
                let mut listed: Vec<(u16, FencingToken)> = table.iter().map(|(k, m)| (*k, m)).collect();
                listed.sort();
                let mut want: Vec<(u16, FencingToken)> = model.iter().map(|(k, m)| (*k, *m)).collect();
                want.sort();
                prop_assert_eq!(listed, want);
            }
        }

        /// A bounded table never grows past its slot limit while it has room.
        #[test]
        fn prop_bounded_table_stays_within_its_slots(limit in 1_usize..40, keys in prop::collection::vec(any::<u16>(), 0..200)) {
            let hasher = KeyHash { narrow: false };
            let max_slots = slots_for(limit);
            let mut table: Table<u16> = Table::new(limit);
            for k in keys {
                let hash = hasher.hash_one(k);
                if table.get(hash, &k).is_some() {
                    continue;
                }
                if !table.has_room() {
                    prop_assert!(table.evict_one(&hasher, hash).is_some());
                }
                prop_assert!(table.has_room());
                table.insert_new(&hasher, hash, k, t(1));
                prop_assert!(table.len() <= limit);
                prop_assert!(table.slot_count() <= max_slots);
            }
        }
    }
}
