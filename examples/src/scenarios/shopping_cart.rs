//! Scenario 5, conflicting writes: the shopping cart. Two datacenters, East and West, hold
//! the same user's cart. A partition cuts them apart; the user's requests keep landing on
//! both, adding and removing items; the partition heals and the datacenters gossip their
//! state until they agree.
//!
//! The network is `turmoil`'s: two hosts gossip their full state over UDP every 200 ms on
//! simulated time, and the partition is `turmoil`'s, so the gossip sent while it lasts is
//! really lost. Each datacenter keeps the cart three ways:
//!
//! - naive: the whole cart as one last-write-wins register ([`LwwRegister`]); the merge
//!   keeps the cart written last, so the other side's additions are dropped;
//! - Ward: an add-wins [`OrSet`] behind a [`Replica`] handle; the merge keeps every add that
//!   no remove observed, so the carts converge to the union with add-wins semantics;
//! - the reference: a plain tombstone model (every add's id, every removed id, merged by
//!   union), which the OR-set must match exactly.
//!
//! An item removed on one side and re-added on the other during the partition is present
//! after the merge: it "reappears", because the remove covered only the add it had seen.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use turmoil::net::UdpSocket;
use ward_crdt::{Lattice as _, LwwRegister, OrSet, Replica};

use super::{ScenarioError, broken, refused, refused_debug, sim_failed};
use crate::report::Table;
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

const PORT: u16 = 9100;
/// How often each datacenter sends its state to the other.
pub const GOSSIP_EVERY: Duration = Duration::from_millis(200);

/// A cart operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// Add an item.
    Add(String),
    /// Remove an item.
    Remove(String),
}

/// An operation at a datacenter, at a simulated time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Simulated milliseconds since the start.
    pub at_ms: u64,
    /// The datacenter that served it.
    pub dc: String,
    /// The operation.
    pub op: Op,
    /// Whether it happened during the partition.
    pub during_partition: bool,
}

/// The naive reference model: every add gets an id; a remove records the ids it saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Tombstones {
    adds: BTreeSet<(String, String, u64)>,
    removed: BTreeSet<(String, String, u64)>,
}

impl Tombstones {
    fn add(&mut self, dc: &str, seq: u64, item: &str) {
        self.adds.insert((item.into(), dc.into(), seq));
    }

    fn remove(&mut self, item: &str) {
        let seen: Vec<_> = self.adds.iter().filter(|a| a.0 == item).cloned().collect();
        self.removed.extend(seen);
    }

    fn merge(&mut self, other: &Self) {
        self.adds.extend(other.adds.iter().cloned());
        self.removed.extend(other.removed.iter().cloned());
    }

    fn items(&self) -> BTreeSet<String> {
        self.adds
            .difference(&self.removed)
            .map(|a| a.0.clone())
            .collect()
    }
}

type Cart = BTreeSet<String>;
/// Wall-clock stamp for the naive register: simulated microseconds, then a node id.
type WallStamp = (u64, u64);

/// The gossip datagram: a datacenter's whole state.
#[derive(Debug, Serialize, Deserialize)]
struct Gossip {
    orset: OrSet<String, String>,
    lww: LwwRegister<Cart, WallStamp>,
    model: Tombstones,
    two_phase: (Cart, Cart),
}

/// One datacenter's final state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Final {
    /// The datacenter.
    pub dc: String,
    /// The cart as the last-write-wins register has it.
    pub lww: Vec<String>,
    /// The cart as the OR-set has it.
    pub orset: Vec<String>,
    /// The cart as the tombstone model has it.
    pub model: Vec<String>,
    /// Gossip datagrams that arrived.
    pub gossip_received: u64,
    /// For each item in the OR-set, the dots that keep it alive.
    pub dots: Vec<(String, Vec<String>)>,
}

