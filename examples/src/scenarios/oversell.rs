//! Scenario 6, inventory oversell: three regions sell the last few units of an item while
//! one region is cut off by a partition for part of the sale.
//!
//! The network is `turmoil`'s: three region hosts, each running a replica server and its
//! buyers over UDP on simulated time, and the partition is `turmoil`'s. Two designs run on
//! the same buyers:
//!
//! - PN-counter ([`PnCounter`] from `ward-crdt`, one [`Replica`] per region): a region
//!   sells if its local count is positive, then gossips its counter. Every sale succeeds at
//!   once and the counters converge, but on a negative stock: oversold.
//! - Strict quorum (`ward-quorum`: [`QuorumConfig`] `N = 3, R = 2, W = 2`, so
//!   `R + W > N` and `2W > N`): a sale reads a majority through a [`ReadCollector`]
//!   (repairing stale replicas it lists), then prepares `stock - 1` at `version + 1` as a
//!   conditional write that a replica accepts only at the expected version and only for
//!   one sale at a time, and commits when a [`WriteCollector`] counts two acceptances
//!   (aborting and retrying after a random pause otherwise). Two sales can never both win
//!   the same version, so it never oversells; but the cut-off region cannot reach a
//!   majority, and its buyers are turned away: the price in availability.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use turmoil::net::UdpSocket;
use ward_crdt::{PnCounter, Replica};
use ward_quorum::QuorumConfig;
use ward_quorum::collector::{QuorumStatus, ReadCollector, TotalOrder, WriteCollector};

use super::{ScenarioError, broken, refused, sim_failed};
use crate::report::Table;
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

const PORT: u16 = 9200;
/// The regions, in replica order.
pub const REGIONS: [&str; 3] = ["us", "eu", "ap"];
/// The region cut off by the partition.
pub const CUT_OFF: &str = "ap";
/// How long a sale waits for replies before counting the silent replicas as failed.
const REPLY_TIMEOUT: Duration = Duration::from_millis(400);
/// Attempts per buyer when quorum writes conflict.
const ATTEMPTS: u32 = 6;
/// How often a region gossips its PN-counter.
const GOSSIP_EVERY: Duration = Duration::from_millis(100);

/// The two designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// Local decision on a PN-counter, gossip afterwards.
    PnCounter,
    /// Majority read, then a conditional majority write.
    StrictQuorum,
}

/// What a buyer was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The sale was confirmed.
    Sold,
    /// The item was sold out.
    SoldOut,
    /// No majority could be reached (the partition).
    Unavailable,
    /// Every attempt lost a write race to another sale.
    GaveUp,
}

/// The datagrams between regions.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Msg {
    Read { sale: u64 },
    ReadReply { sale: u64, version: u64, stock: u64 },
    Prepare { sale: u64, expect: u64, stock: u64 },
    PrepareReply { sale: u64, ok: bool },
    Commit { sale: u64 },
    Abort { sale: u64 },
    Repair { version: u64, stock: u64 },
    Gossip { counter: PnCounter<String> },
}

/// A prepared write a replica holds until its coordinator commits or aborts it.
#[derive(Debug, Clone, Copy)]
struct Pending {
    sale: u64,
    stock: u64,
    expires: tokio::time::Instant,
}

/// How long a prepared write blocks others if its coordinator never comes back.
const PENDING_TTL: Duration = Duration::from_secs(1);

/// One region's replica state.
#[derive(Debug)]
struct Region {
    name: String,
    version: u64,
    stock: u64,
    pending: Option<Pending>,
    counter: Replica<String, PnCounter<String>>,
}

/// One design's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The design.
    pub design: Design,
    /// Answers per region, in [`REGIONS`] order: (region, answer, count).
    pub answers: Vec<(String, Answer, usize)>,
    /// Confirmed sales.
    pub sold: usize,
    /// Units sold beyond the stock.
    pub oversold: usize,
    /// Buyers still waiting for an answer when the run ended.
    pub unanswered: usize,
    /// Each region's final view of the stock (PN-counter value, or the quorum replica's
    /// stock); may be negative for the PN-counter.
    pub final_stock: Vec<i128>,
}

