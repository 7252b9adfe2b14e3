//! Anti-entropy for maps: a peer's [`MapDigest`] and the optimal delta for it.

use alloc::vec::Vec;

use super::{Nested, OrMap};
use crate::error::DecodeError;
use crate::orset::Digest;

/// What a replica tells a peer about its [`OrMap`] so that the peer can compute the
/// optimal delta for it ([`OrMap::delta_for`]): the digest of the key set and, for every
/// stored value, the value's own digest ([`Nested::Digest`]), in key order.
///
/// A key the digest does not list stands for the bottom value, so the digest of a map
/// costs what the digests of its parts cost: no keys' contents, only causal metadata
/// (and counters, whose metadata is their content).
///
/// # Examples
///
/// ```
/// use ward_crdt::{GCounter, OrMap, Replica};
///
/// let mut m = Replica::new("a", OrMap::<&str, GCounter<&str>, &str>::new());
/// m.update("x", |c| c.increment(3))?;
/// let digest = m.state().digest();
/// assert_eq!(digest.keys().live().dots().count(), 1);
/// assert_eq!(digest.values()[0].1.value(), 3);
/// # Ok::<(), ward_crdt::ReplicaError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MapDigest<K, D, A> {
    keys: Digest<A>,
    /// Sorted strictly by key.
    values: Vec<(K, D)>,
}

impl<K, D, A> MapDigest<K, D, A> {
    /// The digest of the map's key set.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap};
    ///
    /// let map = OrMap::<u8, GCounter<u8>, u8>::new();
    /// assert!(map.digest().keys().context().is_empty());
    /// ```
    pub fn keys(&self) -> &Digest<A> {
        &self.keys
    }

    /// The stored values' digests, in key order.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap};
    ///
    /// assert!(OrMap::<u8, GCounter<u8>, u8>::new().digest().values().is_empty());
    /// ```
    pub fn values(&self) -> &[(K, D)] {
        &self.values
    }

    /// Splits the digest into the key set's digest and the values' digests.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{GCounter, OrMap};
    ///
    /// let (keys, values) = OrMap::<u8, GCounter<u8>, u8>::new().digest().into_parts();
    /// assert!(keys.live().is_empty() && values.is_empty());
    /// ```
    pub fn into_parts(self) -> (Digest<A>, Vec<(K, D)>) {
        (self.keys, self.values)
    }
}

/// Builds a map digest from the key set's digest and `(key, value digest)` pairs,
/// checking that the keys are strictly increasing.
///
/// # Errors
///
/// [`DecodeError::UnsortedEntries`] for a misordered or repeated key.
///
/// # Examples
///
/// ```
/// use ward_crdt::{DecodeError, GCounter, MapDigest, OrSet};
///
/// let keys = OrSet::<u8, u8>::new().digest();
/// let pairs = vec![(2_u8, GCounter::<u8>::new()), (1, GCounter::new())];
/// assert_eq!(
///     MapDigest::try_from((keys, pairs)),
///     Err(DecodeError::UnsortedEntries { index: 1 })
/// );
/// ```
impl<K: Ord, D, A> TryFrom<(Digest<A>, Vec<(K, D)>)> for MapDigest<K, D, A> {
    type Error = DecodeError;

    fn try_from((keys, values): (Digest<A>, Vec<(K, D)>)) -> Result<Self, DecodeError> {
        if let Some(index) = values.windows(2).position(|pair| pair[0].0 >= pair[1].0) {
            return Err(DecodeError::UnsortedEntries { index: index + 1 });
        }
        Ok(Self { keys, values })
    }
}

impl<K: Ord + Clone, V: Nested<Actor = A>, A: Ord + Clone> OrMap<K, V, A> {
    /// This map's [`MapDigest`]: what a peer needs to compute
    /// [`delta_for`](OrMap::delta_for) this map.
    ///
    /// Cost: the key set's digest plus one [`Nested::digest`] per stored value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrMap, OrSet, Replica};
    ///
    /// let mut m = Replica::new("a", OrMap::<u8, OrSet<u8, &str>, &str>::new());
    /// m.update(1, |s| s.add(7))?;
    /// let digest = m.state().digest();
    /// assert_eq!(digest.values().len(), 1);
    /// assert_eq!(digest.values()[0].1.live().dots().count(), 1);
    /// # Ok::<(), ward_crdt::ReplicaError>(())
    /// ```
    pub fn digest(&self) -> MapDigest<K, V::Digest, A> {
        MapDigest {
            keys: self.keys.digest(),
            values: self
                .values
                .iter()
                .map(|(k, v)| (k.clone(), v.digest()))
                .collect(),
        }
    }