/// An item removed on one side while the other side added it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reappeared {
    /// The item.
    pub item: String,
    /// Where it was removed.
    pub removed_at: String,
    /// Where it was concurrently added.
    pub added_at: String,
    /// The dots that kept it in the merged OR-set.
    pub surviving_dots: Vec<String>,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// When the partition started and healed, in simulated milliseconds.
    pub partition_ms: (u64, u64),
    /// Every request, in time order.
    pub requests: Vec<Request>,
    /// East's and West's final state.
    pub finals: [Final; 2],
    /// Items the last-write-wins cart dropped: in the add-wins result, missing from LWW.
    pub lww_dropped: Vec<String>,
    /// Items the last-write-wins cart holds although they were removed.
    pub lww_resurrected: Vec<String>,
    /// Items that "reappeared".
    pub reappeared: Vec<Reappeared>,
    /// Whether the OR-set was on; off, the second cart is a set without dots.
    pub or_set_on: bool,
}

impl Outcome {
    /// The anomaly: the last-write-wins cart dropped items the user added.
    pub fn anomaly_observed(&self) -> bool {
        !self.lww_dropped.is_empty()
    }

    /// The prevention: both OR-set replicas converged to the same cart, equal to the
    /// tombstone model's add-wins result, and it holds every item the LWW cart dropped.
    pub fn prevented(&self) -> bool {
        let [east, west] = &self.finals;
        east.orset == west.orset
            && east.orset == east.model
            && west.orset == west.model
            && self.lww_dropped.iter().all(|i| east.orset.contains(i))
    }
}

/// One datacenter inside the simulation.
struct Dc {
    name: String,
    node: u64,
    seq: u64,
    cart: Replica<String, OrSet<String, String>>,
    lww: LwwRegister<Cart, WallStamp>,
    model: Tombstones,
    /// With the OR-set switched off: a set without dots (added items, removed items, each
    /// merged by union), so a remove also cancels the adds it never saw.
    or_set_on: bool,
    two_phase: (Cart, Cart),
    received: u64,
}

fn now_micros() -> u64 {
    turmoil::elapsed().as_micros() as u64
}

impl Dc {
    fn new(name: &str, node: u64, or_set_on: bool) -> Self {
        Self {
            name: name.into(),
            node,
            seq: 0,
            cart: Replica::new(name.to_string(), OrSet::new()),
            lww: LwwRegister::new(),
            model: Tombstones::default(),
            or_set_on,
            two_phase: (Cart::new(), Cart::new()),
            received: 0,
        }
    }

    fn apply(&mut self, op: &Op) -> Result<(), ScenarioError> {
        // The naive design reads its current cart, changes it, and writes it back whole.
        let mut whole: Cart = self.lww.value().cloned().unwrap_or_default();
        match op {
            Op::Add(item) => {
                self.cart.add(item.clone()).map_err(refused("ward-crdt"))?;
                self.seq += 1;
                self.model.add(&self.name, self.seq, item);
                whole.insert(item.clone());
                self.two_phase.0.insert(item.clone());
            }
            Op::Remove(item) => {
                // An item this side does not hold has no observed add to remove: the
                // set reports `NotPresent` and stays unchanged, like the model.
                let _ = self.cart.remove(item);
                self.model.remove(item);
                whole.remove(item);
                if self.two_phase.0.contains(item) {
                    self.two_phase.1.insert(item.clone());
                }
            }
        }
        let stamp = (now_micros(), self.node);
        let stamp = match self.lww.stamp() {
            // Two writes in the same microsecond: move past our own last stamp.
            Some(&(t, _)) if t >= stamp.0 => (t + 1, self.node),
            _ => stamp,
        };
        self.lww
            .set(whole, stamp)
            .map_err(refused_debug("ward-crdt"))?;
        Ok(())
    }

    fn gossip(&self) -> Result<Vec<u8>, ScenarioError> {
        let g = Gossip {
            orset: self.cart.state().clone(),
            lww: self.lww.clone(),
            model: self.model.clone(),
            two_phase: self.two_phase.clone(),
        };
        serde_json::to_vec(&g).map_err(sim_failed)
    }

