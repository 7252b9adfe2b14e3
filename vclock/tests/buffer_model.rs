//! `CausalBuffer` against a naive model: every operation of the public API, applied in
//! any order to arbitrary (also inconsistent) stamps, near 0 and near `u64::MAX`.
#![cfg(feature = "alloc")]

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::RngSeed;
use ward_vclock::{CausalBuffer, Dot, Message, Offered, PushError, StampError, VClock};

/// The buffer the slow, obvious way: the delivered counts and the set of held messages;
/// readiness is recomputed from scratch whenever it is needed.
#[derive(Debug, Clone)]
struct Model {
    delivered: BTreeMap<u8, u64>,
    held: BTreeMap<(u8, u64), Message<u8, u8>>,
    capacity: usize,
    sender_capacity: usize,
    max_gap: u64,
}

impl Model {
    fn known(&self, a: u8) -> u64 {
        self.delivered.get(&a).copied().unwrap_or(0)
    }

    fn deliverable(&self, m: &Message<u8, u8>) -> bool {
        let j = *m.sender();
        m.clock().iter().all(|(k, c)| {
            if *k == j {
                self.known(j).checked_add(1) == Some(c)
            } else {
                c <= self.known(*k)
            }
        })
    }

    fn waiting(&self, sender: Option<u8>) -> usize {
        self.held
            .values()
            .filter(|m| sender.is_none_or(|s| *m.sender() == s))
            .filter(|m| !self.deliverable(m))
            .count()
    }

    fn beyond_gap(&self, m: &Message<u8, u8>) -> bool {
        m.clock().iter().any(|(k, c)| {
            let needed = if k == m.sender() { c - 1 } else { c };
            needed > self.known(*k) && needed - self.known(*k) > self.max_gap
        })
    }

    /// The expected outcome of offering `m` (`Err` holds the variant's name).
    fn offer(&mut self, m: &Message<u8, u8>, check_payload: bool) -> Result<Offered, &'static str> {
        let dot = m.dot().into_parts();
        if dot.1 <= self.known(dot.0) {
            return Ok(Offered::Duplicate);
        }
        if let Some(held) = self.held.get(&dot) {
            let same =
                held.clock() == m.clock() && (!check_payload || held.payload() == m.payload());
            return if same {
                Ok(Offered::Duplicate)
            } else {
                Err("conflict")
            };
        }
        if self.beyond_gap(m) {
            return Err("gap");
        }
        let ready = self.deliverable(m);
        if !ready {
            if self.waiting(None) >= self.capacity {
                return Err("full");
            }
            if self.waiting(Some(dot.0)) >= self.sender_capacity {
                return Err("sender full");
            }
        }
        self.held.insert(dot, m.clone());
        Ok(if ready {
            Offered::Ready
        } else {
            Offered::Waiting
        })
    }

    fn deliver(&mut self, m: &Message<u8, u8>) {
        let (a, c) = m.dot().into_parts();
        self.held.remove(&(a, c));
        self.delivered.insert(a, c);
    }

    fn mark_delivered(&mut self, a: u8, c: u64) -> Vec<Message<u8, u8>> {
        if c <= self.known(a) {
            return Vec::new();
        }
        let dropped: Vec<_> = self
            .held
            .range((a, 0)..=(a, c))
            .map(|(_, m)| m.clone())
            .collect();
        self.held.retain(|&(x, s), _| x != a || s > c);
        self.delivered.insert(a, c);
        dropped
    }
}

#[derive(Debug, Clone)]
enum Op {
    Offer(Message<u8, u8>),
    OfferChecked(Message<u8, u8>),
    PopReady,
    /// Deliver ready messages with a function that refuses the `n`-th one.
    TryDeliver(usize),
    Stamp(u8, u8),
    MarkDelivered(u8, u64),
    Remove(u8, u64),
    RemoveSender(u8),
}

