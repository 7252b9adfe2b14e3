//! A replicated key-value store that detects concurrent updates of a key instead of
//! silently dropping one.
//!
//! Two storage nodes, `n1` and `n2`, keep each key as a `DvvSet`: its current values
//! (siblings) and, as a `VClock`, the causal context of the whole key. A read returns
//! the values and the context; a write sends back the context it read. Two clients read
//! a user's e-mail address and write different values through different nodes. The
//! versions they leave behind compare as concurrent (`partial_cmp` is `None`), so after
//! the nodes sync, the next reader gets both values; a last-writer-wins store would
//! have kept one and lost the other without a trace. The reader resolves the conflict
//! by writing with the context it read, which replaces exactly the two siblings, and a
//! late write from a client that read before the conflict does not overwrite what it
//! never saw.
//!
//! Run with `cargo run -p ward-vclock --example version_conflicts`.

use std::collections::BTreeMap;

use ward_vclock::{DvvSet, VClock};

type Node = &'static str;

/// One storage node: each key's siblings and their causal history.
#[derive(Debug)]
struct Store {
    node: Node,
    keys: BTreeMap<&'static str, DvvSet<Node, String>>,
}

/// What a read returns: the values and the context to send back with a write.
#[derive(Debug, Clone)]
struct Read {
    values: Vec<String>,
    context: VClock<Node>,
}

impl Store {
    fn new(node: Node) -> Self {
        Self {
            node,
            keys: BTreeMap::new(),
        }
    }

    fn get(&self, key: &str) -> Read {
        match self.keys.get(key) {
            Some(set) => Read {
                values: set.values().cloned().collect(),
                context: set.context(),
            },
            None => Read {
                values: Vec::new(),
                context: VClock::new(),
            },
        }
    }

    /// Writes `value` by a client that read `context`; returns the key's new context.
    fn put(
        &mut self,
        key: &'static str,
        context: &VClock<Node>,
        value: &str,
    ) -> Result<VClock<Node>, ward_vclock::VClockError> {
        let set = self.keys.entry(key).or_default();
        let dot = set.update(self.node, context, value.to_string())?;
        println!(
            "  {} writes {value:?} as {dot}, having read {context}",
            self.node
        );
        Ok(set.context())
    }

    /// Takes in every key of `other` (anti-entropy between nodes).
    fn sync_from(&mut self, other: &Self) {
        for (key, theirs) in &other.keys {
            self.keys.entry(key).or_default().sync(theirs);
        }
    }
}

const KEY: &str = "user:42:email";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut n1 = Store::new("n1");
    let mut n2 = Store::new("n2");

    // The address is created on n1 and replicated to n2.
    let created = n1.put(KEY, &VClock::new(), "ann@old.example")?;
    n2.sync_from(&n1);

    // Two clients read the same version, each from a different node, and write.
    let alice = n1.get(KEY);
    let bob = n2.get(KEY);
    assert_eq!(alice.context, bob.context);
    let at_n1 = n1.put(KEY, &alice.context, "ann@work.example")?;
    let at_n2 = n2.put(KEY, &bob.context, "ann@home.example")?;

    // Each write descends from the creation, but neither from the other.
    assert!(at_n1.dominates(&created) && at_n2.dominates(&created));
    assert_eq!(at_n1.partial_cmp(&at_n2), None);
    assert!(at_n1.is_concurrent(&at_n2));
    println!("versions {at_n1} and {at_n2} are concurrent: neither write saw the other");

    // The nodes sync. Both values survive as siblings, on both nodes.
    n1.sync_from(&n2);
    n2.sync_from(&n1);
    let carol = n1.get(KEY);
    println!(
        "after sync, a read returns {:?} with context {}",
        carol.values, carol.context
    );
    assert_eq!(carol.values.len(), 2);
    assert_eq!(n1.keys.get(KEY), n2.keys.get(KEY));
    // What last-writer-wins would have kept (here by the greater string): one value.
    let lww = n1.keys[KEY].last_write_wins(Ord::cmp).ok_or("no values")?;
    let kept: Vec<_> = lww.values().collect();
    println!("last-writer-wins would keep only {kept:?} and lose the other write");
    assert_eq!(kept.len(), 1);

    // Meanwhile a slow client, who read before either write, writes too.
    // It replaces nothing it did not read: n2 now holds three siblings.
    n2.put(KEY, &alice.context, "ann@typo.example")?;
    assert_eq!(n2.get(KEY).values.len(), 3);

    // Carol resolves the conflict she read: her write replaces exactly the two
    // siblings she saw, not the slow client's value, which she never read.
    let resolved = n1.put(KEY, &carol.context, "ann@work.example")?;
    n1.sync_from(&n2);
    n2.sync_from(&n1);
    let dave = n2.get(KEY);
    println!("after the resolution and a sync: {:?}", dave.values);
    assert!(dave.context.dominates(&resolved));
    let mut values = dave.values.clone();
    values.sort();
    assert_eq!(values, ["ann@typo.example", "ann@work.example"]);

    // A read of both and one more write settle the key on a single value.
    n2.put(KEY, &dave.context, "ann@work.example")?;
    n1.sync_from(&n2);
    let settled = n1.get(KEY);
    println!("settled: {:?} at {}", settled.values, settled.context);
    assert_eq!(settled.values, ["ann@work.example"]);
    assert_eq!(n1.keys.get(KEY), n2.keys.get(KEY));
    Ok(())
}
