//! The causal buffer's accessors, bounds and `missing` reports at their edges, checked
//! through the public API with exact values (the doctests show the same items, but a
//! mutation run with nextest does not count doctests).
#![cfg(feature = "alloc")]

use ward_vclock::{CausalBuffer, Dot, DotRange, Message, Offered, PushError, StampError, VClock};

fn clock(entries: &[(char, u64)]) -> VClock<char> {
    entries.iter().copied().collect()
}

fn message<M>(sender: char, entries: &[(char, u64)], payload: M) -> Message<char, M> {
    Message::new(sender, clock(entries), payload).unwrap()
}

fn dot(a: char, c: u64) -> Dot<char> {
    Dot::new(a, c).unwrap()
}

fn range(a: char, first: u64, last: u64) -> DotRange<char> {
    DotRange::new(a, first, last).unwrap()
}

fn missing(b: &CausalBuffer<char, u32>, d: &Dot<char>) -> Vec<DotRange<char>> {
    b.missing(d).unwrap().collect()
}

#[test]
fn constructors_and_getters_report_exact_values() {
    let b = CausalBuffer::<char, ()>::new(7);
    assert_eq!(
        (b.capacity(), b.sender_capacity(), b.max_gap()),
        (7, 7, u64::MAX)
    );
    assert_eq!((b.len(), b.ready_len()), (0, 0));
    assert!(b.is_empty());
    assert!(b.delivered().is_empty());
    let b = CausalBuffer::<char, ()>::with_delivered(3, clock(&[('a', 4)]))
        .with_sender_capacity(2)
        .with_max_gap(5);
    assert_eq!((b.capacity(), b.sender_capacity(), b.max_gap()), (3, 2, 5));
    assert_eq!(b.delivered(), &clock(&[('a', 4)]));
    assert!(b.is_delivered(&dot('a', 4)));
    assert!(!b.is_delivered(&dot('a', 5)));
}

#[test]
fn len_ready_len_and_predicates_follow_each_message() {
    let mut b = CausalBuffer::new(4);
    assert_eq!(b.offer(message('a', &[('a', 3)], 3)), Ok(Offered::Waiting));
    assert_eq!((b.len(), b.ready_len()), (1, 0));
    assert!(!b.is_empty());
    assert!(b.is_waiting(&dot('a', 3)));
    assert!(!b.is_waiting(&dot('a', 2)));
    assert!(!b.is_waiting(&dot('b', 3)));
    assert!(!b.is_ready(&dot('a', 3)));
    assert_eq!(b.offer(message('a', &[('a', 1)], 1)), Ok(Offered::Ready));
    assert_eq!((b.len(), b.ready_len()), (2, 1));
    assert!(b.is_ready(&dot('a', 1)));
    // Held but not first: not ready, whatever the head is.
    assert!(!b.is_ready(&dot('a', 3)));
    assert!(!b.is_ready(&dot('b', 1)));
    let held: Vec<u32> = b.waiting().map(|m| *m.payload()).collect();
    assert_eq!(held, [1, 3]);
    assert_eq!(b.pop_ready().map(Message::into_payload), Some(1));
    assert_eq!((b.len(), b.ready_len()), (1, 0));
    assert!(b.is_delivered(&dot('a', 1)));
    assert_eq!(b.offer(message('a', &[('a', 2)], 2)), Ok(Offered::Ready));
    let all: Vec<u32> = b.ready().map(Message::into_payload).collect();
    assert_eq!(all, [2, 3]);
    assert!(b.is_empty());
}

#[test]
fn ready_messages_take_no_slot_of_the_buffer_or_of_their_sender() {
    // Two slots, and one per sender.
    let mut b = CausalBuffer::new(2).with_sender_capacity(1);
    assert_eq!(b.offer(message('a', &[('a', 1)], 1)), Ok(Offered::Ready));
    assert_eq!(b.offer(message('b', &[('b', 1)], 1)), Ok(Offered::Ready));
    // `a`'s ready head does not count against its share: one waiting message fits.
    assert_eq!(b.offer(message('a', &[('a', 3)], 3)), Ok(Offered::Waiting));
    // `a`'s share is taken by its waiting message.
    assert!(matches!(
        b.offer(message('a', &[('a', 4)], 4)),
        Err(PushError::SenderFull {
            sender_capacity: 1,
            ..
        })
    ));
    assert_eq!(b.offer(message('c', &[('c', 2)], 2)), Ok(Offered::Waiting));
    // Both slots are now taken; the two ready messages do not count.
    assert!(matches!(
        b.offer(message('d', &[('d', 2)], 2)),
        Err(PushError::Full { capacity: 2, .. })
    ));
    assert_eq!((b.len(), b.ready_len()), (4, 2));
}

#[test]
fn the_share_of_a_sender_counts_its_waiting_messages_exactly() {
    let mut b = CausalBuffer::new(10).with_sender_capacity(2);
    assert_eq!(b.offer(message('a', &[('a', 2)], 2)), Ok(Offered::Waiting));
    assert_eq!(b.offer(message('a', &[('a', 3)], 3)), Ok(Offered::Waiting));
    assert!(matches!(
        b.offer(message('a', &[('a', 4)], 4)),
        Err(PushError::SenderFull {
            sender_capacity: 2,
            ..
        })
    ));
    // Another sender has its own share.
    assert_eq!(b.offer(message('b', &[('b', 2)], 2)), Ok(Offered::Waiting));
    assert_eq!(b.len(), 3);
}