    fn absorb(&mut self, bytes: &[u8]) -> Result<(), ScenarioError> {
        let g: Gossip = serde_json::from_slice(bytes).map_err(sim_failed)?;
        self.cart.merge(&g.orset).map_err(refused("ward-crdt"))?;
        self.lww.merge(&g.lww);
        self.model.merge(&g.model);
        self.two_phase.0.extend(g.two_phase.0);
        self.two_phase.1.extend(g.two_phase.1);
        self.received += 1;
        Ok(())
    }

    fn finish(&self) -> Final {
        let set = self.cart.state();
        Final {
            dc: self.name.clone(),
            lww: self
                .lww
                .value()
                .map(|c| c.iter().cloned().collect())
                .unwrap_or_default(),
            orset: if self.or_set_on {
                set.iter().cloned().collect()
            } else {
                self.two_phase
                    .0
                    .difference(&self.two_phase.1)
                    .cloned()
                    .collect()
            },
            model: self.model.items().into_iter().collect(),
            gossip_received: self.received,
            dots: set
                .iter()
                .filter(|_| self.or_set_on)
                .map(|i| {
                    (
                        i.clone(),
                        set.dots(i).iter().map(ToString::to_string).collect(),
                    )
                })
                .collect(),
        }
    }
}

/// Runs one datacenter: its scripted requests, gossip every [`GOSSIP_EVERY`], until `end`.
async fn datacenter(
    name: &'static str,
    node: u64,
    peer: &'static str,
    script: Vec<(u64, Op)>,
    end_ms: u64,
    or_set_on: bool,
    out: Rc<RefCell<Option<Final>>>,
) -> turmoil::Result {
    let socket = UdpSocket::bind((IpAddr::V4(Ipv4Addr::UNSPECIFIED), PORT)).await?;
    let mut dc = Dc::new(name, node, or_set_on);
    let mut script = script.into_iter().peekable();
    let gossip_ms = GOSSIP_EVERY.as_millis() as u64;
    let mut next_gossip = gossip_ms;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let now = turmoil::elapsed().as_millis() as u64;
        if now >= end_ms {
            break;
        }
        let next_op = script.peek().map_or(u64::MAX, |(at, _)| *at);
        let wake = next_op.min(next_gossip).min(end_ms);
        if wake > now {
            let wait = Duration::from_millis(wake - now);
            if let Ok(received) = tokio::time::timeout(wait, socket.recv_from(&mut buf)).await {
                let (n, _) = received?;
                dc.absorb(&buf[..n])?;
                continue;
            }
        }
        let now = turmoil::elapsed().as_millis() as u64;
        while let Some((_, op)) = script.next_if(|(at, _)| *at <= now) {
            dc.apply(&op)?;
        }
        if now >= next_gossip {
            // During the partition the datagram is lost on the way; that is the point.
            let _ = socket.send_to(&dc.gossip()?, (peer, PORT)).await;
            next_gossip += gossip_ms;
        }
    }
    *out.borrow_mut() = Some(dc.finish());
    Ok(())
}

