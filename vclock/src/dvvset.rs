//! Dotted version vector sets: the sibling values of one key, with exact causality.

use alloc::vec::Vec;
use core::cmp::Ordering;

use crate::dot::Dot;
use crate::error::{DecodeError, VClockError};
use crate::vclock::VClock;

/// One replica's entry: how many of its events are known, and the values of the most
/// recent ones still current, newest first. Value `k` (from 0) has the dot
/// `(actor, counter - k)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Entry<A, V> {
    actor: A,
    counter: u64,
    values: Vec<V>,
}

/// A dotted version vector set: the concurrent values (siblings) of one key in a
/// replicated store, with a causal history compact enough to keep per key.
///
/// A key written concurrently at several replicas has several current values; a
/// write that saw some of them must replace exactly those. A version vector per value
/// cannot say which value a replica's counter refers to, so plain version vectors keep
/// values that were overwritten (false concurrency) or, with one vector per key, drop
/// values that were not (lost updates). A dotted version vector set keeps, for each
/// replica `i`, a counter `n` and the values of `i`'s last few events, newest first:
/// the `k`-th value (from 0) is the one written by event `(i, n - k)`. Every value thus
/// has its own dot, and the counters are the causal context of the whole set.
///
/// This is the structure of *Scalable and Accurate Causality Tracking for Eventually
/// Consistent Stores* (Almeida, Baquero, Gonçalves, Preguiça, Fonte, 2014), with the
/// operations of Riak's `dvvset` module:
///
/// * a read returns [`values`](Self::values) and the [`context`](Self::context);
/// * a write sends the context it read back with the new value, and the replica calls
///   [`update`](Self::update): values the context covers are discarded, the new value
///   gets the replica's next dot, and concurrent values stay as siblings;
/// * replicas exchange states with [`sync`](Self::sync): a value survives unless the
///   other side's counter covers its dot and the other side no longer holds it;
/// * siblings are collapsed with [`reconcile`](Self::reconcile) or
///   [`last_write_wins`](Self::last_write_wins).
///
/// Values may also be *anonymous*: written without a dot, as by
/// [`from_value`](Self::from_value) and the results of `reconcile`. They are kept
/// sorted and unique, and a sync keeps the anonymous values of the side whose context
/// strictly dominates, or of both sides when neither does.
///
/// # Examples
///
/// ```
/// use ward_vclock::{DvvSet, VClock};
///
/// // Two clients read the empty key, then both write: the writes are concurrent.
/// let mut key = DvvSet::new();
/// let seen = key.context();
/// key.update("r1", &seen, "cart: milk")?;
/// key.update("r1", &seen, "cart: eggs")?;
/// assert_eq!(key.values().collect::<Vec<_>>(), [&"cart: eggs", &"cart: milk"]);
///
/// // A client that read both writes a merged cart: it replaces exactly those.
/// let seen = key.context();
/// key.update("r1", &seen, "cart: eggs, milk")?;
/// assert_eq!(key.values().collect::<Vec<_>>(), [&"cart: eggs, milk"]);
///
/// // Another replica wrote concurrently; syncing keeps both.
/// let mut other = DvvSet::new();
/// other.update("r2", &VClock::new(), "cart: bread")?;
/// key.sync(&other);
/// assert_eq!(key.len(), 2);
/// # Ok::<(), ward_vclock::VClockError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct DvvSet<A, V> {
    /// Sorted strictly by actor; every counter is at least 1 and at least the number
    /// of its values.
    entries: Vec<Entry<A, V>>,
    /// Values without a dot, sorted strictly.
    anonymous: Vec<V>,
}

impl<A, V> DvvSet<A, V> {
    /// Creates the state of a key never written: no values, empty context.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DvvSet;
    ///
    /// let key = DvvSet::<&str, u32>::new();
    /// assert!(key.is_empty());
    /// assert!(key.context().is_empty());
    /// ```
    pub const fn new() -> Self {
        Self {
            entries: Vec::new(),
            anonymous: Vec::new(),
        }
    }

