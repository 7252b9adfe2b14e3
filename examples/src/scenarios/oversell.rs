//! Scenario 6, inventory oversell: sellers in three regions sell the last units of an item
//! from one inventory database, taking turns through a lock service with leases.
//!
//! Every sale is a read-modify-write: take the item's lock, read the stock, write the stock
//! less one, release the lock. The lock is a lease (it expires so that a crashed seller
//! cannot block the sale forever), and one seller process stalls (a garbage-collection
//! pause) between its read and its write, for longer than its lease. The lock service gives
//! the lock to the next seller, who reads the same stock and sells the same unit; then the
//! stalled seller wakes and writes its stale "stock less one" over it.
//!
//! - Naive design: the inventory database is a plain number that applies every write. The
//!   lock hands out tokens, but nothing checks them. Two buyers are sold the same unit:
//!   oversold.
//! - Ward: the stock lives in a `ward-fencing` [`Fenced`] value. A seller presents its lock
//!   token when it reads ([`Fenced::fence`], raising the mark so every older holder is
//!   fenced out) and when it writes ([`Fenced::replace`]). The stalled seller's write
//!   carries a token below the mark and is refused; the seller takes the lock again, reads
//!   the current stock and sells only what is there.
//!
//! Both designs see the same buyers, delays, lock grants and stall; they differ only in the
//! fence. This is event code on simulated time (a time-ordered queue of messages with
//! one-way delays per region), not a network simulation: nothing here needs partitions or
//! reordering beyond the delays.

use std::collections::VecDeque;

use serde::Serialize;
use ward_fencing::{Fenced, FencingToken, MemoryStore, TokenIssuer};

use super::{ScenarioError, refused};
use crate::report::{Table, human_nanos};
use crate::sim::{EventQueue, MS, SimRng};
use crate::{Options, Primitive, Report, Switches};

/// The regions; the inventory database and the lock service are in the first.
pub const REGIONS: [&str; 3] = ["us", "eu", "ap"];
/// How long a lock grant lasts.
pub const LEASE_MS: u64 = 500;
/// Attempts per buyer: a seller whose write is refused takes the lock again.
pub const ATTEMPTS: u32 = 3;

/// The two designs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Design {
    /// The stock is a plain number that applies every write.
    Plain,
    /// The stock is a [`Fenced`] value that checks the lock token.
    Fenced,
}

/// What a buyer was told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The sale was confirmed.
    Sold,
    /// The item was sold out.
    SoldOut,
    /// Every attempt was refused by the fence.
    GaveUp,
}

/// One write that reached the inventory database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Write {
    /// When it arrived, in milliseconds.
    pub at_ms: u64,
    /// The buyer the seller was serving.
    pub buyer: usize,
    /// The seller's region.
    pub region: &'static str,
    /// The lock token the seller held.
    pub token: u64,
    /// The stock the seller read.
    pub read: u64,
    /// The stock it wrote (the read less one).
    pub wrote: u64,
    /// `None` if the database applied it, else the fence's refusal (the mark).
    pub refused_by_mark: Option<u64>,
}

/// One design's results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The design.
    pub design: Design,
    /// Each buyer's answer, in buyer order (`None`: still waiting when the run ended).
    pub answers: Vec<Option<Answer>>,
    /// Confirmed sales.
    pub sold: usize,
    /// Units sold beyond the stock.
    pub oversold: usize,
    /// The stock the database holds at the end.
    pub final_stock: u64,
    /// Reads and writes the fence refused (each sent the seller back for the lock).
    pub fence_refusals: usize,
    /// Every write that reached the database, in arrival order.
    pub writes: Vec<Write>,
}

impl Run {
    /// How many buyers got `answer`.
    pub fn count(&self, answer: Answer) -> usize {
        self.answers.iter().filter(|a| **a == Some(answer)).count()
    }
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Units in stock at the start.
    pub stock: u64,
    /// Buyers, over all regions.
    pub buyers: usize,
    /// The stalled seller's pause: (buyer, from ms, for ms).
    pub stall: Option<(usize, u64, u64)>,
    /// Each buyer's region, as an index into [`REGIONS`].
    pub regions: Vec<usize>,
    /// The plain database's run.
    pub plain: Run,
    /// The run of the database the fence guards (plain again with the fence switched off).
    pub fenced: Run,
    /// Whether the fence was on.
    pub fence_on: bool,
}

impl Outcome {
    /// The region (an index into [`REGIONS`]) of buyer `b`.
    pub fn region_of(&self, b: usize) -> usize {
        self.regions.get(b).copied().unwrap_or(0)
    }

    /// The anomaly: the plain database confirmed more sales than there were units.
    pub fn anomaly_observed(&self) -> bool {
        self.plain.oversold > 0 && self.plain.sold as u64 > self.stock
    }