#[test]
fn a_blocked_next_message_is_waiting_and_needs_a_slot() {
    // `b:1` is `b`'s next message but waits for `a:1`.
    let mut b = CausalBuffer::new(1);
    assert_eq!(
        b.offer(message('b', &[('a', 1), ('b', 1)], 1)),
        Ok(Offered::Waiting)
    );
    assert!(!b.is_ready(&dot('b', 1)));
    assert_eq!(b.ready_len(), 0);
    assert!(matches!(
        b.offer(message('c', &[('a', 1), ('c', 1)], 1)),
        Err(PushError::Full { capacity: 1, .. })
    ));
    // `a:1` needs no slot, and unblocks `b:1`.
    assert_eq!(b.offer(message('a', &[('a', 1)], 0)), Ok(Offered::Ready));
    let order: Vec<Dot<char>> = b.ready().map(|m| m.dot()).collect();
    assert_eq!(order, [dot('a', 1), dot('b', 1)]);
}

#[test]
fn the_gap_limit_is_inclusive_for_every_dependency() {
    let mut b = CausalBuffer::<char, u32>::with_delivered(8, clock(&[('z', 2)])).with_max_gap(3);
    // Own entry: `a:4` depends on `a:3`, three past nothing delivered: accepted.
    assert_eq!(b.offer(message('a', &[('a', 4)], 4)), Ok(Offered::Waiting));
    // `a:5` depends on `a:4`: four past, refused.
    assert!(matches!(
        b.offer(message('a', &[('a', 5)], 5)),
        Err(PushError::GapTooLarge {
            actor: 'a',
            counter: 4,
            delivered: 0,
            max_gap: 3,
            ..
        })
    ));
    // Another actor: `z:5` is three past `z:2`, accepted; `z:6` is refused.
    assert_eq!(
        b.offer(message('b', &[('b', 1), ('z', 5)], 1)),
        Ok(Offered::Waiting)
    );
    assert!(matches!(
        b.offer(message('c', &[('c', 1), ('z', 6)], 1)),
        Err(PushError::GapTooLarge {
            actor: 'z',
            counter: 6,
            delivered: 2,
            max_gap: 3,
            ..
        })
    ));
    assert_eq!(b.len(), 2);
}

#[test]
fn a_gap_limit_of_zero_accepts_only_deliverable_messages() {
    let mut b = CausalBuffer::new(8).with_max_gap(0);
    assert!(matches!(
        b.offer(message('a', &[('a', 2)], 2)),
        Err(PushError::GapTooLarge {
            counter: 1,
            delivered: 0,
            max_gap: 0,
            ..
        })
    ));
    assert_eq!(b.offer(message('a', &[('a', 1)], 1)), Ok(Offered::Ready));
    // A gap of u64::MAX - 1 below the largest limit is still accepted.
    let mut wide = CausalBuffer::new(8).with_max_gap(u64::MAX - 1);
    assert_eq!(
        wide.offer(message('a', &[('a', 1), ('z', u64::MAX - 1)], 1)),
        Ok(Offered::Waiting)
    );
    assert!(matches!(
        wide.offer(message('b', &[('b', 1), ('z', u64::MAX)], 1)),
        Err(PushError::GapTooLarge { counter: u64::MAX, max_gap, .. }) if max_gap == u64::MAX - 1
    ));
}

#[test]
fn a_copy_of_a_held_message_is_a_duplicate_only_with_its_clock_and_payload() {
    let mut b = CausalBuffer::new(4);
    assert_eq!(
        b.offer_checked(message('a', &[('a', 2)], 7)),
        Ok(Offered::Waiting)
    );
    assert_eq!(
        b.offer_checked(message('a', &[('a', 2)], 7)),
        Ok(Offered::Duplicate)
    );
    assert!(matches!(
        b.offer_checked(message('a', &[('a', 2)], 8)),
        Err(PushError::Conflict { counter: 2, .. })
    ));
    assert!(matches!(
        b.offer(message('a', &[('a', 2), ('b', 1)], 7)),
        Err(PushError::Conflict { counter: 2, .. })
    ));
    // `offer` does not compare payloads.
    assert_eq!(
        b.offer(message('a', &[('a', 2)], 9)),
        Ok(Offered::Duplicate)
    );
    assert_eq!(b.waiting().map(|m| *m.payload()).collect::<Vec<_>>(), [7]);
}

