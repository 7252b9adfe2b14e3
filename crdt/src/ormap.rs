//! Observed-remove map of nested CRDTs, with add-wins keys and reset-remove.

use alloc::vec::Vec;
use core::borrow::Borrow;
use core::fmt;

use crate::error::{RemoveError, ReplicaError};
use crate::gcounter::GCounter;
use crate::lattice::{DeltaCrdt, Lattice};
use crate::mvreg::MvRegister;
use crate::orset::{Digest, OrSet};
use crate::pncounter::PnCounter;

mod sync;

pub use sync::MapDigest;

/// A CRDT that can live inside an [`OrMap`]: it can produce the delta that resets
/// everything it has observed.
///
/// Removing a key from an [`OrMap`] merges this *reset* into the key's value, so the
/// removal undoes exactly the updates it observed, and an update made concurrently with
/// the removal survives it (reset-remove, as in riak_dt's map).
///
/// # Examples
///
/// ```
/// use ward_crdt::{Lattice, Nested, OrSet, Replica};
///
/// let mut set = Replica::new("a", OrSet::new());
/// set.add(1)?;
/// let reset = set.state().reset();
/// assert!(set.state().clone().join(&reset).is_empty());
/// # Ok::<(), ward_crdt::VClockError>(())
/// ```
pub trait Nested: DeltaCrdt + Clone + PartialEq {
    /// The delta that removes every update this state has observed; the bottom state
    /// when the type cannot express a reset.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{MvRegister, Nested, Replica};
    ///
    /// let mut reg = Replica::new("a", MvRegister::new());
    /// reg.write(5)?;
    /// assert_eq!(reg.state().reset().context(), reg.state().context());
    /// # Ok::<(), ward_crdt::VClockError>(())
    /// ```
    fn reset(&self) -> Self;

    /// What a peer sends so that this type can compute the optimal delta for it:
    /// [`Digest`] for sets and registers, the counter itself for counters (it is a
    /// version vector of counts), [`MapDigest`] for maps.
    type Digest: Clone + PartialEq;

    /// This state's digest, for a peer to compute [`delta_for`](Nested::delta_for).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Nested, Replica};
    ///
    /// let mut c = Replica::new("a", GCounter::new());
    /// c.increment(2)?;
    /// assert_eq!(&Nested::digest(c.state()), c.state());
    /// # Ok::<(), ward_crdt::CounterError>(())
    /// ```
    fn digest(&self) -> Self::Digest;

    /// The optimal delta `Δ(self, peer)` for the peer whose digest is `peer`: the join
    /// of exactly the parts of this state the peer's state is not above (Enes, Almeida,
    /// Baquero, Leitão, *Efficient Synchronization of State-based CRDTs*). So
    /// `peer ⊔ Δ == peer ⊔ self`, `Δ ≤ self`, and `Δ` is the bottom state exactly when
    /// the peer already has everything this state has.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, Nested, Replica};
    ///
    /// let mut a = Replica::new("a", GCounter::new());
    /// let mut b = Replica::new("b", GCounter::new());
    /// a.increment(2)?;
    /// b.increment(5)?;
    /// let delta = Nested::delta_for(a.state(), &Nested::digest(b.state()));
    /// assert_eq!(delta, a.state().clone()); // b has nothing of a's
    /// b.merge_delta(&delta)?;
    /// assert_eq!(Nested::delta_for(a.state(), &Nested::digest(b.state())), GCounter::new());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn delta_for(&self, peer: &Self::Digest) -> Self;
}

/// Context-only: every live dot.
impl<E: Ord + Clone, A: Ord + Clone> Nested for OrSet<E, A> {
    type Digest = Digest<A>;

    fn reset(&self) -> Self {
        self.clone().clear()
    }

    fn digest(&self) -> Digest<A> {
        OrSet::digest(self)
    }

    fn delta_for(&self, peer: &Digest<A>) -> Self {
        OrSet::delta_for(self, peer)
    }
}

/// Context-only: every sibling's dot.
impl<T: Clone + PartialEq, A: Ord + Clone> Nested for MvRegister<T, A> {
    type Digest = Digest<A>;