    /// The prevention: with the fence, every unit is sold exactly once (no oversell, the
    /// stock ends at zero), every buyer got an answer, and the fence refused the stale
    /// write.
    pub fn prevented(&self) -> bool {
        let f = &self.fenced;
        f.oversold == 0
            && f.sold as u64 == self.stock
            && f.final_stock == 0
            && f.answers.iter().all(Option::is_some)
            && f.fence_refusals > 0
    }
}

/// The inventory database: a plain number, or one behind a fence.
enum Store {
    Plain(u64),
    Fenced(Fenced<u64>),
}

impl Store {
    /// A read by the holder of `token`: `Err(mark)` if the fence refuses it.
    fn read(&mut self, token: FencingToken) -> Result<u64, u64> {
        match self {
            Store::Plain(stock) => Ok(*stock),
            Store::Fenced(f) => match f.fence(token) {
                Ok(_) => Ok(f.get()),
                Err(stale) => Err(stale.mark().get()),
            },
        }
    }

    /// A write by the holder of `token`: `Err(mark)` if the fence refuses it.
    fn write(&mut self, token: FencingToken, value: u64) -> Result<(), u64> {
        match self {
            Store::Plain(stock) => {
                *stock = value;
                Ok(())
            }
            Store::Fenced(f) => f
                .replace(token, value)
                .map(drop)
                .map_err(|stale| stale.mark().get()),
        }
    }

    fn get(&self) -> u64 {
        match self {
            Store::Plain(stock) => *stock,
            Store::Fenced(f) => f.get(),
        }
    }
}

/// Messages, each handled where it arrives (the lock service and database, or a seller).
#[derive(Debug, Clone, Copy)]
enum Ev {
    /// A buyer arrives at their region's seller.
    Arrive(usize),
    /// At the lock service: a seller asks for the lock.
    LockRequest(usize),
    /// At the lock service: a grant's lease runs out.
    LeaseEnds(FencingToken),
    /// At the seller: the lock was granted.
    Granted(usize, FencingToken),
    /// At the database: a read.
    Read(usize, FencingToken),
    /// At the seller: the read's answer (`Err(mark)`: refused).
    ReadReply(usize, FencingToken, Result<u64, u64>),
    /// At the database: a write of the stock read less one.
    Write(usize, FencingToken, u64),
    /// At the seller: the write's answer.
    WriteReply(usize, Result<(), u64>),
    /// At the lock service: the seller is done with the lock.
    Release(FencingToken),
}

struct Sim {
    queue: EventQueue<Ev>,
    store: Store,
    issuer: TokenIssuer<MemoryStore>,
    /// The holder: (buyer, token, lease end).
    holder: Option<(usize, FencingToken, u64)>,
    waiting: VecDeque<usize>,
    /// One-way delay from each buyer's region to the inventory's region.
    delay: Vec<u64>,
    region: Vec<usize>,
    attempts: Vec<u32>,
    /// What each buyer's seller read (for the writes table).
    read: Vec<u64>,
    stall: Option<(usize, u64, u64)>,
    /// How long the stall lasts.
    stall_ms: u64,
    /// The stall hits the seller that makes this read of a positive stock (from 0).
    stall_on_read: usize,
    positive_reads: usize,
    run: Run,
}

fn is_seller_side(ev: &Ev) -> Option<usize> {
    match *ev {
        Ev::Arrive(b) | Ev::Granted(b, _) | Ev::ReadReply(b, _, _) | Ev::WriteReply(b, _) => {
            Some(b)
        }
        _ => None,
    }
}

impl Sim {
    fn grant(&mut self) -> Result<(), ScenarioError> {
        let now = self.queue.now();
        if self.holder.is_some_and(|(_, _, until)| until > now) {
            return Ok(());
        }
        let Some(next) = self.waiting.pop_front() else {
            self.holder = None;
            return Ok(());
        };
        let token = self.issuer.issue().map_err(refused("ward-fencing"))?;
        self.holder = Some((next, token, now + LEASE_MS * MS));
        self.queue.after(LEASE_MS * MS, Ev::LeaseEnds(token));
        self.queue.after(self.delay[next], Ev::Granted(next, token));
        Ok(())
    }

    fn answer(&mut self, b: usize, a: Answer) {
        self.run.answers[b] = Some(a);
    }

    fn retry(&mut self, b: usize) {
        self.attempts[b] += 1;
        if self.attempts[b] >= ATTEMPTS {
            self.answer(b, Answer::GaveUp);
        } else {
            self.queue.after(self.delay[b], Ev::LockRequest(b));
        }
    }