impl Run {
    /// How many buyers got `answer`, over all regions.
    pub fn count(&self, answer: Answer) -> usize {
        self.answers
            .iter()
            .filter(|(_, a, _)| *a == answer)
            .map(|(_, _, n)| n)
            .sum()
    }
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Units in stock at the start.
    pub stock: u64,
    /// Buyers, over all regions.
    pub buyers: usize,
    /// When the cut-off region was partitioned away and healed, in milliseconds.
    pub partition_ms: (u64, u64),
    /// The PN-counter run.
    pub pn: Run,
    /// The strict-quorum run.
    pub quorum: Run,
    /// The read and write quorum of that run: 2 of 3, or 1 with the quorum switched off.
    pub quorum_size: usize,
}

impl Outcome {
    /// The anomaly: the PN-counter design sold more units than there were.
    pub fn anomaly_observed(&self) -> bool {
        self.pn.oversold > 0 && self.pn.final_stock.iter().all(|&s| s < 0)
    }

    /// The prevention: the quorum design never sold more than the stock and every replica
    /// ends at the same non-negative stock.
    pub fn prevented(&self) -> bool {
        let q = &self.quorum;
        q.oversold == 0
            && q.unanswered == 0
            && q.sold as u64 <= self.stock
            && q.sold > 0
            && q.final_stock.windows(2).all(|w| w[0] == w[1])
            && q.final_stock.iter().all(|&s| s >= 0)
    }
}

fn any_addr(port: u16) -> (IpAddr, u16) {
    (IpAddr::V4(Ipv4Addr::UNSPECIFIED), port)
}

/// The replica server: answers reads, conditional writes, repairs and gossip.
async fn serve(socket: Rc<UdpSocket>, region: Rc<RefCell<Region>>) -> turmoil::Result {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let (n, from) = socket.recv_from(&mut buf).await?;
        let msg: Msg = serde_json::from_slice(&buf[..n])?;
        let reply = {
            let mut r = region.borrow_mut();
            match msg {
                Msg::Read { sale } => Some(Msg::ReadReply {
                    sale,
                    version: r.version,
                    stock: r.stock,
                }),
                Msg::Prepare {
                    sale,
                    expect,
                    stock,
                } => {
                    let now = tokio::time::Instant::now();
                    let free = r.pending.is_none_or(|p| p.expires <= now || p.sale == sale);
                    let ok = r.version == expect && free;
                    if ok {
                        r.pending = Some(Pending {
                            sale,
                            stock,
                            expires: now + PENDING_TTL,
                        });
                    }
                    Some(Msg::PrepareReply { sale, ok })
                }
                Msg::Commit { sale } => {
                    if let Some(p) = r.pending.filter(|p| p.sale == sale) {
                        r.version += 1;
                        r.stock = p.stock;
                        r.pending = None;
                    }
                    None
                }
                Msg::Abort { sale } => {
                    if r.pending.is_some_and(|p| p.sale == sale) {
                        r.pending = None;
                    }
                    None
                }
                Msg::Repair { version, stock } => {
                    if version > r.version {
                        r.version = version;
                        r.stock = stock;
                        // A write prepared against the old version can never commit here.
                        r.pending = None;
                    }
                    None
                }
                Msg::Gossip { counter } => {
                    r.counter.merge(&counter)?;
                    None
                }
                Msg::ReadReply { .. } | Msg::PrepareReply { .. } => None,
            }
        };
        if let Some(reply) = reply {
            socket.send_to(&serde_json::to_vec(&reply)?, from).await?;
        }
    }
}

