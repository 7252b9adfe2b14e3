//! What a waiting message still needs, as ranges of dots.

use alloc::vec::Vec;
use core::iter::FusedIterator;

use super::CausalBuffer;
use crate::message::Message;
use crate::range::DotRange;
use crate::vclock::VClock;

/// The dots a held message still waits for that have not arrived, as ranges in
/// ascending order (by actor, then counter); see
/// [`CausalBuffer::missing`](crate::CausalBuffer::missing).
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Dot, DotRange, Message, VClock};
///
/// let mut buffer = CausalBuffer::new(4);
/// let forged = Message::new('a', [('a', 1), ('z', u64::MAX)].into_iter().collect::<VClock<_>>(), ())?;
/// buffer.offer(forged)?;
/// let missing: Vec<_> = buffer.missing(&Dot::new('a', 1)?).unwrap().collect();
/// assert_eq!(missing, [DotRange::new('z', 1, u64::MAX)?]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct Missing<A> {
    ranges: alloc::vec::IntoIter<DotRange<A>>,
}

impl<A> Iterator for Missing<A> {
    type Item = DotRange<A>;

    fn next(&mut self) -> Option<DotRange<A>> {
        self.ranges.next()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.ranges.size_hint()
    }
}

impl<A> DoubleEndedIterator for Missing<A> {
    fn next_back(&mut self) -> Option<DotRange<A>> {
        self.ranges.next_back()
    }
}

impl<A> ExactSizeIterator for Missing<A> {}
impl<A> FusedIterator for Missing<A> {}

/// The report of [`CausalBuffer::missing`] for the held `message`.
pub(super) fn missing<A: Ord + Clone, M>(
    buffer: &CausalBuffer<A, M>,
    message: &Message<A, M>,
) -> Missing<A> {
    // `needs` grows to the join of the clocks of the message and of every held message
    // it covers. For each sender with held messages, `folded` is the highest sequence
    // number already joined in, so each held message is read at most once.
    let mut needs = message.clock.clone();
    let mut folded = alloc::vec![0_u64; buffer.queues.len()];
    loop {
        let mut grew = false;
        for ((sender, queue), done) in buffer.queues.iter().zip(&mut folded) {
            let upto = needs.get(sender);
            if upto <= *done {
                continue;
            }
            // `*done < upto`, so `*done + 1` cannot overflow.
            for held in queue.messages.range(*done + 1..=upto).map(|(_, m)| m) {
                if !needs.descends(&held.clock) {
                    needs.merge(&held.clock);
                    grew = true;
                }
            }
            *done = upto;
        }
        if !grew {
            break;
        }
    }
    Missing {
        ranges: gaps(buffer, needs).into_iter(),
    }
}

/// For each actor of `needs`, the counters above the delivered count up to the needed
/// one that are not held, as ranges.
fn gaps<A: Ord + Clone, M>(buffer: &CausalBuffer<A, M>, needs: VClock<A>) -> Vec<DotRange<A>> {
    let mut out = Vec::new();
    for (actor, last) in needs {
        // Counters above the delivered count; none when it is already at the limit.
        let Some(first) = buffer.delivered.get(&actor).checked_add(1) else {
            continue;
        };
        // The next counter not yet accounted for; `None` past `u64::MAX`.
        let mut next = Some(first);
        if let Some(queue) = buffer.queues.get(&actor)
            && first <= last
        {
            for &seq in queue.messages.range(first..=last).map(|(seq, _)| seq) {
                if let Some(n) = next
                    && seq > n
                {
                    out.extend(DotRange::new(actor.clone(), n, seq - 1).ok());
                }
                next = seq.checked_add(1);
            }
        }
        if let Some(n) = next
            && n <= last
        {
            out.extend(DotRange::new(actor, n, last).ok());
        }
    }
    out
}