    fn step(&mut self, ev: Ev) -> Result<(), ScenarioError> {
        let now = self.queue.now();
        // The stalled seller handles nothing until its pause ends (the other sellers, in
        // every region, go on).
        if let (Some(b), Some((sb, from, len))) = (is_seller_side(&ev), self.stall)
            && b == sb
            && now >= from * MS
            && now < (from + len) * MS
        {
            self.queue.at((from + len) * MS, ev);
            return Ok(());
        }
        match ev {
            Ev::Arrive(b) => {
                self.queue.after(self.delay[b], Ev::LockRequest(b));
            }
            Ev::LockRequest(b) => {
                self.waiting.push_back(b);
                self.grant()?;
            }
            Ev::LeaseEnds(token) => {
                if self.holder.is_some_and(|(_, t, _)| t == token) {
                    self.grant()?;
                }
            }
            Ev::Release(token) => {
                if let Some((b, t, _)) = self.holder
                    && t == token
                {
                    self.holder = Some((b, t, now));
                    self.grant()?;
                }
            }
            Ev::Granted(b, token) => self.queue.after(self.delay[b], Ev::Read(b, token)),
            Ev::Read(b, token) => {
                let got = self.store.read(token);
                self.run.fence_refusals += usize::from(got.is_err());
                self.queue
                    .after(self.delay[b], Ev::ReadReply(b, token, got));
            }
            Ev::ReadReply(b, token, got) => match got {
                Err(_) => self.retry(b),
                Ok(0) => {
                    self.answer(b, Answer::SoldOut);
                    self.queue.after(self.delay[b], Ev::Release(token));
                }
                Ok(stock) => {
                    self.read[b] = stock;
                    // The pause: one seller stops for longer than its lease between its
                    // read and its write.
                    if self.stall.is_none() && self.positive_reads == self.stall_on_read {
                        self.stall = Some((b, now / MS, self.stall_ms));
                    }
                    self.positive_reads += 1;
                    let send = match self.stall {
                        Some((sb, from, len)) if sb == b => (from + len) * MS,
                        _ => now,
                    };
                    self.queue
                        .at(send + self.delay[b], Ev::Write(b, token, stock - 1));
                }
            },
            Ev::Write(b, token, value) => {
                let result = self.store.write(token, value);
                self.run.fence_refusals += usize::from(result.is_err());
                self.run.writes.push(Write {
                    at_ms: now / MS,
                    buyer: b,
                    region: REGIONS[self.region[b]],
                    token: token.get(),
                    read: self.read[b],
                    wrote: value,
                    refused_by_mark: result.err(),
                });
                self.queue.after(self.delay[b], Ev::WriteReply(b, result));
                if result.is_ok() {
                    self.queue.after(self.delay[b] * 2, Ev::Release(token));
                }
            }
            Ev::WriteReply(b, result) => match result {
                Ok(()) => self.answer(b, Answer::Sold),
                Err(_) => self.retry(b),
            },
        }
        Ok(())
    }
}

/// A seller's pause: (buyer, from ms, for ms).
type Stall = (usize, u64, u64);

/// The draws of one run, shared by both designs.
struct Setup {
    stock: u64,
    arrivals: Vec<(usize, u64)>,
    delay_ms: [u64; 3],
    stall_ms: u64,
    stall_on_read: usize,
}