/// Sends `msg` to every region's replica, ignoring datagrams lost to the partition.
async fn to_all(socket: &UdpSocket, msg: &Msg) -> turmoil::Result {
    let bytes = serde_json::to_vec(msg)?;
    for peer in REGIONS {
        let _ = socket.send_to(&bytes, (peer, PORT)).await;
    }
    Ok(())
}

/// Waits for the replies of sale `sale` until `on_reply` says stop or the timeout passes.
async fn collect(
    socket: &UdpSocket,
    me: usize,
    sale: u64,
    mut on_reply: impl FnMut(usize, Msg) -> Result<bool, ScenarioError>,
) -> turmoil::Result<bool> {
    let deadline = tokio::time::Instant::now() + REPLY_TIMEOUT;
    let mut buf = vec![0u8; 4096];
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let Ok(received) = tokio::time::timeout(left, socket.recv_from(&mut buf)).await else {
            return Ok(false);
        };
        let (n, from) = received?;
        let msg: Msg = serde_json::from_slice(&buf[..n])?;
        let same_sale = match &msg {
            Msg::ReadReply { sale: s, .. } | Msg::PrepareReply { sale: s, .. } => *s == sale,
            _ => false,
        };
        // A reply from this host's own replica may come back over loopback.
        let replica = if from.ip().is_loopback() {
            Some(me)
        } else {
            REGIONS
                .iter()
                .position(|r| turmoil::lookup(*r) == from.ip())
        };
        if let (true, Some(replica)) = (same_sale, replica)
            && on_reply(replica, msg)?
        {
            return Ok(true);
        }
    }
}

/// A majority read: the newest `(version, stock)`, after sending repairs to the replicas
/// the collector lists; `None` if no majority answered in time.
async fn read_round(
    socket: &UdpSocket,
    me: usize,
    config: QuorumConfig,
    sale: u64,
) -> turmoil::Result<Option<(u64, u64)>> {
    let mut reads = ReadCollector::new(config.n(), config.r(), TotalOrder)?;
    to_all(socket, &Msg::Read { sale }).await?;
    collect(socket, me, sale, |replica, msg| {
        if let Msg::ReadReply { version, stock, .. } = msg {
            let status = reads
                .respond(replica, (version, stock))
                .map_err(refused("ward-quorum"))?;
            return Ok(status == QuorumStatus::Reached);
        }
        Ok(false)
    })
    .await?;
    let Some(out) = reads.outcome() else {
        return Ok(None);
    };
    let &(version, stock) = *out
        .newest()
        .first()
        .ok_or_else(|| broken("no newest value"))?;
    let repair = serde_json::to_vec(&Msg::Repair { version, stock })?;
    for &replica in out.repair() {
        let _ = socket.send_to(&repair, (REGIONS[replica], PORT)).await;
    }
    Ok(Some((version, stock)))
}

/// One buyer under the strict quorum: read a majority, write a majority, retry on races.
async fn quorum_sale(me: usize, buyer: u64, rng_seed: u64, q: usize) -> turmoil::Result<Answer> {
    let config = QuorumConfig::new(REGIONS.len(), q, q)?;
    let socket = UdpSocket::bind(any_addr(0)).await?;
    let mut rng = SimRng::new(rng_seed, "oversell/retry");
    for attempt in 0..u64::from(ATTEMPTS) {
        let sale = buyer * 100 + attempt;
        let Some((version, stock)) = read_round(&socket, me, config, sale).await? else {
            return Ok(Answer::Unavailable);
        };
        if stock == 0 {
            return Ok(Answer::SoldOut);
        }
        // Conditional write: prepare at a majority, then commit (or abort).
        let mut writes = WriteCollector::new(config.n(), config.w())?;
        let mut refusals = 0;
        to_all(
            &socket,
            &Msg::Prepare {
                sale,
                expect: version,
                stock: stock - 1,
            },
        )
        .await?;
        collect(&socket, me, sale, |replica, msg| {
            if let Msg::PrepareReply { ok, .. } = msg {
                let status = if ok {
                    writes.ack(replica)
                } else {
                    refusals += 1;
                    writes.fail(replica)
                }
                .map_err(refused("ward-quorum"))?;
                return Ok(status != QuorumStatus::Pending);
            }
            Ok(false)
        })
        .await?;
        if writes.status() == QuorumStatus::Reached {
            to_all(&socket, &Msg::Commit { sale }).await?;
            return Ok(Answer::Sold);
        }
        to_all(&socket, &Msg::Abort { sale }).await?;
        match writes.status() {
            // Lost a race to another sale at the same version: back off and retry.
            _ if refusals > 0 => {
                let wait = rng.range(20, 120 << attempt.min(3));
                tokio::time::sleep(Duration::from_millis(wait)).await;
            }
            _ => return Ok(Answer::Unavailable),
        }
    }
    Ok(Answer::GaveUp)
}