    /// A state holding one anonymous value and no causal history (Riak's `new(V)`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DvvSet;
    ///
    /// let key = DvvSet::<&str, _>::from_value("v");
    /// assert_eq!(key.values().collect::<Vec<_>>(), [&"v"]);
    /// assert!(key.context().is_empty());
    /// ```
    pub fn from_value(value: V) -> Self {
        Self {
            entries: Vec::new(),
            anonymous: alloc::vec![value],
        }
    }

    /// Number of values, siblings and anonymous ones (Riak's `size`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), 1)?;
    /// key.update('a', &VClock::new(), 2)?;
    /// assert_eq!(key.len(), 2);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn len(&self) -> usize {
        self.anonymous.len() + self.entries.iter().map(|e| e.values.len()).sum::<usize>()
    }

    /// Whether the key holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::DvvSet;
    ///
    /// assert!(DvvSet::<char, u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.anonymous.is_empty() && self.entries.iter().all(|e| e.values.is_empty())
    }

    /// The current values: anonymous ones first (ascending), then each replica's in
    /// actor order, newest first.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), "x")?;
    /// assert_eq!(key.values().collect::<Vec<_>>(), [&"x"]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.anonymous
            .iter()
            .chain(self.entries.iter().flat_map(|e| e.values.iter()))
    }

    /// The current values with their dots (`None` for anonymous values), in the order
    /// of [`values`](Self::values).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), "x")?;
    /// key.update('a', &VClock::new(), "y")?;
    /// let versions: Vec<_> = key.versions().collect();
    /// assert_eq!(versions, [(Some(Dot::new('a', 2)?), &"y"), (Some(Dot::new('a', 1)?), &"x")]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn versions(&self) -> impl Iterator<Item = (Option<Dot<A>>, &V)> + '_
    where
        A: Clone,
    {
        self.anonymous
            .iter()
            .map(|v| (None, v))
            .chain(self.entries.iter().flat_map(|e| {
                // `k < values.len() <= counter`, so every counter is at least 1.
                (0_u64..)
                    .zip(&e.values)
                    .map(|(k, v)| (Dot::new(e.actor.clone(), e.counter - k).ok(), v))
            }))
    }
}

impl<A: Ord + Clone, V> DvvSet<A, V> {
    /// A state holding one anonymous value written with the causal context `context`
    /// (Riak's `new(VV, V)`): the context's counters with no values of their own.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let seen: VClock<char> = [('a', 2)].into_iter().collect();
    /// let key = DvvSet::from_context(&seen, "merged");
    /// assert_eq!(key.context(), seen);
    /// assert_eq!(key.values().collect::<Vec<_>>(), [&"merged"]);
    /// ```
    pub fn from_context(context: &VClock<A>, value: V) -> Self {
        Self {
            entries: context
                .iter()
                .map(|(actor, counter)| Entry {
                    actor: actor.clone(),
                    counter,
                    values: Vec::new(),
                })
                .collect(),
            anonymous: alloc::vec![value],
        }
    }

    /// The causal context: for each replica, how many of its events this state knows
    /// (Riak's `join`). A client sends it back with its next write.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), 1)?;
    /// key.update('b', &VClock::new(), 2)?;
    /// assert_eq!(key.context(), [('a', 1), ('b', 1)].into_iter().collect());
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn context(&self) -> VClock<A> {
        self.entries
            .iter()
            .map(|e| (e.actor.clone(), e.counter))
            .collect()
    }

