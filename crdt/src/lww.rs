//! Last-writer-wins register over any ordered stamp.

use crate::error::{DuplicateStamp, StaleStamp};
use crate::lattice::Lattice;

/// A last-writer-wins register: holds one value and the stamp of the write that put it
/// there; merge keeps the write with the greater stamp.
///
/// The register is generic over the stamp type `S`, so any totally ordered stamp fits: a
/// hybrid logical clock stamp that is unique per node (such as `ward-hlc`'s), a
/// `(wall_time, node_id)` pair, a Lamport counter with a node id. Use unique stamps: two
/// different writes with equal stamps are ordered by value (hence `T: Ord` for merging),
/// which is deterministic but arbitrary.
///
/// Last-writer-wins *discards* the losing concurrent write; it is the right register only
/// when losing a concurrent write is acceptable. When it is not, use
/// [`MvRegister`](crate::MvRegister), which keeps concurrent writes as siblings.
///
/// The empty register (no write yet) is the bottom of the lattice.
///
/// # Examples
///
/// ```
/// use ward_crdt::{Lattice, LwwRegister};
///
/// // Stamps here are (time, node) pairs; an HLC stamp works the same way.
/// let mut dc1 = LwwRegister::new();
/// let mut dc2 = LwwRegister::new();
/// dc1.set("1 Main St", (100_u64, 1_u8))?;
/// dc2.set("9 Side Rd", (100_u64, 2_u8))?;
///
/// dc1.merge(&dc2);
/// dc2.merge(&dc1);
/// assert_eq!(dc1, dc2);
/// assert_eq!(dc1.value(), Some(&"9 Side Rd")); // the other write is lost, by design
/// # Ok::<(), ward_crdt::StaleStamp<(u64, u8)>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LwwRegister<T, S> {
    /// The winning write: its stamp and value.
    write: Option<(S, T)>,
}

impl<T, S> LwwRegister<T, S> {
    /// Creates an empty register.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::LwwRegister;
    ///
    /// let reg = LwwRegister::<String, u64>::new();
    /// assert_eq!(reg.value(), None);
    /// ```
    pub const fn new() -> Self {
        Self { write: None }
    }

    /// Creates a register holding `value` written at `stamp`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::LwwRegister;
    ///
    /// let reg = LwwRegister::with_value("on", 5_u64);
    /// assert_eq!(reg.value(), Some(&"on"));
    /// assert_eq!(reg.stamp(), Some(&5));
    /// ```
    pub const fn with_value(value: T, stamp: S) -> Self {
        Self {
            write: Some((stamp, value)),
        }
    }

    /// The current value, `None` before the first write.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::LwwRegister;
    ///
    /// assert_eq!(LwwRegister::with_value(1, 'x').value(), Some(&1));
    /// ```
    pub fn value(&self) -> Option<&T> {
        self.write.as_ref().map(|(_, v)| v)
    }

    /// The stamp of the current value, `None` before the first write.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::LwwRegister;
    ///
    /// assert_eq!(LwwRegister::<u8, u32>::new().stamp(), None);
    /// ```
    pub fn stamp(&self) -> Option<&S> {
        self.write.as_ref().map(|(s, _)| s)
    }

    /// Consumes the register, returning the winning `(value, stamp)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::LwwRegister;
    ///
    /// assert_eq!(LwwRegister::with_value("v", 2).into_inner(), Some(("v", 2)));
    /// ```
    pub fn into_inner(self) -> Option<(T, S)> {
        self.write.map(|(s, v)| (v, s))
    }
}