fn pick(items: &mut Vec<&'static str>, rng: &mut SimRng) -> &'static str {
    items.remove(rng.index(items.len()))
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Simulation`] if a datacenter failed, [`ScenarioError::Invariant`] if one
/// did not finish (neither happens for any seed tried).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::OrSet`] the
/// second cart is a set without dots (added and removed items, merged by union), so East's
/// remove of the milk also cancels West's concurrent re-add.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let or_set_on = switches.is_on(Primitive::OrSet);
    let mut rng = SimRng::new(seed, "shopping-cart");
    let partition_at = 1_000;
    let heal_at = partition_at + rng.range(4_000, 8_000);
    let end_ms = heal_at + 2_000;

    let mut requests = vec![
        Request {
            at_ms: rng.range(50, 300),
            dc: "east".into(),
            op: Op::Add("milk".into()),
            during_partition: false,
        },
        Request {
            at_ms: rng.range(300, 600),
            dc: "west".into(),
            op: Op::Add("bread".into()),
            during_partition: false,
        },
    ];
    // During the partition: East removes milk while West re-adds it; each side adds items
    // of its own; sometimes East drops the bread, or West changes its mind about an item.
    let mut east_items = vec!["coffee", "tea", "rice", "pasta"];
    let mut west_items = vec!["apples", "cheese", "eggs", "yogurt"];
    let mut script = |dc: &str, ops: Vec<Op>, rng: &mut SimRng| {
        let mut at = partition_at;
        for op in ops {
            at += rng.range(100, (heal_at - partition_at) / 6);
            requests.push(Request {
                at_ms: at,
                dc: dc.into(),
                op,
                during_partition: true,
            });
        }
    };
    let mut east = vec![Op::Remove("milk".into())];
    for _ in 0..rng.range(1, 3) {
        east.push(Op::Add(pick(&mut east_items, &mut rng).into()));
    }
    if rng.chance(0.5) {
        east.push(Op::Remove("bread".into()));
    }
    let first_west = pick(&mut west_items, &mut rng);
    let mut west = vec![Op::Add(first_west.into()), Op::Add("milk".into())];
    for _ in 0..rng.range(1, 2) {
        west.push(Op::Add(pick(&mut west_items, &mut rng).into()));
    }
    if rng.chance(0.5) {
        west.push(Op::Remove(first_west.into()));
    }
    script("east", east, &mut rng);
    script("west", west, &mut rng);
    requests.sort_by_key(|r| r.at_ms);

    let script_of = |dc: &str| -> Vec<(u64, Op)> {
        requests
            .iter()
            .filter(|r| r.dc == dc)
            .map(|r| (r.at_ms, r.op.clone()))
            .collect()
    };
    let east_out = Rc::new(RefCell::new(None));
    let west_out = Rc::new(RefCell::new(None));
    let mut sim = turmoil::Builder::new()
        .simulation_duration(Duration::from_secs(60))
        .rng_seed(seed)
        .build();
    sim.client(
        "east",
        datacenter(
            "east",
            1,
            "west",
            script_of("east"),
            end_ms,
            or_set_on,
            Rc::clone(&east_out),
        ),
    );
    sim.client(
        "west",
        datacenter(
            "west",
            2,
            "east",
            script_of("west"),
            end_ms,
            or_set_on,
            Rc::clone(&west_out),
        ),
    );
    sim.set_link_latency("east", "west", Duration::from_millis(rng.range(30, 80)));
    let (mut cut, mut healed) = (false, false);
    loop {
        let now = sim.elapsed().as_millis() as u64;
        if !cut && now >= partition_at {
            sim.partition("east", "west");
            cut = true;
        }
        if cut && !healed && now >= heal_at {
            sim.repair("east", "west");
            healed = true;
        }
        if sim.step().map_err(sim_failed)? {
            break;
        }
    }
    let take = |out: &Rc<RefCell<Option<Final>>>, dc: &str| {
        out.borrow_mut()
            .take()
            .ok_or_else(|| broken(format!("{dc} did not finish")))
    };
    let finals = [take(&east_out, "east")?, take(&west_out, "west")?];

    let lww_dropped = finals[0]
        .model
        .iter()
        .filter(|i| !finals[0].lww.contains(i))
        .cloned()
        .collect();
    let lww_resurrected = finals[0]
        .lww
        .iter()
        .filter(|i| !finals[0].model.contains(i))
        .cloned()
        .collect();
    let mut reappeared = Vec::new();
    for r in requests.iter().filter(|r| r.during_partition) {
        if let Op::Remove(item) = &r.op
            && let Some(add) = requests
                .iter()
                .find(|a| a.during_partition && a.dc != r.dc && a.op == Op::Add(item.clone()))
            && finals[0].orset.contains(item)
        {
            let surviving_dots = finals[0]
                .dots
                .iter()
                .find(|(i, _)| i == item)
                .map(|(_, d)| d.clone())
                .unwrap_or_default();
            reappeared.push(Reappeared {
                item: item.clone(),
                removed_at: r.dc.clone(),
                added_at: add.dc.clone(),
                surviving_dots,
            });
        }
    }
    Ok(Outcome {
        partition_ms: (partition_at, heal_at),
        requests,
        finals,
        lww_dropped,
        lww_resurrected,
        reappeared,
        or_set_on,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let (cut, heal) = o.partition_ms;
    let mut reqs = Table::new(
        format!("requests (partition from {cut} ms to {heal} ms)"),
        ["time", "datacenter", "request"],
    );
    for r in &o.requests {
        reqs.row([
            format!("{} ms", r.at_ms),
            r.dc.clone(),
            match &r.op {
                Op::Add(i) => format!("add {i}"),
                Op::Remove(i) => format!("remove {i}"),
            },
        ]);
    }
    let mut finals = Table::new(
        "carts after the partition healed and gossip settled",
        [
            "datacenter",
            "whole cart, last write wins",
            if o.or_set_on {
                "OrSet (add-wins)"
            } else {
                "set without dots (OrSet off)"
            },
            "tombstone model",
        ],
    );
    for f in &o.finals {
        finals.row([
            f.dc.clone(),
            f.lww.join(", "),
            f.orset.join(", "),
            f.model.join(", "),
        ]);
    }
    let mut notes = vec![
        "East and West are turmoil hosts gossiping their whole state every 200 ms; gossip sent \
         during the partition is lost"
            .to_string(),
    ];
    let matches = o.finals.iter().all(|f| f.orset == f.model);
    notes.push(format!(
        "the tombstone model records every add's id and every removed id; the {} {} it at both \
         datacenters",
        if o.or_set_on {
            "OR-set"
        } else {
            "set without dots"
        },
        if matches { "equals" } else { "differs from" }
    ));
    for r in &o.reappeared {
        notes.push(format!(
            "{} \"reappears\": {} removed it while {} added it again; the remove covered only the \
             add it had seen, so the concurrent add (dot {}) wins",
            r.item,
            r.removed_at,
            r.added_at,
            r.surviving_dots.join(", ")
        ));
    }
    let mut verdict = format!(
        "last-write-wins dropped {} item(s) the user added ({})",
        o.lww_dropped.len(),
        o.lww_dropped.join(", "),
    );
    if !o.lww_resurrected.is_empty() {
        verdict += &format!(
            " and kept {} that was removed",
            o.lww_resurrected.join(", ")
        );
    }
    let [east, west] = &o.finals;
    let second = if o.or_set_on {
        "the OR-set"
    } else {
        "the set without dots"
    };
    if east.orset == west.orset && east.orset == east.model {
        verdict += &format!(
            "; {second} converged on both sides to the add-wins cart of {} items",
            east.orset.len()
        );
    } else {
        let lost: Vec<&str> = east
            .model
            .iter()
            .filter(|i| !east.orset.contains(i))
            .map(String::as_str)
            .collect();
        verdict += &format!(
            "; {second} ended with {} item(s) at east and {} at west, missing {} of the \
             add-wins cart",
            east.orset.len(),
            west.orset.len(),
            if lost.is_empty() {
                "none".to_string()
            } else {
                lost.join(", ")
            }
        );
    }
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "two partitioned datacenters change the same cart; last-write-wins keeps one \
                  side and drops the other's items"
            .into(),
        tables: vec![reqs, finals],
        notes,
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "shopping-cart",
    number: 5,
    title: "Conflicting writes: the shopping cart",
    crate_name: "ward-crdt",
    summary: "partitioned datacenters overwrite each other's cart",
    primitives: &[crate::Primitive::OrSet],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
