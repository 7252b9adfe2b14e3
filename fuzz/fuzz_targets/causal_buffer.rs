//! Three nodes broadcasting through causal buffers over a network that loses, duplicates and
//! reorders, plus a lying peer that forges dependencies.
//!
//! Every delivery at every node is recorded and checked against the delivery rule of causal
//! broadcast (the next message of its sender, everything its sender had delivered already
//! delivered here); no message is delivered twice; no honest message is ever refused as a
//! conflict; the buffer never holds more than its capacity; and once every honest message is
//! retransmitted in causal order, every node has delivered all of them.
#![no_main]

use std::collections::BTreeMap;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ward_vclock::{CausalBuffer, Message, PushError, VClock};

const NODES: u8 = 3;
/// The lying peer: it never stamps honestly.
const LIAR: u8 = 9;
const CAPACITY: usize = 16;

#[derive(Debug, Arbitrary)]
enum Op {
    Send {
        from: u8,
    },
    Deliver {
        which: u8,
        keep: bool,
    },
    Lose {
        which: u8,
    },
    /// A forged message from the liar, claiming the given dependencies. The liar does not
    /// equivocate: a second forgery of one dot repeats the first (two different messages
    /// under one dot delivered to different nodes cannot be put in any causal order).
    Forge {
        to: u8,
        seq: u8,
        deps: Vec<(u8, u16)>,
    },
    /// The owner drops everything the liar has waiting at a node.
    DropLiar {
        at: u8,
    },
}

type Payload = (u8, u64);

struct Node {
    buffer: CausalBuffer<u8, Payload>,
    /// How many messages of each sender were delivered here, counted from the history.
    counts: BTreeMap<u8, u64>,
}

impl Node {
    /// Takes every ready message and checks each delivery against the rule.
    fn drain(&mut self, me: u8) {
        for message in self.buffer.ready() {
            deliver(&mut self.counts, me, &message);
        }
        assert!(
            self.buffer.len() <= CAPACITY,
            "node {me} holds {} messages",
            self.buffer.len()
        );
    }
}

fn deliver(counts: &mut BTreeMap<u8, u64>, me: u8, message: &Message<u8, Payload>) {
    let sender = *message.sender();
    let clock = message.clock();
    let seen = counts.get(&sender).copied().unwrap_or(0);
    assert_eq!(
        clock.get(&sender),
        seen + 1,
        "node {me} delivered {sender}:{} out of turn (had {seen})",
        clock.get(&sender)
    );
    for (actor, n) in clock.iter() {
        if *actor != sender {
            let have = counts.get(actor).copied().unwrap_or(0);
            assert!(
                n <= have,
                "node {me} delivered a message of {sender} depending on {actor}:{n} with only {have}"
            );
        }
    }
    if sender != LIAR {
        assert_eq!(
            message.payload(),
            &(sender, seen + 1),
            "payload of another message"
        );
    }
    counts.insert(sender, seen + 1);
}

fn offer(node: &mut Node, me: u8, message: Message<u8, Payload>) {
    let honest = *message.sender() != LIAR;
    match node.buffer.offer_checked(message) {
        Ok(_) => {}
        Err(PushError::Conflict { .. }) if honest => {
            panic!("node {me} refused an honest message as a conflict")
        }
        Err(_) => {}
    }
    node.drain(me);
}

fuzz_target!(|ops: Vec<Op>| {
    let mut nodes: Vec<Node> = (0..NODES)
        .map(|_| Node {
            buffer: CausalBuffer::new(CAPACITY).with_max_gap(64),
            counts: BTreeMap::new(),
        })
        .collect();
    let mut sent: Vec<Message<u8, Payload>> = Vec::new();
    let mut net: Vec<(u8, Message<u8, Payload>)> = Vec::new();
    let mut forged: BTreeMap<u8, Message<u8, Payload>> = BTreeMap::new();

    for op in ops.into_iter().take(300) {
        match op {
            Op::Send { from } => {
                let from = from % NODES;
                let node = &mut nodes[usize::from(from)];
                let next = node.buffer.delivered().get(&from) + 1;
                let Ok(message) = node.buffer.stamp(from, (from, next)) else {
                    continue;
                };
                assert_eq!(
                    message.dot().counter(),
                    next,
                    "stamp skipped or reused a dot"
                );
                // A node delivers its own message as it sends it.
                deliver(&mut node.counts, from, &message);
                for to in 0..NODES {
                    if to != from && net.len() < 64 {
                        net.push((to, message.clone()));
                    }
                }
                sent.push(message);
            }
            Op::Deliver { which, keep } => {
                if net.is_empty() {
                    continue;
                }
                let i = usize::from(which) % net.len();
                let (to, message) = if keep {
                    net[i].clone()
                } else {
                    net.swap_remove(i)
                };
                offer(&mut nodes[usize::from(to)], to, message);
            }
            Op::Lose { which } => {
                if !net.is_empty() {
                    let i = usize::from(which) % net.len();
                    net.swap_remove(i);
                }
            }
            Op::Forge { to, seq, deps } => {
                let to = to % NODES;
                if !forged.contains_key(&seq) {
                    let mut clock: VClock<u8> = deps
                        .into_iter()
                        .take(4)
                        .map(|(a, n)| (a % NODES, u64::from(n)))
                        .collect();
                    clock.merge(&[(LIAR, u64::from(seq))].into_iter().collect());
                    match Message::new(LIAR, clock, (LIAR, u64::from(seq))) {
                        Ok(message) => forged.insert(seq, message),
                        Err(_) => continue,
                    };
                }
                let message = forged[&seq].clone();
                offer(&mut nodes[usize::from(to)], to, message);
            }
            Op::DropLiar { at } => {
                let at = usize::from(at % NODES);
                for dropped in nodes[at].buffer.remove_sender(&LIAR) {
                    assert_eq!(*dropped.sender(), LIAR, "dropped another sender's message");
                }
            }
        }
    }

    // Retransmission: every message again, the liar's too (an honest node may have delivered
    // one and then depend on it), in an order consistent with causality.
    let mut all = sent.clone();
    all.extend(forged.into_values());
    all.sort_by_key(|m| m.clock().iter().map(|(_, n)| n).sum::<u64>());
    for (me, node) in nodes.iter_mut().enumerate() {
        let me = me as u8;
        for message in &all {
            if *message.sender() != me {
                offer(node, me, message.clone());
            }
        }
        for message in &sent {
            let sender = *message.sender();
            assert!(
                node.counts.get(&sender).copied().unwrap_or(0) >= message.dot().counter(),
                "node {me} never delivered {sender}:{}",
                message.dot().counter()
            );
        }
    }
});