impl<T: Clone, S: Ord + Clone> LwwRegister<T, S> {
    /// Writes `value` at `stamp` and returns the delta (a register holding just this write).
    ///
    /// The stamp must be greater than the register's current stamp: a replica writing
    /// with a stamp that does not advance is a clock bug worth surfacing, not a write to
    /// drop silently. Retrying the write that the register already holds (the same stamp
    /// and an equal value) is an idempotent success that returns the same delta again.
    ///
    /// # Errors
    ///
    /// [`StaleStamp`] (carrying both stamps) if `stamp` is not greater than the current
    /// stamp, unless it is a retry of the current write; the register is left unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{LwwRegister, StaleStamp};
    ///
    /// let mut reg = LwwRegister::new();
    /// let delta = reg.set("a", 10_u64)?;
    /// assert_eq!(delta, reg);
    /// assert_eq!(reg.set("a", 10), Ok(delta)); // a retry
    /// assert_eq!(reg.set("b", 10), Err(StaleStamp { offered: 10, current: 10 }));
    /// assert_eq!(reg.value(), Some(&"a"));
    /// # Ok::<(), StaleStamp<u64>>(())
    /// ```
    pub fn set(&mut self, value: T, stamp: S) -> Result<Self, StaleStamp<S>>
    where
        T: PartialEq,
    {
        if let Some((current, held)) = &self.write {
            if stamp == *current && value == *held {
                return Ok(self.clone());
            }
            if stamp <= *current {
                return Err(StaleStamp {
                    offered: stamp,
                    current: current.clone(),
                });
            }
        }
        self.write = Some((stamp.clone(), value.clone()));
        Ok(Self {
            write: Some((stamp, value)),
        })
    }

    /// Merges `other` like [`Lattice::merge`], but refuses two different values under
    /// the same stamp instead of picking one.
    ///
    /// Stamps identify writes; an equal stamp on different values means two writers
    /// share a clock or a node id, and the plain merge would silently keep the greater
    /// value.
    ///
    /// # Errors
    ///
    /// [`DuplicateStamp`] with the stamp used twice; the register is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_crdt::{DuplicateStamp, LwwRegister};
    ///
    /// let mut reg = LwwRegister::with_value("a", 5_u64);
    /// reg.try_merge(&LwwRegister::with_value("b", 6))?;
    /// assert_eq!(reg.value(), Some(&"b"));
    /// let clash = LwwRegister::with_value("c", 6);
    /// assert_eq!(reg.try_merge(&clash), Err(DuplicateStamp { stamp: 6 }));
    /// assert_eq!(reg.value(), Some(&"b"));
    /// # Ok::<(), DuplicateStamp<u64>>(())
    /// ```
    pub fn try_merge(&mut self, other: &Self) -> Result<(), DuplicateStamp<S>>
    where
        T: Ord,
    {
        if let (Some((ours, mine)), Some((theirs, value))) = (&self.write, &other.write)
            && ours == theirs
            && mine != value
        {
            return Err(DuplicateStamp {
                stamp: ours.clone(),
            });
        }
        self.merge(other);
        Ok(())
    }
}

impl<T: Ord + Clone, S: Ord + Clone> Lattice for LwwRegister<T, S> {
    /// Keeps the write with the greater stamp; equal stamps fall back to the greater value
    /// so the merge stays commutative.
    fn merge(&mut self, other: &Self) {
        let Some((theirs, value)) = &other.write else {
            return;
        };
        let replace = match &self.write {
            None => true,
            Some((ours, mine)) => (theirs, value) > (ours, mine),
        };
        if replace {
            self.write = Some((theirs.clone(), value.clone()));
        }
    }

    fn leq(&self, other: &Self) -> bool
    where
        Self: Clone + PartialEq,
    {
        match (&self.write, &other.write) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(a), Some(b)) => (&a.0, &a.1) <= (&b.0, &b.1),
        }
    }
}

impl<T, S> Default for LwwRegister<T, S> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::LwwRegister;

    #[derive(Serialize)]
    struct Encode<'a, T, S> {
        value: &'a T,
        stamp: &'a S,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Decode<T, S> {
        value: T,
        stamp: S,
    }

    /// Encoded as `null` when empty, else `{"value": ..., "stamp": ...}`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<T: Serialize, S: Serialize> Serialize for LwwRegister<T, S> {
        fn serialize<Se: Serializer>(&self, serializer: Se) -> Result<Se::Ok, Se::Error> {
            self.write
                .as_ref()
                .map(|(stamp, value)| Encode { value, stamp })
                .serialize(serializer)
        }
    }

    /// Any value and stamp form a valid register; nothing else to check.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, T: Deserialize<'de>, S: Deserialize<'de>> Deserialize<'de> for LwwRegister<T, S> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let write = Option::<Decode<T, S>>::deserialize(deserializer)?;
            Ok(Self {
                write: write.map(|Decode { value, stamp }| (stamp, value)),
            })
        }
    }
}