/// Counters are small, or lifted to the top of the range (`base` is then
/// `u64::MAX - 6`, and the buffer starts with every actor delivered up to `base`).
fn arb_message(base: u64) -> impl Strategy<Value = Message<u8, u8>> {
    (
        0_u8..3,
        1_u64..7,
        prop::collection::vec(0_u64..7, 3),
        0_u8..2,
    )
        .prop_map(move |(sender, seq, others, payload)| {
            let mut entries: Vec<(u8, u64)> = (0_u8..).zip(others).collect();
            entries[usize::from(sender)].1 = seq;
            let clock: VClock<u8> = entries
                .into_iter()
                .map(|(a, c)| (a, if c == 0 { 0 } else { base + c }))
                .collect();
            Message::new(sender, clock, payload).unwrap()
        })
}

fn arb_op(base: u64) -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => arb_message(base).prop_map(Op::Offer),
        2 => arb_message(base).prop_map(Op::OfferChecked),
        4 => Just(Op::PopReady),
        1 => (0_usize..3).prop_map(Op::TryDeliver),
        2 => (0_u8..3, any::<u8>()).prop_map(|(a, p)| Op::Stamp(a, p)),
        1 => (0_u8..3, 1_u64..7).prop_map(move |(a, c)| Op::MarkDelivered(a, base + c)),
        1 => (0_u8..3, 1_u64..7).prop_map(move |(a, c)| Op::Remove(a, base + c)),
        1 => (0_u8..3).prop_map(Op::RemoveSender),
    ]
}

fn arb_case() -> impl Strategy<Value = (u64, usize, usize, u64, Vec<Op>)> {
    (
        any::<bool>(),
        0_usize..6,
        0_usize..4,
        prop_oneof![Just(u64::MAX), 0_u64..4],
    )
        .prop_flat_map(|(high, capacity, sender_capacity, max_gap)| {
            let base = if high { u64::MAX - 6 } else { 0 };
            (
                Just(base),
                Just(capacity),
                Just(sender_capacity),
                Just(max_gap),
                prop::collection::vec(arb_op(base), 1..40),
            )
        })
}

fn error_name<A, M>(err: &PushError<A, M>) -> &'static str {
    match err {
        PushError::Full { .. } => "full",
        PushError::SenderFull { .. } => "sender full",
        PushError::GapTooLarge { .. } => "gap",
        PushError::Conflict { .. } => "conflict",
        _ => "other",
    }
}