    /// Records a write at replica `actor` of `value`, by a client that had read
    /// `context`: discards the values whose dots `context` covers (the client saw
    /// them), gives `value` the replica's next dot and keeps every other value as a
    /// sibling. Returns the new value's dot. Anonymous values are discarded only if
    /// `context` strictly dominates this state's context. A write without a context
    /// (an empty clock) replaces nothing.
    ///
    /// # Errors
    ///
    /// [`VClockError::CounterOverflow`] if the replica's counter would pass
    /// `u64::MAX`; the state is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{Dot, DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// let empty = VClock::new();
    /// key.update('a', &empty, "first")?;
    /// let seen = key.context();
    /// key.update('a', &empty, "blind")?;            // did not read: a sibling
    /// assert_eq!(key.update('a', &seen, "second")?, Dot::new('a', 3)?);
    /// // "second" replaced "first", which its client had read, but not "blind".
    /// assert_eq!(key.values().collect::<Vec<_>>(), [&"second", &"blind"]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn update(
        &mut self,
        actor: A,
        context: &VClock<A>,
        value: V,
    ) -> Result<Dot<A>, VClockError> {
        let known = self.counter(&actor).max(context.get(&actor));
        let next = known
            .checked_add(1)
            .ok_or(VClockError::CounterOverflow { counter: known })?;
        let dot = Dot::new(actor.clone(), next)?;
        if self.context().partial_cmp(context) == Some(Ordering::Less) {
            self.anonymous.clear();
        }
        self.discard(context);
        let i = match self.entries.binary_search_by(|e| e.actor.cmp(&actor)) {
            Ok(i) => i,
            Err(i) => {
                self.entries.insert(
                    i,
                    Entry {
                        actor,
                        counter: 0,
                        values: Vec::new(),
                    },
                );
                i
            }
        };
        let entry = &mut self.entries[i];
        entry.counter = next;
        entry.values.insert(0, value);
        Ok(dot)
    }

    /// The counter of `actor` (0 if none).
    fn counter(&self, actor: &A) -> u64 {
        self.entries
            .binary_search_by(|e| e.actor.cmp(actor))
            .map_or(0, |i| self.entries[i].counter)
    }

    /// Drops the values whose dots `context` covers and raises the counters to it.
    fn discard(&mut self, context: &VClock<A>) {
        for entry in &mut self.entries {
            let seen = context.get(&entry.actor);
            // Value `k` has counter `counter - k`; it survives if that exceeds `seen`.
            let keep = entry.counter.saturating_sub(seen);
            entry
                .values
                .truncate(usize::try_from(keep).unwrap_or(usize::MAX));
            entry.counter = entry.counter.max(seen);
        }
        for (actor, counter) in context.iter() {
            if let Err(i) = self.entries.binary_search_by(|e| e.actor.cmp(actor)) {
                self.entries.insert(
                    i,
                    Entry {
                        actor: actor.clone(),
                        counter,
                        values: Vec::new(),
                    },
                );
            }
        }
    }
}