    fn reset(&self) -> Self {
        self.clone().clear()
    }

    fn digest(&self) -> Digest<A> {
        MvRegister::digest(self)
    }

    fn delta_for(&self, peer: &Digest<A>) -> Self {
        MvRegister::delta_for(self, peer)
    }
}

/// A grow-only count cannot be reset: the bottom state. A removed key's count comes
/// back with the key. The digest is the counter itself; the delta is the entries above
/// the peer's.
impl<A: Ord + Clone> Nested for GCounter<A> {
    type Digest = Self;

    fn reset(&self) -> Self {
        Self::new()
    }

    fn digest(&self) -> Self {
        self.clone()
    }

    fn delta_for(&self, peer: &Self) -> Self {
        self.above(peer)
    }
}

/// As for [`GCounter`]: no reset; the digest is the counter, the delta its increments
/// and decrements above the peer's.
impl<A: Ord + Clone> Nested for PnCounter<A> {
    type Digest = Self;

    fn reset(&self) -> Self {
        Self::new()
    }

    fn digest(&self) -> Self {
        self.clone()
    }

    fn delta_for(&self, peer: &Self) -> Self {
        PnCounter::from_parts(
            self.increments().above(peer.increments()),
            self.decrements().above(peer.decrements()),
        )
    }
}

/// Every key's removal and every value's reset; digest and delta as
/// [`OrMap::digest`] and [`OrMap::delta_for`].
impl<K: Ord + Clone, V: Nested<Actor = A>, A: Ord + Clone> Nested for OrMap<K, V, A> {
    type Digest = MapDigest<K, V::Digest, A>;

    fn digest(&self) -> Self::Digest {
        OrMap::digest(self)
    }

    fn delta_for(&self, peer: &Self::Digest) -> Self {
        OrMap::delta_for(self, peer)
    }

    fn reset(&self) -> Self {
        Self {
            keys: self.keys.clone().clear(),
            values: self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v.reset()))
                .filter(|(_, v)| *v != V::default())
                .collect(),
            empty: V::default(),
        }
    }
}

/// An observed-remove map from keys to nested CRDTs (counters, sets, registers, maps),
/// in delta-state form: the map of riak_dt and Akka's `ORMap`.
///
/// - **Keys are add-wins.** Every update of a key also adds the key to an [`OrSet`] of
///   keys, so an update concurrent with a removal keeps the key.
/// - **Removal resets.** Removing a key removes it from the key set and merges the
///   value's [`Nested::reset`]: the updates the removal observed are undone, updates it
///   did not observe survive. A key re-added after a removal starts from what survived,
///   not from the old value (counters excepted, see [`Nested`]).
/// - **Values merge as their type does.** The map is the product of its key set and the
///   pointwise join of its values, so its merge is a join: commutative, associative and
///   idempotent, and deltas may be lost, duplicated and reordered.
///
/// A removed key keeps its value's causal context (not its contents), so that a late
/// delta of an observed update cannot bring the content back; that is one context per
/// removed key.
///
/// # Examples
///
/// ```
/// use ward_crdt::{Lattice, OrMap, OrSet, Replica};
///
/// // A user's carts, one per shop, on two replicas.
/// let mut a = Replica::new("a", OrMap::<&str, OrSet<&str, &str>, &str>::new());
/// let mut b = Replica::new("b", OrMap::new());
/// let d1 = a.update("books", |cart| cart.add("dune"))?;
/// b.merge_delta(&d1)?;
///
/// // Concurrently: b removes the books cart, a adds to it.
/// let remove = b.remove_key("books")?;
/// let add = a.update("books", |cart| cart.add("emma"))?;
/// a.merge_delta(&remove)?;
/// b.merge_delta(&add)?;
///
/// // The key survives (add wins) with only the unobserved update (reset-remove).
/// let books = b.state().get("books").expect("present");
/// assert_eq!(books.iter().collect::<Vec<_>>(), [&"emma"]);
/// assert_eq!(a.state(), b.state());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct OrMap<K, V, A> {
    keys: OrSet<K, A>,
    /// Sorted strictly by key; no value is the bottom state.
    values: Vec<(K, V)>,
    /// The bottom value, handed out for present keys without a stored value.
    empty: V,
}