fn simulate(design: Design, setup: &Setup) -> Result<(Run, Option<Stall>), ScenarioError> {
    let n = setup.arrivals.len();
    let mut sim = Sim {
        queue: EventQueue::new(),
        store: match design {
            Design::Plain => Store::Plain(setup.stock),
            Design::Fenced => Store::Fenced(Fenced::new(setup.stock)),
        },
        issuer: TokenIssuer::open(MemoryStore::new()).map_err(refused("ward-fencing"))?,
        holder: None,
        waiting: VecDeque::new(),
        delay: setup
            .arrivals
            .iter()
            .map(|(r, _)| setup.delay_ms[*r] * MS)
            .collect(),
        region: setup.arrivals.iter().map(|(r, _)| *r).collect(),
        attempts: vec![0; n],
        read: vec![0; n],
        stall: None,
        stall_ms: setup.stall_ms,
        stall_on_read: setup.stall_on_read,
        positive_reads: 0,
        run: Run {
            design,
            answers: vec![None; n],
            sold: 0,
            oversold: 0,
            final_stock: 0,
            fence_refusals: 0,
            writes: Vec::new(),
        },
    };
    for (b, (_, at_ms)) in setup.arrivals.iter().enumerate() {
        sim.queue.at(at_ms * MS, Ev::Arrive(b));
    }
    while let Some((_, ev)) = sim.queue.pop() {
        sim.step(ev)?;
    }
    let mut run = sim.run;
    run.sold = run.count(Answer::Sold);
    run.oversold = run.sold.saturating_sub(setup.stock as usize);
    run.final_stock = sim.store.get();
    Ok((run, sim.stall))
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Refused`] if the token issuer fails (its memory store does not).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Fence`] the
/// Ward side's database is the plain one, applying every write.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let mut rng = SimRng::new(seed, "oversell");
    let stock = rng.range(3, 5);
    let buyers = 3 * stock as usize;
    // A flash sale: every buyer arrives within 400 ms, the regions in turn.
    let arrivals = (0..buyers)
        .map(|b| (b % REGIONS.len(), rng.range(0, 400)))
        .collect();
    let setup = Setup {
        stock,
        arrivals,
        delay_ms: [1, rng.range(35, 50), rng.range(80, 110)],
        stall_ms: rng.range(800, 1_400),
        stall_on_read: rng.range(0, stock - 2) as usize,
    };
    let fence_on = switches.is_on(Primitive::Fence);
    let (plain, stall) = simulate(Design::Plain, &setup)?;
    let (fenced, _) = simulate(
        if fence_on {
            Design::Fenced
        } else {
            Design::Plain
        },
        &setup,
    )?;
    Ok(Outcome {
        stock,
        buyers,
        stall,
        regions: setup.arrivals.iter().map(|(r, _)| *r).collect(),
        plain,
        fenced,
        fence_on,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let mut table = Table::new(
        format!(
            "{} units, {} buyers in 3 regions; lock leases of {LEASE_MS} ms",
            o.stock, o.buyers
        ),
        [
            "inventory database",
            "sold",
            "oversold",
            "sold out",
            "gave up",
            "fence refusals",
            "final stock",
        ],
    );
    let ward_name = if o.fence_on {
        "Fenced<u64>, token checked"
    } else {
        "fence switched off (plain)"
    };
    for (name, r) in [("plain number", &o.plain), (ward_name, &o.fenced)] {
        table.row([
            name.to_string(),
            r.sold.to_string(),
            r.oversold.to_string(),
            r.count(Answer::SoldOut).to_string(),
            r.count(Answer::GaveUp).to_string(),
            r.fence_refusals.to_string(),
            r.final_stock.to_string(),
        ]);
    }
    let writes = |title: &str, r: &Run| {
        let mut t = Table::new(
            format!("writes reaching the database, {title}"),
            [
                "at",
                "buyer",
                "region",
                "token",
                "stock read",
                "wrote",
                "result",
            ],
        );
        for w in &r.writes {
            t.row([
                human_nanos(w.at_ms * MS),
                w.buyer.to_string(),
                w.region.to_string(),
                w.token.to_string(),
                w.read.to_string(),
                w.wrote.to_string(),
                match w.refused_by_mark {
                    None => "applied".to_string(),
                    Some(mark) => format!("refused: stale token {} below mark {mark}", w.token),
                },
            ]);
        }
        t
    };
    let plain_writes = writes("plain number", &o.plain);
    let fenced_writes = writes(ward_name, &o.fenced);
    let stall = o
        .stall
        .map_or("no seller stalled".to_string(), |(b, from, len)| {
            format!(
                "buyer {b}'s seller in {} read the stock at {from} ms and stalled for \
                 {len} ms, past its {LEASE_MS} ms lease",
                REGIONS[o.region_of(b)]
            )
        });
    let stale = o.fenced.writes.iter().find(|w| w.refused_by_mark.is_some());
    let verdict = format!(
        "the plain database confirmed {} sales of {} units (oversold {}) and ends at {}; {} \
         sold {} (oversold {}), ended at {}{}",
        o.plain.sold,
        o.stock,
        o.plain.oversold,
        o.plain.final_stock,
        if o.fence_on {
            "the fenced database"
        } else {
            "with the fence switched off it"
        },
        o.fenced.sold,
        o.fenced.oversold,
        o.fenced.final_stock,
        match stale {
            Some(w) => format!(
                " and refused the stale write of token {} below mark {}",
                w.token,
                w.refused_by_mark.unwrap_or_default()
            ),
            None => ", refusing no write".to_string(),
        },
    );
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a seller whose lock lease ran out writes a stale stock: two buyers get the \
                  same unit"
            .into(),
        tables: vec![table, plain_writes, fenced_writes],
        notes: vec![
            stall,
            "each sale takes the item's lock, reads the stock, writes the stock less one and \
             releases the lock; a lease lets the next seller in when a holder goes quiet"
                .into(),
            "the fenced database checks the lock's token on the read (raising its mark, so \
             older holders are fenced out) and on the write; a refused seller takes the lock \
             again"
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
    crate_name: "ward-fencing",
    summary: "a seller past its lock lease sells the same last units",
    primitives: &[crate::Primitive::Fence],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}
