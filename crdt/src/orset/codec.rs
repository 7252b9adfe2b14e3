//! Checked construction from parts and the serde encoding.

use alloc::vec::Vec;

use ward_vclock::{Dot, DotContext};

use super::{Entry, OrSet};
use crate::dots::{ActorTable, Dots, LocalDot};
use crate::error::DecodeError;

impl<E: Ord, A: Ord + Clone> OrSet<E, A> {
    /// Builds a state from resolved entries and a context, checking every invariant.
    fn from_resolved(
        entries: Vec<(E, Vec<Dot<A>>)>,
        ctx: DotContext<A>,
    ) -> Result<Self, DecodeError> {
        for (index, pair) in entries.windows(2).enumerate() {
            if pair[0].0 >= pair[1].0 {
                return Err(DecodeError::UnsortedEntries { index: index + 1 });
            }
        }
        let mut all: Vec<(&Dot<A>, usize)> = Vec::new();
        for (index, (_, dots)) in entries.iter().enumerate() {
            if dots.is_empty() {
                return Err(DecodeError::NoDots { index });
            }
            // Equal neighbours are reported below as a duplicate dot.
            if let Some(pair) = dots.windows(2).find(|p| p[0] > p[1]) {
                return Err(DecodeError::UnsortedDots {
                    index,
                    counter: pair[1].counter(),
                });
            }
            for dot in dots {
                if !ctx.contains(dot) {
                    return Err(DecodeError::DotOutsideContext {
                        index,
                        counter: dot.counter(),
                    });
                }
                all.push((dot, index));
            }
        }
        all.sort_unstable();
        if let Some(pair) = all.windows(2).find(|p| p[0].0 == p[1].0) {
            return Err(DecodeError::DuplicateDot {
                index: pair[1].1,
                counter: pair[1].0.counter(),
            });
        }
        let mut actors = ActorTable::new();
        let entries = entries
            .into_iter()
            .map(|(elem, dots)| {
                let mut local: Vec<LocalDot> = dots.iter().map(|d| actors.local(d)).collect();
                local.sort_unstable();
                let dots =
                    Dots::from_sorted(local).unwrap_or_else(|| unreachable!("checked non-empty"));
                Entry { elem, dots }
            })
            .collect();
        Ok(Self {
            entries,
            actors,
            ctx,
        })
    }
}

/// Builds a set from `(element, dots)` entries and a context, validating the canonical
/// form: elements strictly increasing, each with at least one dot in ascending order,
/// every dot inside the context, no dot stored twice.
///
/// # Errors
///
/// The first [`DecodeError`] found: [`UnsortedEntries`](DecodeError::UnsortedEntries),
/// [`NoDots`](DecodeError::NoDots),
/// [`UnsortedDots`](DecodeError::UnsortedDots),
/// [`DotOutsideContext`](DecodeError::DotOutsideContext) or
/// [`DuplicateDot`](DecodeError::DuplicateDot).
impl<E: Ord, A: Ord + Clone> TryFrom<(Vec<(E, Vec<Dot<A>>)>, DotContext<A>)> for OrSet<E, A> {
    type Error = DecodeError;

    fn try_from(
        (entries, ctx): (Vec<(E, Vec<Dot<A>>)>, DotContext<A>),
    ) -> Result<Self, DecodeError> {
        Self::from_resolved(entries, ctx)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use alloc::vec::Vec;

    use serde::de::Error as _;
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use ward_vclock::{Dot, DotContext};

    use super::OrSet;

    struct Entries<'a, E, A>(&'a OrSet<E, A>);

    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<E: Serialize + Ord, A: Serialize + Ord + Clone> Serialize for Entries<'_, E, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(Some(self.0.entries.len()))?;
            for e in &self.0.entries {
                seq.serialize_element(&(&e.elem, self.0.resolved(&e.dots)))?;
            }
            seq.end()
        }
    }

    #[derive(Serialize)]
    #[serde(bound(serialize = "E: Serialize + Ord, A: Serialize + Ord + Clone"))]
    struct Encode<'a, E, A> {
        entries: Entries<'a, E, A>,
        context: &'a DotContext<A>,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    #[serde(bound(deserialize = "E: Deserialize<'de>, A: Deserialize<'de> + Ord"))]
    struct Decode<E, A> {
        entries: Vec<(E, Vec<Dot<A>>)>,
        context: DotContext<A>,
    }

    /// Encoded as `{"entries": [[element, [[actor, counter], ...]], ...], "context":
    /// {...}}`, elements ascending and each element's dots ascending: no map keys, so any
    /// element and actor type is JSON-safe, and equal states encode identically.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<E: Serialize + Ord, A: Serialize + Ord + Clone> Serialize for OrSet<E, A> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            Encode {
                entries: Entries(self),
                context: &self.ctx,
            }
            .serialize(serializer)
        }
    }

    /// Validates like `TryFrom<(Vec<(E, Vec<Dot<A>>)>, DotContext<A>)>`.
    #[cfg_attr(docsrs, doc(cfg(feature = "serde")))]
    impl<'de, E: Deserialize<'de> + Ord, A: Deserialize<'de> + Ord + Clone> Deserialize<'de>
        for OrSet<E, A>
    {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            let Decode { entries, context } = Decode::deserialize(deserializer)?;
            OrSet::from_resolved(entries, context).map_err(D::Error::custom)
        }
    }
}