impl<K, V: Default, A> OrMap<K, V, A> {
    /// Creates an empty map. Does not allocate for this crate's value types.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap};
    ///
    /// assert!(OrMap::<u8, GCounter<u8>, u8>::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Self {
            keys: OrSet::new(),
            values: Vec::new(),
            empty: V::default(),
        }
    }
}

impl<K, V, A> OrMap<K, V, A> {
    /// Number of keys present.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<_, GCounter<_>, _>::new());
    /// m.update("x", |c| c.increment(1))?;
    /// assert_eq!(m.state().len(), 1);
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is present.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap};
    ///
    /// assert!(OrMap::<u8, GCounter<u8>, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key set (an add-wins [`OrSet`]), with its dots and context.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<_, GCounter<_>, _>::new());
    /// m.update("x", |c| c.increment(1))?;
    /// assert!(m.state().keys().contains(&"x"));
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn keys(&self) -> &OrSet<K, A> {
        &self.keys
    }

    /// The key set and the stored `(key, value)` pairs (present keys with a non-bottom
    /// value, and removed keys whose value keeps a causal context), as
    /// `TryFrom<(OrSet<K, A>, Vec<(K, V)>)>` takes them.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<_, GCounter<_>, _>::new());
    /// m.update("x", |c| c.increment(2))?;
    /// let (keys, values) = m.state().parts();
    /// assert_eq!((keys.len(), values.len()), (1, 1));
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn parts(&self) -> (&OrSet<K, A>, &[(K, V)]) {
        (&self.keys, &self.values)
    }
}

impl<K: Ord, V, A> OrMap<K, V, A> {
    fn slot<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.values.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    /// The value of `key`, if the key is present.
    ///
    /// A present key whose value has been reset to bottom reads as that bottom value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrMap, OrSet, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<String, OrSet<u8, &str>, &str>::new());
    /// m.update(String::from("k"), |s| s.add(1))?;
    /// assert!(m.state().get("k").is_some_and(|s| s.contains(&1)));
    /// assert!(m.state().get("z").is_none());
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        A: Ord + Clone,
    {
        if !self.keys.contains(key) {
            return None;
        }
        Some(match self.slot(key) {
            Ok(i) => &self.values[i].1,
            Err(_) => &self.empty,
        })
    }

    /// The present keys with their values, in key order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<_, GCounter<_>, _>::new());
    /// m.update(2, |c| c.increment(5))?;
    /// m.update(1, |c| c.increment(3))?;
    /// let read: Vec<_> = m.state().iter().map(|(k, v)| (*k, v.value())).collect();
    /// assert_eq!(read, [(1, 3), (2, 5)]);
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_
    where
        A: Ord + Clone,
    {
        self.keys.iter().map(|k| {
            let v = match self.slot(k) {
                Ok(i) => &self.values[i].1,
                Err(_) => &self.empty,
            };
            (k, v)
        })
    }
}

impl<K: Ord + Clone, V: Nested<Actor = A>, A: Ord + Clone> OrMap<K, V, A> {
    /// Applies `update` to `key`'s value through a replica of `actor`, adds the key,
    /// and returns the map delta; on error the map is unchanged. Reached through
    /// [`Replica::update`](crate::Replica::update).
    pub(crate) fn update_with<F, E>(
        &mut self,
        actor: &A,
        key: K,
        update: F,
    ) -> Result<Self, ReplicaError>
    where
        F: FnOnce(&mut crate::Replica<A, V>) -> Result<V, E>,
        ReplicaError: From<E>,
    {
        let slot = self.slot(&key);
        let current = match slot {
            Ok(i) => self.values[i].1.clone(),
            Err(_) => V::default(),
        };
        let mut nested = crate::Replica::new(actor.clone(), current);
        let value_delta = update(&mut nested)?;
        let key_delta = self.keys.add(actor, key.clone())?;
        let (_, value) = nested.into_parts();
        self.store(slot, key.clone(), value);
        let mut values = Vec::new();
        if value_delta != V::default() {
            values.push((key, value_delta));
        }
        Ok(Self {
            keys: key_delta,
            values,
            empty: V::default(),
        })
    }

