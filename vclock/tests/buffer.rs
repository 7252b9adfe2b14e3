//! Causal delivery: named scenarios and property tests over random causal histories.
#![cfg(feature = "alloc")]

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{
    CausalBuffer, Dot, DotRange, Message, MessageError, Missing, Offered, PushError, Pushed,
    StampError, VClock,
};

fn clock(entries: &[(char, u64)]) -> VClock<char> {
    entries.iter().copied().collect()
}

fn message<M>(sender: char, entries: &[(char, u64)], payload: M) -> Message<char, M> {
    Message::new(sender, clock(entries), payload).unwrap()
}

fn dot(a: char, c: u64) -> Dot<char> {
    Dot::new(a, c).unwrap()
}

/// The dots of a `missing` report, one by one (lazily: a range may be huge).
fn flat<A: Clone>(missing: Missing<A>) -> impl Iterator<Item = Dot<A>> {
    missing.flat_map(|range| {
        let (actor, first, last) = range.into_parts();
        (first..=last).map(move |c| Dot::new(actor.clone(), c).unwrap())
    })
}

/// The threaded-conversation case from the article the project grew from ("Data
/// anomalies in distributed systems", section on causality violations): A posts, B
/// replies after seeing the post, and C receives the reply before the post. C must not
/// show the reply first, must be able to tell it is missing A:1, and must show both, in
/// order, once the post arrives.
#[test]
fn reply_delivered_first_waits_for_post() {
    let post = message('A', &[('A', 1)], "Hello, is anyone there?");
    let reply = message('B', &[('A', 1), ('B', 1)], "Yes, hi!");

    let mut c = CausalBuffer::new(8);
    let mut shown = Vec::new();
    assert_eq!(
        c.push(reply.clone(), |m| shown.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert!(
        shown.is_empty(),
        "the reply must not be shown before the post"
    );
    assert!(c.is_waiting(&dot('B', 1)));
    let missing: Vec<_> = flat(c.missing(&reply.dot()).unwrap()).collect();
    assert_eq!(missing, [dot('A', 1)]);

    assert_eq!(
        c.push(post, |m| shown.push(m.into_payload())),
        Ok(Pushed::Delivered(2))
    );
    assert_eq!(shown, ["Hello, is anyone there?", "Yes, hi!"]);
    assert!(c.is_empty());
    assert_eq!(c.delivered(), &clock(&[('A', 1), ('B', 1)]));
    assert!(c.missing(&reply.dot()).is_none());
}

#[test]
fn stamp_builds_messages_others_deliver_in_order() {
    let mut a = CausalBuffer::new(4);
    let m1 = a.stamp('A', 1).unwrap();
    a.push(m1.clone(), |_| {}).unwrap();
    let m2 = a.stamp('A', 2).unwrap();
    assert_eq!(m2.clock(), &clock(&[('A', 2)]));
    a.push(m2.clone(), |_| {}).unwrap();

    let mut b = CausalBuffer::new(4);
    let mut out = Vec::new();
    assert_eq!(
        b.push(m2, |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert_eq!(
        b.push(m1, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(2))
    );
    assert_eq!(out, [1, 2]);
}

#[test]
fn stamp_overflow_is_typed() {
    let mut buffer = CausalBuffer::<char, ()>::with_delivered(1, clock(&[('A', u64::MAX)]));
    assert_eq!(
        buffer.stamp('A', ()).unwrap_err(),
        StampError::CounterOverflow { counter: u64::MAX }
    );
    assert_eq!(buffer.delivered(), &clock(&[('A', u64::MAX)]));
}

#[test]
fn concurrent_messages_deliver_in_arrival_order() {
    let x = message('A', &[('A', 1)], 'x');
    let y = message('B', &[('B', 1)], 'y');
    let mut b = CausalBuffer::new(0);
    let mut out = Vec::new();
    assert_eq!(
        b.push(y, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    assert_eq!(
        b.push(x, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    assert_eq!(out, ['y', 'x']);
}

#[test]
fn duplicates_are_dropped_whether_waiting_or_delivered() {
    let first = message('A', &[('A', 1)], 1);
    let second = message('A', &[('A', 2)], 2);
    let mut b = CausalBuffer::new(4);
    let mut out = Vec::new();
    assert_eq!(
        b.push(second.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert_eq!(
        b.push(second.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(b.len(), 1);
    assert_eq!(
        b.push(first.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(2))
    );
    assert_eq!(
        b.push(first, |m| out.push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(
        b.push(second, |m| out.push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(out, [1, 2]);
}

#[test]
fn full_buffer_refuses_and_loses_nothing() {
    let mut b = CausalBuffer::new(2);
    let mut out = Vec::new();
    let w1 = message('A', &[('A', 2)], "a2");
    let w2 = message('B', &[('A', 2), ('B', 1)], "b1");
    let w3 = message('A', &[('A', 3)], "a3");
    assert_eq!(
        b.push(w1, |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert_eq!(
        b.push(w2, |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    let before: Vec<_> = b.waiting().cloned().collect();
    let delivered_before = b.delivered().clone();

    let err = b
        .push(w3.clone(), |m| out.push(m.into_payload()))
        .unwrap_err();
    assert!(matches!(err, PushError::Full { capacity: 2, .. }));
    assert_eq!(
        err.to_string(),
        "causal buffer full: 2 messages already waiting"
    );
    assert_eq!(err.into_message(), w3);
    assert_eq!(b.waiting().cloned().collect::<Vec<_>>(), before);
    assert_eq!(b.delivered(), &delivered_before);
    assert!(out.is_empty());

    // A deliverable message needs no slot, so a full buffer still unblocks.
    let a1 = message('A', &[('A', 1)], "a1");
    assert_eq!(
        b.push(a1, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(3))
    );
    assert_eq!(out, ["a1", "a2", "b1"]);
    assert_eq!(
        b.push(w3, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
}

#[test]
fn missing_skips_delivered_and_waiting_dots() {
    let mut b = CausalBuffer::with_delivered(8, clock(&[('A', 1)]));
    b.push(message('B', &[('B', 2)], ()), |_| {}).unwrap();
    let target = message('C', &[('A', 3), ('B', 3), ('C', 2)], ());
    b.push(target.clone(), |_| {}).unwrap();
    let missing: Vec<_> = flat(b.missing(&target.dot()).unwrap()).collect();
    assert_eq!(
        missing,
        [
            dot('A', 2),
            dot('A', 3),
            dot('B', 1),
            dot('B', 3),
            dot('C', 1)
        ]
    );
    assert!(b.missing(&dot('C', 1)).is_none());
}

#[test]
fn missing_near_the_counter_limit() {
    let max = u64::MAX;
    let mut b = CausalBuffer::with_delivered(4, clock(&[('A', max - 2), ('B', max)]));
    let m = message('C', &[('A', max), ('B', max), ('C', 1)], ());
    assert_eq!(b.push(m.clone(), |_| {}), Ok(Pushed::Waiting));
    let missing: Vec<_> = flat(b.missing(&m.dot()).unwrap()).collect();
    assert_eq!(missing, [dot('A', max - 1), dot('A', max)]);
}

#[test]
fn message_without_sender_entry_is_malformed() {
    assert_eq!(
        Message::new('A', clock(&[('B', 1)]), ()).unwrap_err(),
        MessageError::MissingSenderEntry
    );
    assert_eq!(
        Message::new('A', VClock::new(), ()).unwrap_err(),
        MessageError::MissingSenderEntry
    );
}

#[test]
fn types_are_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<CausalBuffer<String, Vec<u8>>>();
    check::<Message<String, Vec<u8>>>();
    check::<PushError<String, Vec<u8>>>();
    check::<MessageError>();
    check::<Pushed>();
    check::<Missing<String>>();
    check::<DotRange<String>>();
    check::<Offered>();
    check::<StampError>();
    check::<ward_vclock::Ready<'static, String, Vec<u8>>>();
}

/// A sender reusing a dot with a different clock: `b:1` says it saw only `a:1`, but the
/// `a:1` that arrives says it saw `c:1` and `c:2`. `b:1` cannot be delivered before
/// `a:1`, which cannot be delivered before `c:2`, so `b:1` waits for the `c` dots too.
#[test]
fn missing_follows_waiting_predecessors_when_stamps_disagree() {
    let mut b = CausalBuffer::new(8);
    let reply = message('b', &[('a', 1), ('b', 1)], ());
    let forged = message('a', &[('a', 1), ('c', 2)], ());
    assert_eq!(b.push(reply.clone(), |_| {}), Ok(Pushed::Waiting));
    assert_eq!(b.push(forged, |_| {}), Ok(Pushed::Waiting));
    let missing: Vec<_> = flat(b.missing(&reply.dot()).unwrap()).collect();
    assert_eq!(missing, [dot('c', 1), dot('c', 2)]);

    // Exactly those unblock it.
    let mut out = Vec::new();
    b.push(message('c', &[('c', 1)], ()), |m| out.push(m.dot()))
        .unwrap();
    assert_eq!(
        b.push(message('c', &[('c', 2)], ()), |m| out.push(m.dot())),
        Ok(Pushed::Delivered(3))
    );
    assert_eq!(out, [dot('c', 1), dot('c', 2), dot('a', 1), dot('b', 1)]);
}

/// Two stamps that each count the other: neither can ever be delivered, nothing is
/// missing, and `remove` frees their slots.
#[test]
fn mutually_waiting_stamps_miss_nothing_and_can_be_removed() {
    let mut b = CausalBuffer::new(2);
    let x = message('a', &[('a', 1), ('b', 1)], "x");
    let y = message('b', &[('a', 1), ('b', 1)], "y");
    assert_eq!(b.push(x.clone(), |_| {}), Ok(Pushed::Waiting));
    assert_eq!(b.push(y.clone(), |_| {}), Ok(Pushed::Waiting));
    assert_eq!(flat(b.missing(&x.dot()).unwrap()).count(), 0);
    assert_eq!(flat(b.missing(&y.dot()).unwrap()).count(), 0);

    assert_eq!(b.remove(&x.dot()), Some(x.clone()));
    assert_eq!(b.len(), 1);
    assert!(!b.is_waiting(&x.dot()));
    assert!(b.remove(&x.dot()).is_none());
    // With `x` gone, `y` reports it as missing again.
    assert_eq!(
        flat(b.missing(&y.dot()).unwrap()).collect::<Vec<_>>(),
        [dot('a', 1)]
    );
    assert_eq!(b.remove(&y.dot()), Some(y));
    assert!(b.is_empty());
    assert_eq!(b.waiting().count(), 0);
    assert!(b.delivered().is_empty());
}

/// A stamp claiming events far ahead (here the largest counter of an actor never heard
/// of) waits in its slot without harming anything else, and can be removed.
#[test]
fn stamp_far_ahead_waits_in_one_slot() {
    let mut b = CausalBuffer::new(1);
    let mut out = Vec::new();
    let bogus = message('a', &[('a', 1), ('z', u64::MAX)], "bogus");
    assert_eq!(
        b.push(bogus.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    // The report is lazy: its first dots come at once.
    let first: Vec<_> = flat(b.missing(&bogus.dot()).unwrap()).take(3).collect();
    assert_eq!(first, [dot('z', 1), dot('z', 2), dot('z', 3)]);

    // Messages deliverable now still go through the full buffer.
    assert_eq!(
        b.push(message('b', &[('b', 1)], "b1"), |m| out
            .push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    // One that would wait is refused, and the buffer is unchanged.
    let b3 = message('b', &[('b', 3)], "b3");
    let err = b
        .push(b3.clone(), |m| out.push(m.into_payload()))
        .unwrap_err();
    assert_eq!(err.into_message(), b3);
    assert_eq!(b.waiting().collect::<Vec<_>>(), [&bogus]);

    // Dropping the bogus stamp frees the slot.
    assert_eq!(b.remove(&bogus.dot()), Some(bogus));
    assert_eq!(
        b.push(b3, |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert_eq!(out, ["b1"]);
    assert_eq!(b.delivered(), &clock(&[('b', 1)]));
}

#[test]
fn unknown_sender_is_an_ordinary_sender() {
    let mut b = CausalBuffer::with_delivered(4, clock(&[('a', 2), ('b', 1)]));
    let mut out = Vec::new();
    // First message of a sender never heard of, depending on what was delivered.
    assert_eq!(
        b.push(message('z', &[('a', 2), ('z', 1)], 1), |m| out
            .push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    // Its third message, before the second.
    let z3 = message('z', &[('z', 3)], 3);
    assert_eq!(
        b.push(z3.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert_eq!(
        flat(b.missing(&z3.dot()).unwrap()).collect::<Vec<_>>(),
        [dot('z', 2)]
    );
    // A sender never heard of whose first message is not its first: waits for it.
    let y2 = message('y', &[('y', 2)], 2);
    assert_eq!(
        b.push(y2.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    assert_eq!(
        flat(b.missing(&y2.dot()).unwrap()).collect::<Vec<_>>(),
        [dot('y', 1)]
    );
    assert_eq!(
        b.push(message('z', &[('z', 2)], 2), |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(2))
    );
    assert_eq!(out, [1, 2, 3]);
    assert_eq!(b.len(), 1);
}

#[test]
fn capacity_zero_delivers_in_order_and_refuses_the_rest() {
    let mut b = CausalBuffer::new(0);
    let mut out = Vec::new();
    let a1 = message('a', &[('a', 1)], "a1");
    let b1 = message('b', &[('a', 1), ('b', 1)], "b1");
    let a2 = message('a', &[('a', 2)], "a2");

    // Out of order: refused whole, nothing recorded.
    let err = b
        .push(b1.clone(), |m| out.push(m.into_payload()))
        .unwrap_err();
    assert!(matches!(err, PushError::Full { capacity: 0, .. }));
    assert_eq!(err.into_message(), b1);
    assert!(b.delivered().is_empty() && b.is_empty() && out.is_empty());

    // In order: delivered without a slot; duplicates dropped without one too.
    assert_eq!(
        b.push(a1.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    assert_eq!(
        b.push(a1, |m| out.push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(
        b.push(b1, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    assert_eq!(
        b.push(a2, |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    assert_eq!(out, ["a1", "b1", "a2"]);
    assert!(b.missing(&dot('a', 2)).is_none());
}

#[test]
fn counters_at_the_limit_neither_wrap_nor_panic() {
    let max = u64::MAX;
    let mut b = CausalBuffer::with_delivered(2, clock(&[('a', max - 1)]));
    let mut out = Vec::new();
    // The last message `a` can ever send.
    let last = message('a', &[('a', max)], "last");
    assert_eq!(
        b.push(last.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    assert_eq!(b.delivered().get(&'a'), max);
    // Every message of `a` is now a duplicate, whatever its clock says.
    assert_eq!(
        b.push(last, |m| out.push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(
        b.push(message('a', &[('a', 1), ('q', 9)], "old"), |m| out
            .push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(
        b.stamp('a', "more").unwrap_err(),
        StampError::CounterOverflow { counter: max }
    );
    // Others may depend on it.
    assert_eq!(
        b.push(message('b', &[('a', max), ('b', 1)], "after"), |m| out
            .push(m.into_payload())),
        Ok(Pushed::Delivered(1))
    );
    // A message at the top of another actor's range waits, and reports what it needs.
    let top = message('c', &[('c', max)], "top");
    assert_eq!(
        b.push(top.clone(), |m| out.push(m.into_payload())),
        Ok(Pushed::Waiting)
    );
    let first: Vec<_> = flat(b.missing(&top.dot()).unwrap()).take(2).collect();
    assert_eq!(first, [dot('c', 1), dot('c', 2)]);
    assert_eq!(b.stamp('c', "next").unwrap().clock().get(&'c'), 1);
    assert_eq!(out, ["last", "after"]);
}

#[test]
fn panicking_delivery_leaves_the_buffer_consistent() {
    let mut b = CausalBuffer::new(4);
    for (sender, entries) in [('a', &[('a', 2)][..]), ('b', &[('a', 2), ('b', 1)][..])] {
        let m = message(sender, entries, sender);
        assert_eq!(b.push(m, |_| {}), Ok(Pushed::Waiting));
    }
    // Delivering a:1 unblocks a:2, whose delivery panics.
    let first = message('a', &[('a', 1)], 'x');
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.push(first, |m| assert_ne!(*m.payload(), 'a', "refused"))
    }));
    assert!(result.is_err());
    // a:2 was handed over, so it counts as delivered; b:1 is ready, nothing is missing
    // for it, and it is delivered without waiting for another push.
    assert_eq!(b.delivered(), &clock(&[('a', 2)]));
    assert_eq!(b.len(), 1);
    assert!(b.is_ready(&dot('b', 1)));
    assert_eq!(b.missing(&dot('b', 1)).unwrap().count(), 0);
    assert_eq!(
        b.ready().map(Message::into_payload).collect::<Vec<_>>(),
        ['b']
    );
    assert!(b.is_empty());
}

// ---- Random causal histories ----

/// One step of a history: `process` first delivers the messages picked by `seen`
/// (indices into those sent so far, taken modulo their number), then broadcasts.
#[derive(Debug, Clone)]
struct Step {
    process: u8,
    seen: Vec<usize>,
}

/// Runs the history; message `i` carries payload `i`.
fn simulate(steps: &[Step]) -> Vec<Message<u8, usize>> {
    let mut knowledge: Vec<VClock<u8>> = vec![VClock::new(); 4];
    let mut sent: Vec<Message<u8, usize>> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let p = usize::from(step.process);
        if !sent.is_empty() {
            for pick in &step.seen {
                let seen = sent[pick % sent.len()].clock().clone();
                knowledge[p].merge(&seen);
            }
        }
        knowledge[p].increment(step.process).unwrap();
        sent.push(Message::new(step.process, knowledge[p].clone(), i).unwrap());
    }
    sent
}

fn arb_steps() -> impl Strategy<Value = Vec<Step>> {
    let step = (0_u8..4, prop::collection::vec(any::<usize>(), 0..3))
        .prop_map(|(process, seen)| Step { process, seen });
    prop::collection::vec(step, 1..28)
}

/// A history and an arrival order: every message at least once, some twice, shuffled.
fn arb_scenario() -> impl Strategy<Value = (Vec<Message<u8, usize>>, Vec<usize>)> {
    (arb_steps(), prop::collection::vec(any::<usize>(), 0..10)).prop_flat_map(|(steps, dups)| {
        let sent = simulate(&steps);
        let n = sent.len();
        let mut arrivals: Vec<usize> = (0..n).collect();
        arrivals.extend(dups.iter().map(|d| d % n));
        (Just(sent), Just(arrivals).prop_shuffle())
    })
}

/// Checks a delivery sequence against the history: exactly once, predecessors first.
fn check_delivery(sent: &[Message<u8, usize>], order: &[usize]) -> Result<(), TestCaseError> {
    let mut position = vec![None; sent.len()];
    for (at, id) in order.iter().enumerate() {
        prop_assert!(position[*id].is_none(), "message {} delivered twice", id);
        position[*id] = Some(at);
    }
    prop_assert!(
        position.iter().all(Option::is_some),
        "not every message was delivered"
    );
    for (id, m) in sent.iter().enumerate() {
        for (pred, p) in sent.iter().enumerate() {
            if pred != id && m.clock().contains(&p.dot()) {
                prop_assert!(
                    position[pred] < position[id],
                    "message {} delivered before its predecessor {}",
                    id,
                    pred
                );
            }
        }
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0xca05_a1b0),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_any_arrival_order_delivers_causally_exactly_once(
        (sent, arrivals) in arb_scenario()
    ) {
        let mut buffer = CausalBuffer::new(sent.len());
        let mut order = Vec::new();
        let (mut delivered_total, mut duplicates) = (0, 0);
        for id in &arrivals {
            let outcome = buffer.push(sent[*id].clone(), |m| order.push(m.into_payload()));
            match outcome {
                Ok(Pushed::Delivered(n)) => delivered_total += n,
                Ok(Pushed::Duplicate) => duplicates += 1,
                Ok(Pushed::Waiting) => {}
                Err(e) => prop_assert!(false, "capacity equals the history, yet {}", e),
            }
            // What each waiting message reports missing is exactly its predecessors
            // that are neither delivered nor waiting.
            let waiting: BTreeSet<Dot<u8>> = buffer.waiting().map(Message::dot).collect();
            prop_assert_eq!(waiting.len(), buffer.len());
            for m in buffer.waiting() {
                let reported: BTreeSet<Dot<u8>> = flat(buffer.missing(&m.dot()).unwrap()).collect();
                let expected: BTreeSet<Dot<u8>> = sent
                    .iter()
                    .map(Message::dot)
                    .filter(|d| *d != m.dot() && m.clock().contains(d))
                    .filter(|d| !buffer.is_delivered(d) && !waiting.contains(d))
                    .collect();
                // Pushing exactly the reported messages, in the order they were sent
                // (a causal order), unblocks the waiting message.
                let mut probe = buffer.clone();
                for p in sent.iter().filter(|p| reported.contains(&p.dot())) {
                    let pushed = probe.push(p.clone(), |_| {});
                    prop_assert!(pushed.is_ok());
                }
                prop_assert!(probe.is_delivered(&m.dot()), "{:?} still waits", m.dot());
                prop_assert_eq!(reported, expected);
            }
        }
        check_delivery(&sent, &order)?;
        prop_assert_eq!(delivered_total, sent.len());
        prop_assert_eq!(duplicates, arrivals.len() - sent.len());
        prop_assert!(buffer.is_empty(), "left waiting: {:?}", buffer.waiting().collect::<Vec<_>>());
        let all: VClock<u8> = sent.iter().map(Message::dot).collect();
        prop_assert_eq!(buffer.delivered(), &all);
    }

    #[test]
    fn prop_bounded_buffer_with_retries_delivers_everything(
        (sent, arrivals) in arb_scenario(),
        capacity in 0_usize..4,
    ) {
        let mut buffer = CausalBuffer::new(capacity);
        let mut order = Vec::new();
        let mut refused: Vec<Message<u8, usize>> = Vec::new();
        let offer = |buffer: &mut CausalBuffer<u8, usize>,
                         m: Message<u8, usize>,
                         refused: &mut Vec<Message<u8, usize>>,
                         order: &mut Vec<usize>|
         -> Result<bool, TestCaseError> {
            let waiting_before: Vec<_> = buffer.waiting().cloned().collect();
            let delivered_before = buffer.delivered().clone();
            match buffer.push(m.clone(), |d| order.push(d.into_payload())) {
                Ok(outcome) => Ok(matches!(outcome, Pushed::Delivered(_))),
                Err(err) => {
                    // Refused: the buffer is untouched and the message comes back.
                    prop_assert_eq!(buffer.waiting().cloned().collect::<Vec<_>>(), waiting_before);
                    prop_assert_eq!(buffer.delivered(), &delivered_before);
                    let back = err.into_message();
                    prop_assert_eq!(&back, &m);
                    refused.push(back);
                    Ok(false)
                }
            }
        };
        for id in &arrivals {
            let mut progress = offer(&mut buffer, sent[*id].clone(), &mut refused, &mut order)?;
            prop_assert!(buffer.len() <= capacity);
            // Re-offer refused messages while that makes progress.
            while progress {
                progress = false;
                for m in std::mem::take(&mut refused) {
                    progress |= offer(&mut buffer, m, &mut refused, &mut order)?;
                }
            }
        }
        prop_assert!(refused.is_empty(), "still refused: {:?}", refused);
        prop_assert!(buffer.is_empty());
        check_delivery(&sent, &order)?;
    }

    #[test]
    fn prop_missing_is_the_closure_under_arbitrary_stamps(
        stamps in prop::collection::vec(arb_stamp(), 1..16),
        start in prop::collection::vec(0_u64..3, 3),
    ) {
        let delivered: VClock<u8> = (0_u8..).zip(start).collect();
        // Room for every stamp, and for the probes below (at most 12 dots exist).
        let mut buffer = CausalBuffer::with_delivered(stamps.len() + 12, delivered);
        for m in &stamps {
            match buffer.push(m.clone(), |_| {}) {
                Ok(_) => {}
                Err(PushError::Conflict { counter, message }) => {
                    // Refused only for a different clock under a held dot.
                    prop_assert_eq!(counter, m.dot().counter());
                    let held = buffer.waiting().find(|h| h.dot() == m.dot());
                    prop_assert!(held.is_some_and(|h| h.clock() != m.clock()));
                    prop_assert_eq!(&message, m);
                }
                Err(other) => prop_assert!(false, "unexpected {:?}", other),
            }
        }
        let held: BTreeSet<Dot<u8>> = buffer.waiting().map(Message::dot).collect();
        for m in buffer.waiting() {
            let reported: BTreeSet<Dot<u8>> = flat(buffer.missing(&m.dot()).unwrap()).collect();
            prop_assert_eq!(&reported, &closure_model(&buffer, m));
            // Pushing a minimal message for each reported dot leaves nothing to ask for:
            // the message is delivered, or waits only on waiting messages.
            let mut probe = buffer.clone();
            for d in &reported {
                let own = Message::new(*d.actor(), VClock::from(*d), 0).unwrap();
                let pushed = probe.push(own, |_| {});
                prop_assert!(pushed.is_ok());
            }
            if let Some(left) = probe.missing(&m.dot()) {
                prop_assert_eq!(left.count(), 0);
            }
        }
        prop_assert_eq!(held.len(), buffer.len());
    }
}

/// An arbitrary stamp over actors 0..3 with small counters: consistent with no history
/// in particular.
fn arb_stamp() -> impl Strategy<Value = Message<u8, usize>> {
    (
        0_u8..3,
        1_u64..5,
        prop::collection::vec(0_u64..5, 3),
        any::<usize>(),
    )
        .prop_map(|(sender, seq, others, payload)| {
            let mut entries: Vec<(u8, u64)> = (0_u8..).zip(others).collect();
            entries[usize::from(sender)].1 = seq;
            Message::new(sender, entries.into_iter().collect(), payload).unwrap()
        })
}

/// What `m` waits for, the slow way: grow the set of dots it depends on through every
/// waiting message in it until nothing changes, then drop what is delivered or waiting.
fn closure_model(buffer: &CausalBuffer<u8, usize>, m: &Message<u8, usize>) -> BTreeSet<Dot<u8>> {
    let dots_of = |c: &VClock<u8>| -> BTreeSet<Dot<u8>> {
        c.iter()
            .flat_map(|(a, n)| (1..=n).map(move |k| Dot::new(*a, k).unwrap()))
            .collect()
    };
    let mut needed = dots_of(m.clock());
    loop {
        let before = needed.len();
        for w in buffer.waiting() {
            if needed.contains(&w.dot()) {
                needed.extend(dots_of(w.clock()));
            }
        }
        if needed.len() == before {
            break;
        }
    }
    needed
        .into_iter()
        .filter(|d| !buffer.is_delivered(d) && !buffer.is_waiting(d))
        .collect()
}

// ---- Regressions ----

/// Stamping twice without pushing in between gave both messages the dot `a:1`: this
/// node delivered "first" and dropped "second" as a duplicate, while a peer receiving
/// them in the other order showed "second". Stamping now records the dot.
#[test]
fn regression_stamp_twice_never_reuses_a_dot() {
    let mut a = CausalBuffer::new(4);
    let first = a.stamp('a', "first").unwrap();
    let second = a.stamp('a', "second").unwrap();
    assert_ne!(first.dot(), second.dot());
    assert_eq!(second.clock(), &clock(&[('a', 2)]));

    // A peer receiving them in either order shows both, in the order they were sent.
    for order in [[&first, &second], [&second, &first]] {
        let mut peer = CausalBuffer::new(4);
        let mut shown = Vec::new();
        for m in order {
            peer.push(m.clone(), |m| shown.push(m.into_payload()))
                .unwrap();
        }
        assert_eq!(shown, ["first", "second"]);
    }
}

/// Two different messages claiming one dot: the second copy was dropped as a harmless
/// duplicate, so replicas receiving them in different orders diverged silently. Where
/// the buffer still holds the first copy, a copy that differs from it is refused.
#[test]
fn regression_conflicting_copy_of_a_held_message_is_refused() {
    let mut b = CausalBuffer::new(4);
    // `a:2` waits for `a:1`; other messages claiming `a:2` arrive.
    let held = message('a', &[('a', 2)], "first");
    assert_eq!(b.push(held.clone(), |_| {}), Ok(Pushed::Waiting));
    // Another clock: a conflict whatever the payload type.
    let other_clock = message('a', &[('a', 2), ('b', 1)], "first");
    let err = b.push(other_clock.clone(), |_| {}).unwrap_err();
    assert!(matches!(err, PushError::Conflict { counter: 2, .. }));
    assert_eq!(err.into_message(), other_clock);
    // Another payload: a conflict where payloads can be compared.
    let other_payload = message('a', &[('a', 2)], "second");
    let err = b.offer_checked(other_payload).unwrap_err();
    assert_eq!(
        err.to_string(),
        "conflicting message: a different message with sequence number 2 of the same sender is held"
    );
    // An identical copy is still a harmless duplicate, and the held message stays.
    assert_eq!(b.offer_checked(held.clone()), Ok(Offered::Duplicate));
    assert_eq!(b.push(held.clone(), |_| {}), Ok(Pushed::Duplicate));
    assert_eq!(b.waiting().collect::<Vec<_>>(), [&held]);
}

/// A delivery callback that panicked left the next deliverable message waiting until
/// some later push happened to deliver something, and `missing` reported nothing for
/// it. Now every later call of the buffer delivers it, even a push of a duplicate.
#[test]
fn regression_panicking_delivery_does_not_strand_the_next_message() {
    let mut b = CausalBuffer::new(4);
    for (sender, entries) in [('a', &[('a', 2)][..]), ('b', &[('a', 2), ('b', 1)][..])] {
        let m = message(sender, entries, sender);
        assert_eq!(b.push(m, |_| {}), Ok(Pushed::Waiting));
    }
    let first = message('a', &[('a', 1)], 'x');
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.push(first.clone(), |m| assert_ne!(*m.payload(), 'a', "refused"))
    }));
    assert!(result.is_err());
    // A duplicate push delivers what became deliverable before the panic.
    let mut out = Vec::new();
    assert_eq!(
        b.push(first, |m| out.push(m.into_payload())),
        Ok(Pushed::Duplicate)
    );
    assert_eq!(out, ['b']);
    assert!(b.is_empty());
}

/// One message claiming `z: u64::MAX` made `missing` enumerate 2⁶⁴ dots one by one.
/// The report is now one range per actor.
#[test]
fn regression_missing_reports_a_forged_dependency_as_one_range() {
    let mut b = CausalBuffer::new(8);
    let forged = message('a', &[('a', 1), ('z', u64::MAX)], ());
    assert_eq!(b.push(forged.clone(), |_| {}), Ok(Pushed::Waiting));
    let reported: Vec<String> = b
        .missing(&forged.dot())
        .unwrap()
        .take(2)
        .map(|r| r.to_string())
        .collect();
    assert_eq!(reported, [format!("z:1..={}", u64::MAX)]);
}

// ---- Restart, pull-style delivery, bounds ----

/// A node stamps a:1..a:3 but its last snapshot says a:1. Restarting from the snapshot
/// alone would stamp a:2 again, a dot peers have already delivered with another
/// payload; restoring the last stamped dot continues after it.
#[test]
fn restart_from_an_old_snapshot_never_reuses_a_dot() {
    let mut before = CausalBuffer::new(4);
    let mut sent = Vec::new();
    for payload in ["one", "two", "three"] {
        sent.push(before.stamp('a', payload).unwrap());
    }
    let snapshot = clock(&[('a', 1)]);
    let last_stamped = sent.last().unwrap().dot();

    // The hazard: the snapshot alone hands out a:2 again.
    let mut naive = CausalBuffer::<char, &str>::with_delivered(4, snapshot.clone());
    assert_eq!(naive.stamp('a', "reused").unwrap().dot(), dot('a', 2));

    // The restart path: the last stamped dot, persisted before sending, is restored.
    let mut after = CausalBuffer::with_delivered(4, snapshot);
    assert!(after.mark_delivered(&last_stamped).is_empty());
    let next = after.stamp('a', "four").unwrap();
    assert_eq!(next.dot(), dot('a', 4));
    assert_eq!(next.clock(), &clock(&[('a', 4)]));

    // A peer that saw the old messages delivers the new one after them.
    let mut peer = CausalBuffer::new(4);
    let mut shown = Vec::new();
    for m in sent.into_iter().chain([next]) {
        peer.push(m, |m| shown.push(m.into_payload())).unwrap();
    }
    assert_eq!(shown, ["one", "two", "three", "four"]);
}

/// A restarted node that receives one of its own old messages before restoring its last
/// dot refuses to stamp over it, rather than hand out the same dot twice.
#[test]
fn stamp_refuses_a_dot_held_for_a_received_message() {
    let mut b = CausalBuffer::with_delivered(4, clock(&[('a', 1)]));
    let own_old = message('a', &[('a', 2), ('b', 1)], "old");
    assert_eq!(b.offer(own_old.clone()), Ok(Offered::Waiting));
    let before = b.delivered().clone();
    assert_eq!(
        b.stamp('a', "new").unwrap_err(),
        StampError::DotTaken { counter: 2 }
    );
    assert_eq!(b.delivered(), &before);
    // Restoring the last stamped dot drops the old copy and stamping goes on.
    assert_eq!(b.mark_delivered(&dot('a', 2)), [own_old]);
    assert!(b.is_empty());
    assert_eq!(b.stamp('a', "new").unwrap().dot(), dot('a', 3));
}

/// Marking dots delivered wakes the messages that waited for any of them.
#[test]
fn mark_delivered_makes_waiting_messages_ready() {
    let mut b = CausalBuffer::new(4);
    let reply = message('b', &[('a', 3), ('b', 1)], "reply");
    let later = message('a', &[('a', 5)], "a5");
    assert_eq!(b.offer(reply.clone()), Ok(Offered::Waiting));
    assert_eq!(b.offer(later), Ok(Offered::Waiting));
    assert!(b.mark_delivered(&dot('a', 2)).is_empty());
    assert!(!b.is_ready(&reply.dot()));
    assert!(b.mark_delivered(&dot('a', 4)).is_empty());
    assert_eq!(
        b.ready().map(Message::into_payload).collect::<Vec<_>>(),
        ["reply", "a5"]
    );
    // Marking what is already delivered changes nothing.
    assert!(b.mark_delivered(&dot('a', 1)).is_empty());
    assert_eq!(b.delivered(), &clock(&[('a', 5), ('b', 1)]));
}

/// A failing or panicking delivery function leaves the message ready; the next attempt
/// delivers it, and what was delivered before the failure stays delivered.
#[test]
fn try_deliver_keeps_the_message_it_could_not_deliver() {
    let mut b = CausalBuffer::new(4);
    for n in [3, 2, 1] {
        b.offer(message('a', &[('a', n)], n)).unwrap();
    }
    let mut log = Vec::new();
    let result = b.try_deliver(|m| {
        if *m.payload() == 2 {
            return Err("disk full");
        }
        log.push(*m.payload());
        Ok(())
    });
    assert_eq!(result, Err("disk full"));
    assert_eq!(log, [1]);
    assert!(b.is_ready(&dot('a', 2)));
    assert_eq!(b.delivered(), &clock(&[('a', 1)]));

    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        b.try_deliver(|_| -> Result<(), ()> { panic!("crash") })
    }));
    assert!(panicked.is_err());
    assert!(b.is_ready(&dot('a', 2)));
    assert_eq!(b.len(), 2);

    assert_eq!(
        b.try_deliver(|m| {
            log.push(*m.payload());
            Ok::<(), ()>(())
        }),
        Ok(2)
    );
    assert_eq!(log, [1, 2, 3]);
    assert!(b.is_empty());
}

/// A sender whose queue waits on a forged dependency takes at most its share of the
/// buffer, can be dropped as a whole, and other senders go on.
#[test]
fn a_forged_dependency_blocks_only_its_sender() {
    let mut b = CausalBuffer::new(8).with_sender_capacity(2);
    let forged = message('a', &[('a', 1), ('z', u64::MAX)], "forged");
    assert_eq!(b.offer(forged.clone()), Ok(Offered::Waiting));
    assert_eq!(
        b.offer(message('a', &[('a', 2), ('z', u64::MAX)], "a2")),
        Ok(Offered::Waiting)
    );
    let err = b
        .offer(message('a', &[('a', 3), ('z', u64::MAX)], "a3"))
        .unwrap_err();
    assert!(matches!(
        err,
        PushError::SenderFull {
            sender_capacity: 2,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        "sender's queue full: 2 of its messages already waiting"
    );
    // Another sender still has room.
    assert_eq!(
        b.offer(message('c', &[('c', 2)], "c2")),
        Ok(Offered::Waiting)
    );
    assert_eq!(b.offer(message('c', &[('c', 1)], "c1")), Ok(Offered::Ready));

    let dropped: Vec<_> = b
        .remove_sender(&'a')
        .into_iter()
        .map(Message::into_payload)
        .collect();
    assert_eq!(dropped, ["forged", "a2"]);
    assert!(b.remove_sender(&'a').is_empty());
    assert_eq!(
        b.ready().map(Message::into_payload).collect::<Vec<_>>(),
        ["c1", "c2"]
    );
    assert!(b.is_empty());
    // `a` can start over with a genuine first message.
    assert_eq!(b.offer(message('a', &[('a', 1)], "a1")), Ok(Offered::Ready));
}

/// With a gap limit the forged stamp is refused at once, with the numbers.
#[test]
fn a_dependency_beyond_the_gap_limit_is_refused() {
    let mut b = CausalBuffer::with_delivered(8, clock(&[('z', 5)])).with_max_gap(10);
    let forged = message('a', &[('a', 1), ('z', u64::MAX)], ());
    let err = b.offer(forged.clone()).unwrap_err();
    match &err {
        PushError::GapTooLarge {
            actor,
            counter,
            delivered,
            max_gap,
            ..
        } => assert_eq!(
            (*actor, *counter, *delivered, *max_gap),
            ('z', u64::MAX, 5, 10)
        ),
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!(
            "dependency on event {} of an actor with 5 delivered, {} ahead, more than the allowed gap of 10",
            u64::MAX,
            u64::MAX - 5
        )
    );
    assert_eq!(err.into_message(), forged);
    // Exactly at the limit is accepted; the sender's own predecessors count too.
    assert_eq!(
        b.offer(message('b', &[('b', 1), ('z', 15)], ())),
        Ok(Offered::Waiting)
    );
    assert!(matches!(
        b.offer(message('b', &[('b', 12)], ())),
        Err(PushError::GapTooLarge {
            actor: 'b',
            counter: 11,
            delivered: 0,
            ..
        })
    ));
    assert_eq!(
        b.offer(message('b', &[('b', 11)], ())),
        Ok(Offered::Waiting)
    );
    assert_eq!(b.len(), 2);
}

/// Removing the first message of a sender, ready or waiting, keeps the index right.
#[test]
fn remove_keeps_ready_and_waiting_state_consistent() {
    let mut b = CausalBuffer::new(8);
    let a1 = message('a', &[('a', 1)], "a1");
    let a2 = message('a', &[('a', 2)], "a2");
    let b1 = message('b', &[('a', 2), ('b', 1)], "b1");
    for m in [&a2, &b1, &a1] {
        b.offer(m.clone()).unwrap();
    }
    assert!(b.is_ready(&a1.dot()));
    assert_eq!(b.remove(&a1.dot()), Some(a1.clone()));
    assert_eq!(b.ready_len(), 0);
    assert!(b.peek_ready().is_none());
    // Offered again, it is new, and unblocks the rest.
    assert_eq!(b.offer(a1), Ok(Offered::Ready));
    assert_eq!(b.pop_ready().map(Message::into_payload), Some("a1"));
    // b:1 now waits for a:2 in the index; removing it leaves a:2 alone.
    assert_eq!(b.remove(&b1.dot()), Some(b1));
    assert_eq!(
        b.ready().map(Message::into_payload).collect::<Vec<_>>(),
        ["a2"]
    );
    assert!(b.is_empty());
}

/// The ready iterator yields at least the messages ready now and at most every held
/// message.
#[test]
fn ready_iterator_bounds_its_length() {
    let mut b = CausalBuffer::new(4);
    b.offer(message('a', &[('a', 1)], 1)).unwrap();
    b.offer(message('b', &[('b', 1)], 2)).unwrap();
    b.offer(message('a', &[('a', 2)], 3)).unwrap();
    b.offer(message('c', &[('c', 2)], 4)).unwrap();
    let mut ready = b.ready();
    assert_eq!(ready.size_hint(), (2, Some(4)));
    assert_eq!(ready.next().map(Message::into_payload), Some(1));
    // a:2 became ready behind a:1.
    assert_eq!(ready.size_hint(), (2, Some(3)));
    assert_eq!(ready.count(), 2);
    assert_eq!(b.len(), 1);
}

#[test]
fn configuration_is_reported_back() {
    let b = CausalBuffer::<char, ()>::new(7)
        .with_sender_capacity(3)
        .with_max_gap(11);
    assert_eq!((b.capacity(), b.sender_capacity(), b.max_gap()), (7, 3, 11));
    let mut b = CausalBuffer::<char, ()>::new(7);
    assert_eq!((b.sender_capacity(), b.max_gap()), (7, u64::MAX));
    assert!(b.is_empty());
    b.offer(message('a', &[('a', 2)], ())).unwrap();
    assert!(!b.is_empty());
}

#[test]
fn missing_knows_its_length_and_runs_backwards() {
    let mut b = CausalBuffer::new(4);
    let m = message('c', &[('a', 2), ('b', 1), ('c', 1)], ());
    b.offer(m.clone()).unwrap();
    let missing = b.missing(&m.dot()).unwrap();
    assert_eq!(missing.size_hint(), (2, Some(2)));
    assert_eq!(missing.len(), 2);
    let backwards: Vec<_> = b.missing(&m.dot()).unwrap().rev().collect();
    assert_eq!(
        backwards,
        [
            DotRange::new('b', 1, 1).unwrap(),
            DotRange::new('a', 1, 2).unwrap()
        ]
    );
}
