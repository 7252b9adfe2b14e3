//! How the work of causal delivery grows with the number of senders, counted as actor
//! comparisons (the unit the buffer's cost is made of).
#![cfg(feature = "alloc")]

use std::cell::Cell;
use std::cmp::Ordering;

use ward_vclock::{CausalBuffer, Message, Pushed, VClock};

thread_local! {
    static COMPARISONS: Cell<u64> = const { Cell::new(0) };
}

/// An actor id that counts how often it is compared.
#[derive(Debug, Clone, Copy)]
struct Counted(u32);

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        COMPARISONS.with(|c| c.set(c.get() + 1));
        self.0 == other.0
    }
}

impl Eq for Counted {}

impl PartialOrd for Counted {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Counted {
    fn cmp(&self, other: &Self) -> Ordering {
        COMPARISONS.with(|c| c.set(c.get() + 1));
        self.0.cmp(&other.0)
    }
}

/// `senders` nodes in a ring, `rounds` rounds: in each round every node broadcasts one
/// message after delivering its own previous one and its left neighbour's. Clocks stay
/// small (at most `rounds + 1` entries), so the cost of reading one clock does not grow
/// with the number of senders; only the buffer's bookkeeping may.
fn ring_history(senders: u32, rounds: u64) -> Vec<Message<Counted, ()>> {
    let mut knowledge: Vec<VClock<Counted>> = vec![VClock::new(); senders as usize];
    let mut sent = Vec::new();
    for _ in 0..rounds {
        let before = knowledge.clone();
        for j in 0..senders {
            let left = ((j + senders - 1) % senders) as usize;
            let mut clock = before[j as usize].clone();
            clock.merge(&before[left]);
            clock.increment(Counted(j)).unwrap();
            knowledge[j as usize] = clock.clone();
            sent.push(Message::new(Counted(j), clock, ()).unwrap());
        }
    }
    sent
}

/// Comparisons per delivered message when the whole history arrives in reverse order.
fn comparisons_per_message(senders: u32) -> f64 {
    let sent = ring_history(senders, 3);
    let mut buffer = CausalBuffer::new(sent.len());
    let mut delivered = 0_usize;
    COMPARISONS.with(|c| c.set(0));
    for m in sent.iter().rev() {
        match buffer.push(m.clone(), |_| delivered += 1) {
            Ok(Pushed::Delivered(_) | Pushed::Waiting) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let work = COMPARISONS.with(Cell::get);
    assert_eq!(delivered, sent.len());
    assert!(buffer.is_empty());
    work as f64 / delivered as f64
}

/// Delivering a history that arrives in reverse causal order rescanned every sender's
/// queue on every delivery: 21.7 comparisons per message at 8 senders, 202.2 at 256.
/// Waiting messages are now indexed by the dot they wait for, so the cost per message
/// grows like `log n`.
#[test]
fn regression_delivery_cost_per_message_is_logarithmic_in_senders() {
    let small = comparisons_per_message(8);
    let large = comparisons_per_message(256);
    println!("comparisons per delivered message: {small:.1} at 8 senders, {large:.1} at 256");
    // Logarithmic growth gives a ratio near log2(256) / log2(8) = 2.7 on the part that
    // grows; linear growth gives 32. The old code measured 21.7 and 202.2 (9.3 times).
    assert!(
        large <= 4.0 * small,
        "{large:.1} comparisons per message at 256 senders against {small:.1} at 8"
    );
}