#[test]
fn stamps_count_up_from_the_delivered_entry_and_refuse_a_held_dot() {
    let mut b = CausalBuffer::with_delivered(4, clock(&[('a', 2), ('b', 5)]));
    let m = b.stamp('a', 0).unwrap();
    assert_eq!(m.dot(), dot('a', 3));
    assert_eq!(m.clock(), &clock(&[('a', 3), ('b', 5)]));
    assert!(b.is_delivered(&dot('a', 3)));
    b.offer(message('a', &[('a', 4), ('c', 1)], 4)).unwrap();
    assert_eq!(
        b.stamp('a', 0).unwrap_err(),
        StampError::DotTaken { counter: 4 }
    );
    assert_eq!(b.delivered(), &clock(&[('a', 3), ('b', 5)]));
    assert_eq!(b.len(), 1);
    // Another sender is not affected.
    assert_eq!(b.stamp('b', 0).unwrap().dot(), dot('b', 6));
    // A stamp that delivers the dot a held message waited for makes it ready.
    let mut c = CausalBuffer::new(4);
    c.offer(message('x', &[('s', 1), ('x', 1)], 1)).unwrap();
    assert_eq!(c.ready_len(), 0);
    c.stamp('s', 0).unwrap();
    assert_eq!(c.ready_len(), 1);
    assert!(c.is_ready(&dot('x', 1)));
}

#[test]
fn missing_splits_only_around_held_messages() {
    let mut b = CausalBuffer::with_delivered(8, clock(&[('a', 1)]));
    b.offer(message('a', &[('a', 3)], 3)).unwrap();
    b.offer(message('a', &[('a', 4)], 4)).unwrap();
    b.offer(message('a', &[('a', 7)], 7)).unwrap();
    b.offer(message('c', &[('a', 9), ('b', 2), ('c', 1)], 0))
        .unwrap();
    assert_eq!(
        missing(&b, &dot('c', 1)),
        [
            range('a', 2, 2),
            range('a', 5, 6),
            range('a', 8, 9),
            range('b', 1, 2)
        ]
    );
    // The last needed dot held: nothing after it.
    assert_eq!(
        missing(&b, &dot('a', 7)),
        [range('a', 2, 2), range('a', 5, 6)]
    );
    assert_eq!(missing(&b, &dot('a', 3)), [range('a', 2, 2)]);
    assert!(b.missing(&dot('a', 5)).is_none());
    assert!(b.missing(&dot('d', 1)).is_none());
}

#[test]
fn missing_follows_held_messages_of_every_sender_transitively() {
    let mut b = CausalBuffer::new(8);
    // z:1 needs y:1, y:1 needs x:2, x:2 (held) needs w:1, x:1 is missing.
    b.offer(message('x', &[('w', 1), ('x', 2)], 0)).unwrap();
    b.offer(message('y', &[('x', 2), ('y', 1)], 0)).unwrap();
    b.offer(message('z', &[('y', 1), ('z', 1)], 0)).unwrap();
    assert_eq!(
        missing(&b, &dot('z', 1)),
        [range('w', 1, 1), range('x', 1, 1)]
    );
    assert_eq!(
        missing(&b, &dot('y', 1)),
        [range('w', 1, 1), range('x', 1, 1)]
    );
    assert_eq!(
        missing(&b, &dot('x', 2)),
        [range('w', 1, 1), range('x', 1, 1)]
    );
    // A held message the report covers only up to its own counter: x:5 is not needed.
    b.offer(message('x', &[('q', 1), ('x', 5)], 0)).unwrap();
    assert_eq!(
        missing(&b, &dot('z', 1)),
        [range('w', 1, 1), range('x', 1, 1)]
    );
    let mut report = b.missing(&dot('z', 1)).unwrap();
    assert_eq!(report.len(), 2);
    assert_eq!(report.next_back(), Some(range('x', 1, 1)));
}

#[test]
fn missing_folds_a_sender_reached_only_after_a_later_one() {
    // Senders are visited in order; `b`'s held message is needed only through `c`'s,
    // which is visited after `b`, so a second pass must read it.
    let mut b = CausalBuffer::new(8);
    b.offer(message('b', &[('b', 1), ('e', 1)], 0)).unwrap();
    b.offer(message('c', &[('b', 1), ('c', 1)], 0)).unwrap();
    b.offer(message('a', &[('a', 1), ('c', 1)], 0)).unwrap();
    assert_eq!(missing(&b, &dot('a', 1)), [range('e', 1, 1)]);
}

#[test]
fn missing_at_the_top_of_the_counter_range() {
    let max = u64::MAX;
    // Everything of `a` delivered: nothing of it is missing.
    let mut b = CausalBuffer::with_delivered(8, clock(&[('a', max), ('b', max - 3)]));
    b.offer(message('b', &[('b', max)], 0)).unwrap();
    b.offer(message('c', &[('a', max), ('b', max), ('c', 1)], 0))
        .unwrap();
    assert_eq!(missing(&b, &dot('c', 1)), [range('b', max - 2, max - 1)]);
    // The held message at u64::MAX ends the report for its actor without wrapping.
    assert_eq!(missing(&b, &dot('b', max)), [range('b', max - 2, max - 1)]);
    let mut d = CausalBuffer::with_delivered(8, clock(&[('b', max - 1)]));
    d.offer(message('c', &[('b', max), ('c', 2)], 0)).unwrap();
    assert_eq!(
        missing(&d, &dot('c', 2)),
        [range('b', max, max), range('c', 1, 1)]
    );
}
