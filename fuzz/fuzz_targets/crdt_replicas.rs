//! Three OR-set replicas exchanging deltas over a network that loses, duplicates and
//! reorders them, against a naive model.
//!
//! The model keeps every add as a unique tag and every removal as the set of tags it
//! observed; an add also retires the tags of the same element its replica observed, as an
//! add-wins set without tombstones does. After every step each replica's elements must equal
//! its model's, a removal must succeed exactly when the element is present, every delta must
//! survive a JSON round trip unchanged, and after a final exchange of whole states all
//! replicas must hold the same set as the joined model.
#![no_main]

use std::collections::BTreeSet;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ward_crdt::{OrSet, Replica};

const REPLICAS: usize = 3;

#[derive(Debug, Arbitrary)]
enum Op {
    Add {
        at: u8,
        elem: u8,
    },
    Remove {
        at: u8,
        elem: u8,
    },
    /// Delivers one message in flight; `keep` leaves a copy behind (a duplicate).
    Deliver {
        which: u8,
        keep: bool,
    },
    /// Loses one message in flight.
    Lose {
        which: u8,
    },
}

type Tag = (u8, u64);

#[derive(Debug, Default, Clone)]
struct Model {
    adds: BTreeSet<(u8, Tag)>,
    removed: BTreeSet<Tag>,
}

impl Model {
    fn observed(&self, elem: u8) -> BTreeSet<Tag> {
        self.adds
            .iter()
            .filter(|(e, t)| *e == elem && !self.removed.contains(t))
            .map(|(_, t)| *t)
            .collect()
    }

    fn join(&mut self, other: &Model) {
        self.adds.extend(other.adds.iter().copied());
        self.removed.extend(other.removed.iter().copied());
    }

    fn elements(&self) -> BTreeSet<u8> {
        self.adds
            .iter()
            .filter(|(_, t)| !self.removed.contains(t))
            .map(|(e, _)| *e)
            .collect()
    }
}

struct Message {
    to: usize,
    delta: OrSet<u8, u8>,
    model: Model,
}

fn elements(r: &Replica<u8, OrSet<u8, u8>>) -> BTreeSet<u8> {
    r.state().iter().copied().collect()
}

fn roundtrip(delta: &OrSet<u8, u8>) -> OrSet<u8, u8> {
    let json = serde_json::to_vec(delta).expect("a delta encodes");
    let back: OrSet<u8, u8> = serde_json::from_slice(&json).expect("a delta decodes");
    assert_eq!(&back, delta, "a delta changed through JSON");
    back
}

fuzz_target!(|ops: Vec<Op>| {
    let mut replicas: Vec<Replica<u8, OrSet<u8, u8>>> = (0..REPLICAS as u8)
        .map(|a| Replica::new(a, OrSet::new()))
        .collect();
    let mut models = vec![Model::default(); REPLICAS];
    let mut seq = [0_u64; REPLICAS];
    let mut net: Vec<Message> = Vec::new();

    for op in ops.into_iter().take(300) {
        match op {
            Op::Add { at, elem } => {
                let at = usize::from(at) % REPLICAS;
                let delta = replicas[at].add(elem % 8).expect("an add succeeds");
                seq[at] += 1;
                let tag = (at as u8, seq[at]);
                let mut d = Model::default();
                d.removed = models[at].observed(elem % 8);
                d.adds.insert((elem % 8, tag));
                models[at].join(&d);
                broadcast(&mut net, at, &delta, &d);
            }
            Op::Remove { at, elem } => {
                let at = usize::from(at) % REPLICAS;
                let observed = models[at].observed(elem % 8);
                match replicas[at].remove(&(elem % 8)) {
                    Ok(delta) => {
                        assert!(!observed.is_empty(), "removed {} which is absent", elem % 8);
                        let d = Model {
                            adds: BTreeSet::new(),
                            removed: observed,
                        };
                        models[at].join(&d);
                        broadcast(&mut net, at, &delta, &d);
                    }
                    Err(e) => assert!(observed.is_empty(), "remove of a present element: {e}"),
                }
            }
            Op::Deliver { which, keep } => {
                if net.is_empty() {
                    continue;
                }
                let i = usize::from(which) % net.len();
                let (to, delta, model) = if keep {
                    let m = &net[i];
                    (m.to, m.delta.clone(), m.model.clone())
                } else {
                    let m = net.swap_remove(i);
                    (m.to, m.delta, m.model)
                };
                let delta = roundtrip(&delta);
                if let Err(e) = replicas[to].merge_delta(&delta) {
                    panic!("replica {to} refused a delta no replica forged: {e}");
                }
                models[to].join(&model);
            }
            Op::Lose { which } => {
                if !net.is_empty() {
                    let i = usize::from(which) % net.len();
                    net.swap_remove(i);
                }
            }
        }
        for (r, m) in replicas.iter().zip(&models) {
            assert_eq!(
                elements(r),
                m.elements(),
                "replica {} and its model differ",
                r.actor()
            );
        }
    }

    // Anti-entropy: whole states, every pair, both ways.
    for _ in 0..2 {
        for a in 0..REPLICAS {
            for b in 0..REPLICAS {
                if a != b {
                    let state = replicas[b].state().clone();
                    replicas[a]
                        .merge(&state)
                        .expect("a whole-state merge succeeds");
                }
            }
        }
    }
    let mut joined = Model::default();
    for m in &models {
        joined.join(m);
    }
    for r in &replicas {
        assert_eq!(r.state(), replicas[0].state(), "replicas did not converge");
        assert_eq!(elements(r), joined.elements(), "converged to the wrong set");
    }
});

fn broadcast(net: &mut Vec<Message>, from: usize, delta: &OrSet<u8, u8>, model: &Model) {
    for to in 0..REPLICAS {
        if to != from && net.len() < 64 {
            net.push(Message {
                to,
                delta: delta.clone(),
                model: model.clone(),
            });
        }
    }
}
