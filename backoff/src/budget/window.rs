//! A lock-free sliding-window event counter: a ring of buckets, each one atomic word
//! packing the bucket's epoch (high 32 bits) and its count (low 32 bits, saturating).

use crate::sync::{AtomicU64, Ordering};

pub(crate) const BUCKETS: usize = 10;

#[derive(Debug)]
pub(crate) struct WindowCounter {
    slots: [AtomicU64; BUCKETS],
}

#[inline]
const fn pack(epoch: u32, count: u32) -> u64 {
    ((epoch as u64) << 32) | count as u64
}

#[inline]
const fn unpack(word: u64) -> (u32, u32) {
    ((word >> 32) as u32, word as u32)
}

impl WindowCounter {
    pub(crate) fn new() -> Self {
        Self {
            slots: core::array::from_fn(|_| AtomicU64::new(0)),
        }
    }

    /// Adds one event to bucket `epoch` (the time divided by the bucket width) and returns
    /// the epoch of the bucket that counted it: `epoch`, or a later one when a racing
    /// writer already recycled the slot for it (so that [`remove`](Self::remove) finds the
    /// event there). The epoch is kept modulo 2^32; a bucket older than the window is
    /// recycled in place.
    pub(crate) fn add(&self, epoch: u64) -> u64 {
        let e = epoch as u32;
        let slot = &self.slots[(epoch % BUCKETS as u64) as usize];
        let mut cur = slot.load(Ordering::Relaxed);
        loop {
            let (se, count) = unpack(cur);
            let (next, counted) = if se == e {
                (pack(e, count.saturating_add(1)), epoch)
            } else if e.wrapping_sub(se) < u32::MAX / 2 {
                (pack(e, 1), epoch)
            } else {
                // The bucket already belongs to a later epoch (a racing writer saw a later
                // time): count the event there rather than erase the newer bucket.
                let later = epoch.wrapping_add(u64::from(se.wrapping_sub(e)));
                (pack(se, count.saturating_add(1)), later)
            };
            match slot.compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return counted,
                Err(seen) => cur = seen,
            }
        }
    }

    /// Takes back one event added to bucket `epoch`, if that bucket still holds it: a
    /// bucket recycled for a later epoch has already dropped the event, and a saturated
    /// count is left alone (it no longer knows how many events it holds).
    pub(crate) fn remove(&self, epoch: u64) {
        let e = epoch as u32;
        let slot = &self.slots[(epoch % BUCKETS as u64) as usize];
        let mut cur = slot.load(Ordering::Relaxed);
        loop {
            let (se, count) = unpack(cur);
            if se != e || count == 0 || count == u32::MAX {
                return;
            }
            match slot.compare_exchange_weak(
                cur,
                pack(e, count - 1),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(seen) => cur = seen,
            }
        }
    }

    /// Events in the buckets of epochs `epoch − BUCKETS + 1 ..= epoch`.
    pub(crate) fn sum(&self, epoch: u64) -> u64 {
        let e = epoch as u32;
        self.slots
            .iter()
            .map(|s| {
                let (se, count) = unpack(s.load(Ordering::Acquire));
                if e.wrapping_sub(se) < BUCKETS as u32 {
                    u64::from(count)
                } else {
                    0
                }
            })
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An event added late to a slot a racing writer already recycled for a later epoch
    /// is counted in that later bucket; `add` now says so, and removing it from there
    /// takes it back. (A retry withdrawal recorded the epoch it asked for, and its
    /// release missed the bucket that held it, leaking it for a whole window.)
    #[test]
    fn regression_an_event_counted_in_a_later_bucket_can_be_removed_from_it() {
        let w = WindowCounter::new();
        assert_eq!(w.add(13), 13);
        assert_eq!(w.add(3), 13, "slot 3 belongs to epoch 13 now");
        assert_eq!(w.sum(13), 2);
        w.remove(13);
        assert_eq!(w.sum(13), 1);
        assert_eq!(w.add(13), 13);
        assert_eq!(w.add(u64::from(u32::MAX) + 5), u64::from(u32::MAX) + 5);
    }

    #[test]
    fn events_expire_after_the_window() {
        let w = WindowCounter::new();
        w.add(0);
        w.add(0);
        w.add(3);
        assert_eq!(w.sum(3), 3);
        assert_eq!(w.sum(9), 3);
        assert_eq!(w.sum(10), 1);
        assert_eq!(w.sum(12), 1);
        assert_eq!(w.sum(13), 0);
        // Epoch 10 reuses bucket 0: the two old events are dropped, not added to.
        w.add(10);
        assert_eq!(w.sum(10), 2);
    }

    #[test]
    fn removal_takes_back_only_an_event_still_in_its_bucket() {
        let w = WindowCounter::new();
        w.add(4);
        w.add(4);
        w.remove(4);
        assert_eq!(w.sum(4), 1);
        w.remove(4);
        w.remove(4); // nothing left: no wrap to u32::MAX
        assert_eq!(w.sum(4), 0);
        w.add(4);
        w.remove(14); // another epoch in the same bucket: not this event
        assert_eq!(w.sum(4), 1);
        w.add(14); // the bucket is recycled; the old event is gone
        w.remove(4);
        assert_eq!(w.sum(14), 1);
        // A saturated count is not decremented.
        let full = WindowCounter::new();
        full.slots[2].store(pack(2, u32::MAX), Ordering::Relaxed);
        full.remove(2);
        assert_eq!(full.sum(2), u64::from(u32::MAX));
    }

    #[test]
    fn initial_buckets_count_nothing() {
        let w = WindowCounter::new();
        assert_eq!(w.sum(0), 0);
        assert_eq!(w.sum(123_456), 0);
    }
}