    fn store(&mut self, slot: Result<usize, usize>, key: K, value: V) {
        let bottom = value == V::default();
        match (slot, bottom) {
            (Ok(i), false) => self.values[i].1 = value,
            (Ok(i), true) => {
                self.values.remove(i);
            }
            (Err(i), false) => self.values.insert(i, (key, value)),
            (Err(_), true) => {}
        }
    }

    /// Removes `key`: drops its observed key dots and resets its value (see
    /// [`Nested::reset`]), and returns the delta.
    ///
    /// # Errors
    ///
    /// [`RemoveError::NotPresent`] if `key` is not present; the map is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrMap, OrSet, RemoveError, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<&str, OrSet<u8, &str>, &str>::new());
    /// m.update("k", |s| s.add(1))?;
    /// m.remove_key("k")?;
    /// assert!(m.state().get("k").is_none());
    /// assert_eq!(m.remove_key("k"), Err(RemoveError::NotPresent));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Result<Self, RemoveError>
    where
        K: Borrow<Q>,
    {
        let key_delta = self.keys.remove(key)?;
        let mut values = Vec::new();
        if let Ok(i) = self.slot(key) {
            let reset = self.values[i].1.reset();
            let mut value = self.values[i].1.clone();
            value.merge(&reset);
            let k = self.values[i].0.clone();
            self.store(Ok(i), k.clone(), value);
            if reset != V::default() {
                values.push((k, reset));
            }
        }
        Ok(Self {
            keys: key_delta,
            values,
            empty: V::default(),
        })
    }
}

impl<K: Ord + Clone, V: Nested<Actor = A>, A: Ord + Clone> Lattice for OrMap<K, V, A> {
    fn merge(&mut self, other: &Self) {
        self.keys.merge(&other.keys);
        if other.values.is_empty() {
            return;
        }
        let mut out: Vec<(K, V)> = Vec::with_capacity(self.values.len() + other.values.len());
        let mut mine = core::mem::take(&mut self.values).into_iter().peekable();
        let mut theirs = other.values.iter().peekable();
        loop {
            match (mine.peek(), theirs.peek()) {
                (Some((a, _)), Some((b, _))) => match a.cmp(b) {
                    core::cmp::Ordering::Less => out.extend(mine.next()),
                    core::cmp::Ordering::Greater => out.extend(theirs.next().cloned()),
                    core::cmp::Ordering::Equal => {
                        let (k, mut v) = mine.next().expect("peeked");
                        let (_, w) = theirs.next().expect("peeked");
                        v.merge(w);
                        if v != V::default() {
                            out.push((k, v));
                        }
                    }
                },
                (Some(_), None) => out.extend(mine.by_ref()),
                (None, Some(_)) => out.extend(theirs.by_ref().cloned()),
                (None, None) => break,
            }
        }
        self.values = out;
    }
}

impl<K: Ord + Clone, V: Nested<Actor = A>, A: Ord + Clone> DeltaCrdt for OrMap<K, V, A> {
    type Actor = A;

    fn events_of(&self, actor: &A) -> u64 {
        self.values
            .iter()
            .map(|(_, v)| v.events_of(actor))
            .fold(self.keys.events_of(actor), u64::max)
    }

    fn unknown_events_of(&self, incoming: &Self, actor: &A) -> Option<(u64, u64)> {
        if let Some(found) = self.keys.unknown_events_of(&incoming.keys, actor) {
            return Some(found);
        }
        incoming
            .values
            .iter()
            .find_map(|(k, theirs)| match self.slot(k) {
                Ok(i) => self.values[i].1.unknown_events_of(theirs, actor),
                Err(_) => V::default().unknown_events_of(theirs, actor),
            })
    }