    /// The optimal delta `Δ(self, peer)` for the peer whose [`MapDigest`] is `peer`
    /// (Enes, Almeida, Baquero, Leitão, *Efficient Synchronization of State-based
    /// CRDTs*).
    ///
    /// The map is the product of its key set and the pointwise map of its values, so
    /// the delta is the key set's [`OrSet::delta_for`](crate::OrSet::delta_for) and, for
    /// every stored value, the value's [`Nested::delta_for`] against the peer's value
    /// digest (the bottom value's digest for a key the peer does not list), dropping
    /// bottom deltas. Hence `peer ⊔ Δ == peer ⊔ self`, `Δ ≤ self`, and `Δ` is the
    /// empty map exactly when the peer already has everything this map has, removals
    /// and nested removals included: equal replicas send nothing.
    ///
    /// Cost: the key set's delta plus one nested delta per stored value here (a
    /// binary search in the peer's digest each).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{OrMap, OrSet, Replica};
    ///
    /// type Cart = OrMap<&'static str, OrSet<&'static str, &'static str>, &'static str>;
    /// let mut a = Replica::new("a", Cart::new());
    /// let mut b = Replica::new("b", Cart::new());
    /// a.update("books", |s| s.add("dune"))?;
    /// a.update("music", |s| s.add("bach"))?;
    /// a.remove_key("music")?;
    /// b.merge(a.state())?;
    /// // Equal peers: nothing to send, although a key was removed.
    /// assert_eq!(a.state().delta_for(&b.state().digest()), Cart::new());
    ///
    /// a.update("books", |s| s.add("emma"))?;
    /// let delta = a.state().delta_for(&b.state().digest());
    /// let books = delta.get("books").expect("the key's new dot travels");
    /// assert_eq!(books.iter().collect::<Vec<_>>(), [&"emma"]); // not "dune" again
    /// b.merge_delta(&delta)?;
    /// assert_eq!(b.state(), a.state());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delta_for(&self, peer: &MapDigest<K, V::Digest, A>) -> Self {
        let keys = self.keys.delta_for(&peer.keys);
        let mut bottom: Option<V::Digest> = None;
        let mut values = Vec::new();
        for (k, v) in &self.values {
            let delta = match peer.values.binary_search_by(|(p, _)| p.cmp(k)) {
                Ok(i) => v.delta_for(&peer.values[i].1),
                Err(_) => v.delta_for(bottom.get_or_insert_with(|| V::default().digest())),
            };
            if delta != V::default() {
                values.push((k.clone(), delta));
            }
        }
        Self {
            keys,
            values,
            empty: V::default(),
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::MapDigest;
    use crate::orset::Digest;

    #[derive(Serialize)]
    struct Encode<'a, K, D, A> {
        keys: &'a Digest<A>,
        values: &'a [(K, D)],
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(
        deserialize = "K: Deserialize<'de>, D: Deserialize<'de>, A: Deserialize<'de> + Ord + Clone"
    ))]
    struct Decode<K, D, A> {
        keys: Digest<A>,
        values: Vec<(K, D)>,
    }

    /// Encoded as `{"keys": <Digest>, "values": [[key, digest], ...]}`, in key order.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<K: Serialize, D: Serialize, A: Serialize> Serialize for MapDigest<K, D, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                keys: &self.keys,
                values: &self.values,
            }
            .serialize(serializer)
        }
    }

    /// Validates the key set's digest as [`Digest`] does and the keys' order like
    /// `TryFrom<(Digest<A>, Vec<(K, D)>)>`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, K, D, A> Deserialize<'de> for MapDigest<K, D, A>
    where
        K: Deserialize<'de> + Ord,
        D: Deserialize<'de>,
        A: Deserialize<'de> + Ord + Clone,
    {
        fn deserialize<De: Deserializer<'de>>(deserializer: De) -> Result<Self, De::Error> {
            let Decode { keys, values } = Decode::deserialize(deserializer)?;
            MapDigest::try_from((keys, values)).map_err(De::Error::custom)
        }
    }
}