impl<A: Ord + Clone, V: Ord + Clone> DvvSet<A, V> {
    /// Merges the state of another replica of the same key into this one (Riak's
    /// `sync`). For each replica, the side with the higher counter wins the counter,
    /// and a value survives unless the other side's counter covers its dot and the
    /// other side no longer holds it (it was overwritten there). Anonymous values:
    /// those of the side whose context strictly dominates, or of both.
    ///
    /// Sync is commutative and idempotent over states of one key's history, and
    /// associative on the values held under dots. Anonymous values (from
    /// [`reconcile`](Self::reconcile) and [`from_value`](Self::from_value)) follow Riak's
    /// rule, which is not associative: in a three-way merge, the side that dominates an
    /// intermediate result replaces that result's anonymous values, so grouping the same
    /// three states differently can keep different anonymous values. Reconcile before
    /// syncing, or sync all replicas with one state, when anonymous values matter.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut a = DvvSet::new();
    /// a.update('a', &VClock::new(), "v1")?;
    /// let mut b = a.clone();
    /// let seen = b.context();
    /// b.update('b', &seen, "v2")?;                  // overwrites v1
    /// a.update('a', &VClock::new(), "v3")?;          // concurrent with v2
    /// a.sync(&b);
    /// assert_eq!(a.values().collect::<Vec<_>>(), [&"v3", &"v2"]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    pub fn sync(&mut self, other: &Self) {
        let mine = self.context();
        let theirs = other.context();
        self.anonymous = match mine.partial_cmp(&theirs) {
            Some(Ordering::Less) => other.anonymous.clone(),
            Some(Ordering::Greater) => core::mem::take(&mut self.anonymous),
            _ => union_sorted(core::mem::take(&mut self.anonymous), &other.anonymous),
        };
        let mut merged = Vec::with_capacity(self.entries.len().max(other.entries.len()));
        let mut left = core::mem::take(&mut self.entries).into_iter().peekable();
        let mut right = other.entries.iter().peekable();
        loop {
            let order = match (left.peek(), right.peek()) {
                (Some(l), Some(r)) => l.actor.cmp(&r.actor),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => break,
            };
            match order {
                Ordering::Less => merged.extend(left.next()),
                Ordering::Greater => merged.extend(right.next().cloned()),
                Ordering::Equal => {
                    if let (Some(l), Some(r)) = (left.next(), right.next()) {
                        merged.push(merge_entry(l, r));
                    }
                }
            }
        }
        self.entries = merged;
    }

    /// Collapses the siblings into one value computed by `merge` from all current
    /// values, written with this state's context as an anonymous value (Riak's
    /// `reconcile`). Write it back with [`update`](Self::update) to give it a dot.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), 3)?;
    /// key.update('b', &VClock::new(), 4)?;
    /// let sum = key.reconcile(|values| values.iter().copied().sum());
    /// assert_eq!(sum.values().collect::<Vec<_>>(), [&7]);
    /// assert_eq!(sum.context(), key.context());
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    #[must_use]
    pub fn reconcile(&self, merge: impl FnOnce(&[&V]) -> V) -> Self {
        let values: Vec<&V> = self.values().collect();
        Self::from_context(&self.context(), merge(&values))
    }

    /// Keeps only the greatest value by `compare` (for example the one with the latest
    /// timestamp), with this state's context, as an anonymous value (Riak's `lww`).
    /// `None` if there are no values.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), (17, "older"))?;
    /// key.update('b', &VClock::new(), (42, "newer"))?;
    /// let winner = key.last_write_wins(|x, y| x.0.cmp(&y.0)).unwrap();
    /// assert_eq!(winner.values().collect::<Vec<_>>(), [&(42, "newer")]);
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    #[must_use]
    pub fn last_write_wins(&self, mut compare: impl FnMut(&V, &V) -> Ordering) -> Option<Self> {
        let best = self.values().max_by(|x, y| compare(x, y))?;
        Some(Self::from_context(&self.context(), best.clone()))
    }
}

/// Merges one replica's entries from two states: the higher counter wins, and a value
/// survives if its dot is beyond the other side's counter or the other side still
/// holds it.
fn merge_entry<A: Clone, V: Clone>(mine: Entry<A, V>, theirs: &Entry<A, V>) -> Entry<A, V> {
    // Value `k` of an entry with counter `n` has counter `n - k`; the other side holds
    // counters above `n' - len'`, so a value survives if `n - k > n' - len'`.
    let survivors = |entry: &Entry<A, V>, other: &Entry<A, V>| -> usize {
        let floor = other.counter.saturating_sub(other.values.len() as u64);
        let keep = entry.counter.saturating_sub(floor);
        usize::try_from(keep)
            .unwrap_or(usize::MAX)
            .min(entry.values.len())
    };
    if mine.counter >= theirs.counter {
        let keep = survivors(&mine, theirs);
        let mut mine = mine;
        mine.values.truncate(keep);
        mine
    } else {
        let keep = survivors(theirs, &mine);
        Entry {
            actor: theirs.actor.clone(),
            counter: theirs.counter,
            values: theirs.values[..keep].to_vec(),
        }
    }
}

/// Merges two strictly sorted vectors into one, dropping duplicates.
fn union_sorted<V: Ord + Clone>(mine: Vec<V>, theirs: &[V]) -> Vec<V> {
    let mut out = Vec::with_capacity(mine.len() + theirs.len());
    let mut mine = mine.into_iter().peekable();
    let mut theirs = theirs.iter().peekable();
    loop {
        let order = match (mine.peek(), theirs.peek()) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return out,
        };
        match order {
            Ordering::Less => out.extend(mine.next()),
            Ordering::Greater => out.extend(theirs.next().cloned()),
            Ordering::Equal => {
                out.extend(mine.next());
                theirs.next();
            }
        }
    }
}