    fn double_spent_dot(&self, incoming: &Self) -> Option<u64> {
        self.keys.double_spent_dot(&incoming.keys).or_else(|| {
            incoming.values.iter().find_map(|(k, theirs)| {
                self.slot(k)
                    .ok()
                    .and_then(|i| self.values[i].1.double_spent_dot(theirs))
            })
        })
    }
}

impl<K, V: Default, A> Default for OrMap<K, V, A> {
    fn default() -> Self {
        Self::new()
    }
}

/// Equal when the key sets and the stored values are equal.
impl<K: PartialEq, V: PartialEq, A: Ord + Clone> PartialEq for OrMap<K, V, A> {
    fn eq(&self, other: &Self) -> bool {
        self.keys == other.keys && self.values == other.values
    }
}

impl<K: Eq, V: Eq, A: Ord + Clone> Eq for OrMap<K, V, A> {}

impl<K: fmt::Debug + Ord, V: fmt::Debug, A: fmt::Debug + Ord + Clone> fmt::Debug
    for OrMap<K, V, A>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OrMap")
            .field("keys", &self.keys)
            .field("values", &self.values)
            .finish()
    }
}

/// Builds a map from its key set and `(key, value)` pairs, validating the canonical
/// form: keys strictly increasing, no bottom value.
///
/// A value may hold content under a key the key set does not hold: a delta from
/// [`OrMap::delta_for`] does so when the peer already has the key's newest dot but
/// lost an earlier update of the value, and merging the delta restores that content.
/// Such a key still reads as absent until it is added again.
///
/// # Errors
///
/// [`DecodeError::UnsortedEntries`](crate::DecodeError::UnsortedEntries) for misordered
/// or repeated keys, [`DecodeError::ZeroCount`](crate::DecodeError::ZeroCount) for a
/// bottom value (nothing to store).
impl<K: Ord, V: Default + PartialEq, A> TryFrom<(OrSet<K, A>, Vec<(K, V)>)> for OrMap<K, V, A> {
    type Error = crate::error::DecodeError;

    fn try_from((keys, values): (OrSet<K, A>, Vec<(K, V)>)) -> Result<Self, Self::Error> {
        for (index, pair) in values.windows(2).enumerate() {
            if pair[0].0 >= pair[1].0 {
                return Err(crate::error::DecodeError::UnsortedEntries { index: index + 1 });
            }
        }
        if let Some(index) = values.iter().position(|(_, v)| *v == V::default()) {
            return Err(crate::error::DecodeError::ZeroCount { index });
        }
        Ok(Self {
            keys,
            values,
            empty: V::default(),
        })
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::OrMap;
    use crate::orset::OrSet;

    #[derive(Serialize)]
    #[serde(bound(serialize = "K: Serialize + Ord, V: Serialize, A: Serialize + Ord + Clone"))]
    struct Encode<'a, K, V, A> {
        keys: &'a OrSet<K, A>,
        values: &'a [(K, V)],
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(
        deserialize = "K: Deserialize<'de> + Ord + Clone, V: Deserialize<'de>, A: Deserialize<'de> + Ord + Clone"
    ))]
    struct Decode<K, V, A> {
        keys: OrSet<K, A>,
        values: Vec<(K, V)>,
    }

    /// Encoded as `{"keys": <OrSet>, "values": [[key, value], ...]}`, values in key
    /// order.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<K: Serialize + Ord, V: Serialize, A: Serialize + Ord + Clone> Serialize for OrMap<K, V, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                keys: &self.keys,
                values: &self.values,
            }
            .serialize(serializer)
        }
    }

    /// Validates the key set as [`OrSet`] does and the values like
    /// `TryFrom<(OrSet<K, A>, Vec<(K, V)>)>`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, K, V, A> Deserialize<'de> for OrMap<K, V, A>
    where
        K: Deserialize<'de> + Ord + Clone,
        V: Deserialize<'de> + Default + PartialEq,
        A: Deserialize<'de> + Ord + Clone,
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decode { keys, values } = Decode::deserialize(deserializer)?;
            OrMap::try_from((keys, values)).map_err(D::Error::custom)
        }
    }
}