/// Compares whole states: delivered counts, held messages, and which are ready.
fn same_state(buffer: &CausalBuffer<u8, u8>, model: &Model) -> Result<(), TestCaseError> {
    let delivered: BTreeMap<u8, u64> = buffer.delivered().iter().map(|(a, c)| (*a, c)).collect();
    prop_assert_eq!(&delivered, &model.delivered);
    let held: Vec<&Message<u8, u8>> = buffer.waiting().collect();
    let expected: Vec<&Message<u8, u8>> = model.held.values().collect();
    prop_assert_eq!(held, expected);
    prop_assert_eq!(buffer.len(), model.held.len());
    let ready = model.held.values().filter(|m| model.deliverable(m)).count();
    prop_assert_eq!(buffer.ready_len(), ready);
    for m in model.held.values() {
        prop_assert_eq!(
            buffer.is_ready(&m.dot()),
            model.deliverable(m),
            "{:?}",
            m.dot()
        );
        prop_assert!(buffer.is_waiting(&m.dot()));
    }
    match buffer.peek_ready() {
        Some(m) => prop_assert!(model.deliverable(m)),
        None => prop_assert_eq!(ready, 0),
    }
    Ok(())
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        rng_seed: RngSeed::Fixed(0xb0ff_e12d),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn prop_buffer_matches_naive_model(
        (base, capacity, sender_capacity, max_gap, ops) in arb_case()
    ) {
        let start: VClock<u8> = (0_u8..3).map(|a| (a, base)).collect();
        let mut buffer = CausalBuffer::with_delivered(capacity, start.clone())
            .with_sender_capacity(sender_capacity)
            .with_max_gap(max_gap);
        let mut model = Model {
            delivered: start.iter().map(|(a, c)| (*a, c)).collect(),
            held: BTreeMap::new(),
            capacity,
            sender_capacity,
            max_gap,
        };
        for op in ops {
            match op {
                Op::Offer(m) => {
                    let expected = model.offer(&m, false);
                    let got = buffer.offer(m.clone());
                    match got {
                        Ok(outcome) => prop_assert_eq!(Ok(outcome), expected),
                        Err(err) => {
                            prop_assert_eq!(Err(error_name(&err)), expected);
                            prop_assert_eq!(err.into_message(), m);
                        }
                    }
                }
                Op::OfferChecked(m) => {
                    let expected = model.offer(&m, true);
                    let got = buffer.offer_checked(m.clone()).map_err(|e| error_name(&e));
                    prop_assert_eq!(got, expected);
                }
                Op::PopReady => match buffer.pop_ready() {
                    Some(m) => {
                        prop_assert!(model.held.contains_key(&m.dot().into_parts()));
                        prop_assert!(model.deliverable(&m), "{:?} was not deliverable", m.dot());
                        model.deliver(&m);
                    }
                    None => prop_assert_eq!(model.held.values().filter(|m| model.deliverable(m)).count(), 0),
                },
                Op::TryDeliver(refuse_at) => {
                    let mut seen = Vec::new();
                    let result = buffer.try_deliver(|m| {
                        if seen.len() == refuse_at {
                            return Err(m.dot());
                        }
                        seen.push(m.clone());
                        Ok(())
                    });
                    for m in &seen {
                        prop_assert!(model.deliverable(m));
                        model.deliver(m);
                    }
                    match result {
                        Ok(n) => {
                            prop_assert_eq!(n, seen.len());
                            prop_assert_eq!(buffer.ready_len(), 0);
                        }
                        // The refused message stays, ready.
                        Err(dot) => prop_assert!(buffer.is_ready(&dot)),
                    }
                }
                Op::Stamp(a, payload) => {
                    let seq = model.known(a).checked_add(1);
                    match buffer.stamp(a, payload) {
                        Ok(m) => {
                            let seq = seq.unwrap();
                            prop_assert!(!model.held.contains_key(&(a, seq)));
                            let mut clock: VClock<u8> = model.delivered.iter().map(|(k, c)| (*k, *c)).collect();
                            clock.witness(&Dot::new(a, seq).unwrap());
                            prop_assert_eq!(m.clock(), &clock);
                            prop_assert_eq!(m.dot(), Dot::new(a, seq).unwrap());
                            model.delivered.insert(a, seq);
                        }
                        Err(StampError::CounterOverflow { counter }) => {
                            prop_assert_eq!(seq, None);
                            prop_assert_eq!(counter, u64::MAX);
                        }
                        Err(StampError::DotTaken { counter }) => {
                            prop_assert_eq!(Some(counter), seq);
                            prop_assert!(model.held.contains_key(&(a, counter)));
                        }
                        Err(other) => prop_assert!(false, "unexpected {:?}", other),
                    }
                }
                Op::MarkDelivered(a, c) => {
                    let got = buffer.mark_delivered(&Dot::new(a, c).unwrap());
                    prop_assert_eq!(got, model.mark_delivered(a, c));
                }
                Op::Remove(a, c) => {
                    let got = buffer.remove(&Dot::new(a, c).unwrap());
                    prop_assert_eq!(got, model.held.remove(&(a, c)));
                }
                Op::RemoveSender(a) => {
                    let got = buffer.remove_sender(&a);
                    let expected: Vec<_> = model.held.range((a, 0)..=(a, u64::MAX)).map(|(_, m)| m.clone()).collect();
                    model.held.retain(|&(x, _), _| x != a);
                    prop_assert_eq!(got, expected);
                }
            }
            same_state(&buffer, &model)?;
        }
    }
}