/// Where a region host leaves its buyers' answers and its final stock.
type RegionOut = Rc<RefCell<Option<(Vec<Answer>, i128)>>>;

/// One region host: its replica server, its buyers, and (PN-counter) its gossip.
#[allow(clippy::too_many_arguments)]
async fn region_host(
    design: Design,
    name: &'static str,
    stock: u64,
    initial: PnCounter<String>,
    buyers: Vec<(u64, u64)>,
    repair_at_ms: u64,
    end_ms: u64,
    seed: u64,
    q: usize,
    out: RegionOut,
) -> turmoil::Result {
    let socket = Rc::new(UdpSocket::bind(any_addr(PORT)).await?);
    let region = Rc::new(RefCell::new(Region {
        name: name.into(),
        version: 0,
        stock,
        pending: None,
        counter: Replica::new(name.to_string(), initial),
    }));
    tokio::task::spawn_local(serve(Rc::clone(&socket), Rc::clone(&region)));
    let me = REGIONS.iter().position(|r| *r == name).unwrap_or(0);
    let answers: Rc<RefCell<Vec<Answer>>> = Rc::default();
    if design == Design::StrictQuorum {
        // Anti-entropy once the partition has healed: majority reads, every 400 ms, repair
        // whoever missed writes.
        tokio::task::spawn_local(async move {
            tokio::time::sleep(Duration::from_millis(repair_at_ms)).await;
            let socket = UdpSocket::bind(any_addr(0)).await?;
            let config = QuorumConfig::new(REGIONS.len(), 2, 2)?;
            for round in 0.. {
                read_round(&socket, me, config, 1_000_000 + 10 * round + me as u64).await?;
                tokio::time::sleep(Duration::from_millis(400)).await;
            }
            turmoil::Result::Ok(())
        });
    }
    for (buyer, at_ms) in buyers {
        let region = Rc::clone(&region);
        let answers = Rc::clone(&answers);
        tokio::task::spawn_local(async move {
            tokio::time::sleep(Duration::from_millis(at_ms)).await;
            let answer = match design {
                Design::PnCounter => {
                    let mut r = region.borrow_mut();
                    if r.counter.state().value() > 0 {
                        match r.counter.decrement(1) {
                            Ok(_) => Answer::Sold,
                            Err(_) => Answer::Unavailable,
                        }
                    } else {
                        Answer::SoldOut
                    }
                }
                Design::StrictQuorum => quorum_sale(me, buyer, seed ^ buyer, q)
                    .await
                    .unwrap_or(Answer::Unavailable),
            };
            answers.borrow_mut().push(answer);
        });
    }
    let start = tokio::time::Instant::now();
    let end = start + Duration::from_millis(end_ms);
    while tokio::time::Instant::now() < end {
        tokio::time::sleep(GOSSIP_EVERY).await;
        if design == Design::PnCounter {
            let counter = region.borrow().counter.state().clone();
            let msg = serde_json::to_vec(&Msg::Gossip { counter })?;
            for peer in REGIONS.iter().filter(|p| **p != name) {
                let _ = socket.send_to(&msg, (*peer, PORT)).await;
            }
        }
    }
    let r = region.borrow();
    let final_stock = match design {
        Design::PnCounter => r.counter.state().value(),
        Design::StrictQuorum => i128::from(r.stock),
    };
    debug_assert_eq!(r.name, name);
    *out.borrow_mut() = Some((answers.borrow().clone(), final_stock));
    Ok(())
}