impl<A, V> Default for DvvSet<A, V> {
    /// The state of a key never written.
    fn default() -> Self {
        Self::new()
    }
}

/// Checked conversion from parts in canonical form: entries `(actor, counter, values
/// newest first)` with actors strictly increasing, counters at least 1 and at least
/// the number of values, and anonymous values strictly increasing.
impl<A: Ord, V: Ord> TryFrom<(Vec<(A, u64, Vec<V>)>, Vec<V>)> for DvvSet<A, V> {
    type Error = DecodeError;

    fn try_from(
        (entries, anonymous): (Vec<(A, u64, Vec<V>)>, Vec<V>),
    ) -> Result<Self, DecodeError> {
        for (index, (_, counter, values)) in entries.iter().enumerate() {
            if *counter == 0 {
                return Err(DecodeError::ZeroEntry { index });
            }
            if values.len() as u64 > *counter {
                return Err(DecodeError::TooManyValues {
                    index,
                    values: values.len(),
                    counter: *counter,
                });
            }
        }
        for (index, pair) in entries.windows(2).enumerate() {
            match pair[0].0.cmp(&pair[1].0) {
                Ordering::Less => {}
                Ordering::Equal => return Err(DecodeError::DuplicateActor { index: index + 1 }),
                Ordering::Greater => return Err(DecodeError::UnsortedActors { index: index + 1 }),
            }
        }
        for (index, pair) in anonymous.windows(2).enumerate() {
            if pair[0] >= pair[1] {
                return Err(DecodeError::UnsortedValues { index: index + 1 });
            }
        }
        Ok(Self {
            entries: entries
                .into_iter()
                .map(|(actor, counter, values)| Entry {
                    actor,
                    counter,
                    values,
                })
                .collect(),
            anonymous,
        })
    }
}

impl<A, V> DvvSet<A, V> {
    /// Splits the state into its entries `(actor, counter, values newest first)` and
    /// its anonymous values, the form [`TryFrom`] accepts back.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{DvvSet, VClock};
    ///
    /// let mut key = DvvSet::new();
    /// key.update('a', &VClock::new(), "x")?;
    /// let parts = key.clone().into_parts();
    /// assert_eq!(parts, (vec![('a', 1, vec!["x"])], vec![]));
    /// assert_eq!(DvvSet::try_from(parts), Ok(key));
    /// # Ok::<(), ward_vclock::VClockError>(())
    /// ```
    #[allow(clippy::type_complexity)]
    pub fn into_parts(self) -> (Vec<(A, u64, Vec<V>)>, Vec<V>) {
        (
            self.entries
                .into_iter()
                .map(|e| (e.actor, e.counter, e.values))
                .collect(),
            self.anonymous,
        )
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::DvvSet;

    #[derive(Serialize)]
    #[serde(rename = "DvvSet")]
    struct Encoded<'a, A, V> {
        entries: Vec<(&'a A, u64, &'a [V])>,
        anonymous: &'a [V],
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(rename = "DvvSet")]
    struct Decoded<A, V> {
        entries: Vec<(A, u64, Vec<V>)>,
        anonymous: Vec<V>,
    }

    /// Encoded as a struct with fields `entries` (a sequence of `(actor, counter,
    /// values newest first)` in ascending actor order) and `anonymous` (ascending).
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<A: Serialize, V: Serialize> Serialize for DvvSet<A, V> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encoded {
                entries: self
                    .entries
                    .iter()
                    .map(|e| (&e.actor, e.counter, e.values.as_slice()))
                    .collect(),
                anonymous: &self.anonymous,
            }
            .serialize(serializer)
        }
    }

    /// Accepts only the canonical encoding; see the [`TryFrom`] conversion.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, A: Deserialize<'de> + Ord, V: Deserialize<'de> + Ord> Deserialize<'de> for DvvSet<A, V> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decoded { entries, anonymous } = Decoded::deserialize(deserializer)?;
            DvvSet::try_from((entries, anonymous)).map_err(D::Error::custom)
        }
    }
}