fn simulate(
    design: Design,
    seed: u64,
    stock: u64,
    buyers: &[(usize, u64)],
    partition: (u64, u64),
    latency_ms: [u64; 3],
    q: usize,
) -> Result<Run, ScenarioError> {
    // The warehouse stocked the item before the sale; every region starts from that state.
    let mut warehouse = Replica::new("warehouse".to_string(), PnCounter::new());
    warehouse.increment(stock).map_err(refused("ward-crdt"))?;
    let initial = warehouse.state().clone();
    let end_ms = partition.1 + 3_500;
    let mut sim = turmoil::Builder::new()
        .simulation_duration(Duration::from_secs(60))
        .rng_seed(seed)
        .build();
    let outs: Vec<RegionOut> = (0..REGIONS.len()).map(|_| Rc::default()).collect();
    for (i, name) in REGIONS.iter().enumerate() {
        let mine: Vec<(u64, u64)> = buyers
            .iter()
            .enumerate()
            .filter(|(_, (r, _))| *r == i)
            .map(|(b, (_, at))| (b as u64, *at))
            .collect();
        sim.client(
            *name,
            region_host(
                design,
                name,
                stock,
                initial.clone(),
                mine,
                partition.1 + 300,
                end_ms,
                seed,
                q,
                Rc::clone(&outs[i]),
            ),
        );
    }
    let ms = Duration::from_millis;
    sim.set_link_latency("us", "eu", ms(latency_ms[0]));
    sim.set_link_latency("us", "ap", ms(latency_ms[1]));
    sim.set_link_latency("eu", "ap", ms(latency_ms[2]));
    let (mut cut, mut healed) = (false, false);
    loop {
        let now = sim.elapsed().as_millis() as u64;
        if !cut && now >= partition.0 {
            sim.partition(CUT_OFF, "us");
            sim.partition(CUT_OFF, "eu");
            cut = true;
        }
        if cut && !healed && now >= partition.1 {
            sim.repair(CUT_OFF, "us");
            sim.repair(CUT_OFF, "eu");
            healed = true;
        }
        if sim.step().map_err(sim_failed)? {
            break;
        }
    }
    let mut answers = Vec::new();
    let mut final_stock = Vec::new();
    for (i, out) in outs.iter().enumerate() {
        let (got, fin) = out
            .borrow_mut()
            .take()
            .ok_or_else(|| broken(format!("{} did not finish", REGIONS[i])))?;
        let mut counts: BTreeMap<Answer, usize> = BTreeMap::new();
        for a in got {
            *counts.entry(a).or_default() += 1;
        }
        for (a, n) in counts {
            answers.push((REGIONS[i].to_string(), a, n));
        }
        final_stock.push(fin);
    }
    let answered: usize = answers.iter().map(|(_, _, n)| n).sum();
    let sold = answers
        .iter()
        .filter(|(_, a, _)| *a == Answer::Sold)
        .map(|(_, _, n)| n)
        .sum::<usize>();
    Ok(Run {
        design,
        answers,
        sold,
        oversold: sold.saturating_sub(stock as usize),
        unanswered: buyers.len() - answered,
        final_stock,
    })
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Simulation`] if a region failed, [`ScenarioError::Invariant`] if one did
/// not finish (neither happens for any seed tried).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Quorum`] a
/// sale's read and conditional write complete on the first replica that answers
/// (`R=1 W=1`).
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let q = if switches.is_on(Primitive::Quorum) {
        2
    } else {
        1
    };
    let mut rng = SimRng::new(seed, "oversell");
    let stock = rng.range(3, 5);
    let n_buyers = 3 * stock as usize;
    let partition_at = rng.range(100, 300);
    let partition = (partition_at, partition_at + rng.range(1_200, 2_000));
    // Buyers arrive during the partition, at every region.
    let buyers: Vec<(usize, u64)> = (0..n_buyers)
        .map(|b| {
            (
                b % REGIONS.len(),
                rng.range(partition.0 + 50, partition.1 - 200),
            )
        })
        .collect();
    let latency_ms = [rng.range(30, 60), rng.range(80, 140), rng.range(90, 160)];
    let pn = simulate(
        Design::PnCounter,
        seed,
        stock,
        &buyers,
        partition,
        latency_ms,
        q,
    )?;
    let quorum = simulate(
        Design::StrictQuorum,
        seed,
        stock,
        &buyers,
        partition,
        latency_ms,
        q,
    )?;
    Ok(Outcome {
        stock,
        buyers: n_buyers,
        partition_ms: partition,
        pn,
        quorum,
        quorum_size: q,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let mut table = Table::new(
        format!(
            "{} units, {} buyers in 3 regions; {CUT_OFF} cut off from {} ms to {} ms",
            o.stock, o.buyers, o.partition_ms.0, o.partition_ms.1
        ),
        [
            "design",
            "sold",
            "oversold",
            "sold out",
            "unavailable",
            "gave up",
            "final stock us/eu/ap",
        ],
    );
    for (name, r) in [
        ("PN-counter (local, gossip)", &o.pn),
        (&*format!("quorum R={0} W={0}", o.quorum_size), &o.quorum),
    ] {
        table.row([
            name.to_string(),
            r.sold.to_string(),
            r.oversold.to_string(),
            r.count(Answer::SoldOut).to_string(),
            r.count(Answer::Unavailable).to_string(),
            r.count(Answer::GaveUp).to_string(),
            r.final_stock
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("/"),
        ]);
    }
    let mut per_region = Table::new(
        "answers per region",
        ["region", "PN-counter", "strict quorum"],
    );
    for region in REGIONS {
        let line = |r: &Run| {
            r.answers
                .iter()
                .filter(|(reg, _, _)| reg == region)
                .map(|(_, a, n)| {
                    let a = match a {
                        Answer::Sold => "sold",
                        Answer::SoldOut => "sold out",
                        Answer::Unavailable => "unavailable",
                        Answer::GaveUp => "gave up",
                    };
                    format!("{n} {a}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        per_region.row([region.to_string(), line(&o.pn), line(&o.quorum)]);
    }
    let verdict = format!(
        "the PN-counter converged on {} after selling {} of {} units (oversold {}); the {} \
         sold {} ({}), turning {} buyer(s) away unavailable",
        o.pn.final_stock.first().copied().unwrap_or_default(),
        o.pn.sold,
        o.stock,
        o.pn.oversold,
        if o.quorum_size * 2 > REGIONS.len() {
            format!("strict quorum R={0} W={0}", o.quorum_size)
        } else {
            format!("quorum switched off, R={0} W={0},", o.quorum_size)
        },
        o.quorum.sold,
        match o.quorum.oversold {
            0 => "never oversold".to_string(),
            n => format!("oversold {n}"),
        },
        o.quorum.count(Answer::Unavailable),
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "regions that sell from their own replica all sell the last units".into(),
        tables: vec![table, per_region],
        notes: vec![
            "three turmoil hosts on simulated time; the partition drops every datagram between \
             the cut-off region and the others"
                .into(),
            "the PN-counter is the right tool when an oversell can be compensated; the quorum \
             when it cannot, paying with availability during partitions"
                .into(),
        ],
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "oversell",
    number: 6,
    title: "Inventory oversell",
    crate_name: "ward-crdt + ward-quorum",
    summary: "three regions sell the same last items",
    primitives: &[crate::Primitive::Quorum],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
