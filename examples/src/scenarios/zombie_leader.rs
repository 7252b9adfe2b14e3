//! Scenario 1, zombie leader: a leader pauses past its lease, a new leader is elected with a higher
//! fencing token, and the old one wakes up and sends the write it prepared before the pause.
//!
//! The naive store applies whatever arrives last. The Ward store keeps its value in a
//! [`Fenced`] cell: the token check and the write are one step, and the stale token is
//! refused with the token presented and the high-water mark. Then the storage restarts: the
//! mark was persisted by a [`DurableFence`] over a [`FileStore`] (a scratch directory that is
//! removed afterwards), so the zombie's retry is still refused, while a mark kept only in
//! memory would have been forgotten.
//!
//! Tokens come from a [`TokenIssuer`] standing in for the lock service; lease checks use
//! the crate's [`Lease`](ward_fencing::Lease) over a [`ManualClock`], so all time is simulated.

use core::time::Duration;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use ward_fencing::{
    DurableFence, FenceGuard, Fenced, FencingToken, FileStore, LeaseRequest, ManualClock,
    MemoryStore, MonotonicClock as _, StaleToken, TokenIssuer,
};

use super::{ScenarioError, refused};
use crate::report::Table;
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

/// The lease each leader is granted.
pub const LEASE: Duration = Duration::from_secs(10);
/// The safety margin the leader keeps before its lease ends.
pub const MARGIN: Duration = Duration::from_secs(1);

/// A refusal, as the fence reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The token the refused write carried.
    pub presented: u64,
    /// The high-water mark that refused it.
    pub mark: u64,
    /// The error's message.
    pub message: String,
}

impl From<&StaleToken> for Refusal {
    fn from(err: &StaleToken) -> Self {
        Self {
            presented: err.presented().get(),
            mark: err.mark().get(),
            message: err.to_string(),
        }
    }
}

/// One write as each store saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Simulated time of the write, in milliseconds since the first election.
    pub at_ms: u64,
    /// Who wrote.
    pub writer: String,
    /// The token the write carried.
    pub token: u64,
    /// The value written.
    pub value: String,
    /// The naive store's value afterwards.
    pub naive_after: String,
    /// The fenced store's answer: `None` if admitted.
    pub refused: Option<Refusal>,
}

/// What the storage restart showed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restart {
    /// The mark the durable fence loaded from its file after the restart.
    pub mark_loaded: Option<u64>,
    /// The refusal of the zombie's retry after the restart, if refused.
    pub refused: Option<Refusal>,
    /// Whether a guard whose mark lived only in memory admitted the retry after restarting.
    pub memory_only_admitted: bool,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The paused leader's token.
    pub zombie_token: u64,
    /// The new leader's token.
    pub leader_token: u64,
    /// When the old leader was paused, in milliseconds since its lease was granted.
    pub paused_at_ms: u64,
    /// How long the old leader was paused, in milliseconds.
    pub pause_ms: u64,
    /// Whether the old leader's lease check before the pause said it could act.
    pub zombie_lease_ok_before_pause: bool,
    /// Every write, in arrival order.
    pub steps: Vec<Step>,
    /// The zombie's value.
    pub zombie_value: String,
    /// The new leader's last value.
    pub leader_value: String,
    /// The naive store's final value.
    pub naive_final: String,
    /// The fenced store's final value.
    pub fenced_final: String,
    /// The fenced store's final mark.
    pub fenced_mark: Option<u64>,
    /// The storage restart.
    pub restart: Restart,
    /// Whether the fences were on; off, the fenced store applied every write unchecked.
    pub fence_on: bool,
}

impl Outcome {
    /// The anomaly: the naive store ended with the zombie's stale write.
    pub fn anomaly_observed(&self) -> bool {
        self.naive_final == self.zombie_value
    }

    /// The prevention: the fenced store kept the new leader's value, refused the zombie with
    /// its token and the mark, and still refused it after the restart with the mark reloaded.
    pub fn prevented(&self) -> bool {
        let refused_live = self.steps.iter().any(|s| {
            s.token == self.zombie_token
                && s.refused.as_ref().is_some_and(|r| {
                    r.presented == self.zombie_token && r.mark == self.leader_token
                })
        });
        let r = &self.restart;
        self.fenced_final == self.leader_value
            && refused_live
            && r.mark_loaded == Some(self.leader_token)
            && r.refused
                .as_ref()
                .is_some_and(|x| x.presented == self.zombie_token && x.mark == self.leader_token)
    }
}

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(seed: u64) -> std::io::Result<Self> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "ward-tour-zombie-{}-{seed}-{n}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(Self(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Io`] if the scratch directory cannot be made, and
/// [`ScenarioError::Refused`] if the mark file or a fence refuses an operation; the scenario
/// cannot judge the restart without them.
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without [`Primitive::Fence`] the
/// "fenced" store applies every write without looking at its token, before and after the
/// restart.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let fence_on = switches.is_on(Primitive::Fence);
    let mut rng = SimRng::new(seed, "zombie-leader");
    let ms = Duration::from_millis;

    // The lock service: earlier terms happened before the story starts.
    let mut issuer = TokenIssuer::open(MemoryStore::new()).map_err(refused("ward-fencing"))?;
    for _ in 0..rng.range(5, 60) {
        issuer.issue().map_err(refused("ward-fencing"))?;
    }
    let clock = ManualClock::new();
    let zombie = issuer.issue().map_err(refused("ward-fencing"))?;
    let zombie_lease = LeaseRequest::start(&clock)
        .granted(zombie, LEASE, MARGIN)
        .map_err(refused("ward-fencing"))?;

    // Writes in arrival order at the storage: (time, writer, token, value).
    let mut writes: Vec<(Duration, &str, FencingToken, String)> = Vec::new();
    writes.push((
        ms(rng.range(200, 900)),
        "old leader",
        zombie,
        "order 7: packed".into(),
    ));

    // The old leader checks its lease, prepares a write, and is paused (GC, swap, VM
    // migration) for longer than the lease.
    clock.advance(ms(rng.range(1_000, 3_000)));
    let prepared_at = clock.now();
    let zombie_lease_ok_before_pause = zombie_lease.may_act();

    // The lease runs out; after a failed election or two, a new leader is elected.
    for _ in 0..rng.range(0, 2) {
        issuer.issue().map_err(refused("ward-fencing"))?;
    }
    let leader = issuer.issue().map_err(refused("ward-fencing"))?;
    let elected_at = LEASE + ms(rng.range(300, 2_000));
    let leader_writes = rng.range(1, 3);
    let mut at = elected_at;
    for i in 0..leader_writes {
        at += ms(rng.range(100, 1_500));
        let value = match i {
            0 => "order 7: shipped".to_string(),
            1 => "order 7: delivered".to_string(),
            _ => "order 7: invoiced".to_string(),
        };
        writes.push((at, "new leader", leader, value));
    }
    let leader_value = writes.last().map(|w| w.3.clone()).unwrap_or_default();
    // The old leader wakes after the new leader's writes (the pause outlasted the lease
    // by seconds) and sends the write it prepared: "cancelled".
    let woke_at = at + ms(rng.range(500, 10_000));
    let pause = woke_at - prepared_at;
    let zombie_value = "order 7: cancelled".to_string();
    writes.push((woke_at, "old leader", zombie, zombie_value.clone()));
    writes.sort_by_key(|w| w.0);

    // Replay into both stores.
    let mut naive = String::from("order 7: new");
    let fenced = Fenced::new(String::from("order 7: new"));
    let mut unchecked = String::from("order 7: new");
    let mut steps = Vec::new();
    for (at, writer, tok, value) in &writes {
        naive.clone_from(value);
        let refused = if fence_on {
            fenced
                .write(*tok, |v| v.clone_from(value))
                .err()
                .map(|e| Refusal::from(&e))
        } else {
            unchecked.clone_from(value);
            None
        };
        steps.push(Step {
            at_ms: at.as_millis() as u64,
            writer: (*writer).to_string(),
            token: tok.get(),
            value: value.clone(),
            naive_after: naive.clone(),
            refused,
        });
    }

    // The storage restart: the same admissions through a durable fence, then a restart,
    // then the zombie retries.
    let scratch = Scratch::new(seed)?;
    let path = scratch.0.join("order-7.mark");
    {
        let store = FileStore::create(&path).map_err(refused("ward-fencing"))?;
        let fence = DurableFence::open(store).map_err(refused("ward-fencing"))?;
        for (_, _, tok, _) in writes.iter().filter(|_| fence_on) {
            match fence.admit(*tok) {
                Ok(_) => {}
                // The zombie's write is refused here too; only a store failure stops us.
                Err(e) if e.as_stale().is_some() => {}
                Err(e) => return Err(refused("ward-fencing")(e)),
            }
        }
    } // the storage process stops
    let store = FileStore::open(&path).map_err(refused("ward-fencing"))?;
    let fence = DurableFence::open(store).map_err(refused("ward-fencing"))?;
    let mark_loaded = fence.mark().map(FencingToken::get);
    let refused = if fence_on {
        fence
            .admit(zombie)
            .err()
            .and_then(|e| e.as_stale().map(Refusal::from))
    } else {
        None
    };
    // A guard that kept its mark only in memory starts empty after the restart.
    let memory_only = FenceGuard::new();
    let memory_only_admitted = memory_only.admit(zombie).is_ok();
    drop(scratch);

    Ok(Outcome {
        zombie_token: zombie.get(),
        leader_token: leader.get(),
        paused_at_ms: prepared_at.as_millis() as u64,
        pause_ms: pause.as_millis() as u64,
        zombie_lease_ok_before_pause,
        steps,
        zombie_value,
        leader_value,
        naive_final: naive,
        fenced_final: if fence_on { fenced.get() } else { unchecked },
        fenced_mark: fenced.mark().map(FencingToken::get),
        restart: Restart {
            mark_loaded,
            refused,
            memory_only_admitted,
        },
        fence_on,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let mut writes = Table::new(
        format!(
            "writes arriving at the storage (old leader: token {}, lease until {} s, paused from \
             {:.1} s for {:.1} s; new leader: token {})",
            o.zombie_token,
            LEASE.as_secs(),
            o.paused_at_ms as f64 / 1000.0,
            o.pause_ms as f64 / 1000.0,
            o.leader_token
        ),
        [
            "time",
            "writer",
            "token",
            "value",
            "naive store",
            "fenced store",
        ],
    );
    for s in &o.steps {
        writes.row([
            format!("{:.1} s", s.at_ms as f64 / 1000.0),
            s.writer.clone(),
            s.token.to_string(),
            s.value.clone(),
            "applied".to_string(),
            match &s.refused {
                None => "applied".to_string(),
                Some(r) => format!("refused: {}", r.message),
            },
        ]);
    }
    let mut finals = Table::new("final state", ["store", "value", "mark"]);
    finals.row(["naive (last write wins)", &o.naive_final, "-"]);
    finals.row([
        if o.fence_on {
            "Fenced<String>"
        } else {
            "Fenced<String>, fence off"
        }
        .to_string(),
        o.fenced_final.clone(),
        o.fenced_mark.map_or("-".into(), |m| m.to_string()),
    ]);
    let mut restart = Table::new(
        "storage restart, then the old leader retries",
        ["fence", "mark after restart", "retry with old token"],
    );
    restart.row([
        "DurableFence<FileStore>".to_string(),
        o.restart
            .mark_loaded
            .map_or("none".into(), |m| m.to_string()),
        match &o.restart.refused {
            Some(r) => format!("refused: {}", r.message),
            None => "admitted".into(),
        },
    ]);
    restart.row([
        "FenceGuard, mark in memory only".to_string(),
        "none".to_string(),
        if o.restart.memory_only_admitted {
            "admitted (the mark was forgotten)".into()
        } else {
            "refused".into()
        },
    ]);
    let naive = if o.anomaly_observed() {
        format!(
            "the naive store ended with the zombie's \"{}\"",
            o.naive_final
        )
    } else {
        format!(
            "the naive store ended with \"{}\", not the zombie's write",
            o.naive_final
        )
    };
    let refusals = o.steps.iter().filter(|s| s.refused.is_some()).count();
    let ward = if o.prevented() {
        format!(
            "the fence kept \"{}\" and refused token {} below mark {}, before and after the restart",
            o.fenced_final, o.zombie_token, o.leader_token
        )
    } else {
        format!(
            "the fenced store ended with \"{}\" after refusing {refusals} write(s), and the retry \
             after the restart was {}",
            o.fenced_final,
            if o.restart.refused.is_some() {
                "refused"
            } else {
                "admitted"
            }
        )
    };
    let verdict = format!("{naive}; {ward}");
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a leader paused past its lease wakes up and writes over the new leader's data"
            .into(),
        tables: vec![writes, finals, restart],
        notes: vec![format!(
            "the old leader checked its lease before the pause and it said {}: a lease is \
             liveness help, only the storage-side fence is safe",
            if o.zombie_lease_ok_before_pause {
                "\"may act\""
            } else {
                "\"stop\""
            }
        )],
        anomaly_observed: o.anomaly_observed(),
        prevented: o.prevented(),
        verdict,
        details: super::details(o),
        switched_off: Vec::new(),
    }
}

/// This scenario's identity in the tour.
pub(crate) const META: super::Meta = super::Meta {
    name: "zombie-leader",
    number: 1,
    title: "Zombie leader",
    crate_name: "ward-fencing",
    summary: "a paused leader writes after a new leader was elected",
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

/// A real coordination service for the zombie-leader scenario (`--etcd URL`,
/// `--zookeeper HOST:PORT`); the default run stays embedded and needs neither.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Service {
    /// An etcd v3 endpoint, such as `http://127.0.0.1:2379` (feature `etcd`).
    Etcd(String),
    /// A ZooKeeper connect string, such as `127.0.0.1:2181` (feature `zookeeper`).
    ZooKeeper(String),
}

/// Runs the zombie leader against a real service and returns the lines to print.
///
/// Leader A takes the lock and writes with its token `t`. Then A stalls: its keep-alive stops
/// (etcd: the lease runs out after its TTL; ZooKeeper: its session ends, deleting its node).
/// Leader B takes the lock with `t′ > t` and writes. A wakes up and sends its prepared write
/// with `t`: the storage's fence refuses it.
///
/// # Errors
///
/// A line saying what failed: a build without the service's feature, a service that cannot
/// be reached, or a fence that did not refuse the zombie.
///
/// # Examples
///
/// ```no_run
/// use ward_examples::scenarios::zombie_leader::{Service, run_against};
///
/// let lines = run_against(&Service::Etcd("http://127.0.0.1:2379".into())).unwrap();
/// assert!(lines.iter().any(|line| line.contains("refused")));
/// ```
pub fn run_against(service: &Service) -> Result<Vec<String>, String> {
    match service {
        #[cfg(feature = "etcd")]
        Service::Etcd(endpoint) => real::block_on(real::etcd(endpoint.clone())),
        #[cfg(not(feature = "etcd"))]
        Service::Etcd(_) => Err(missing_feature("etcd")),
        #[cfg(feature = "zookeeper")]
        Service::ZooKeeper(address) => real::block_on(real::zookeeper(address.clone())),
        #[cfg(not(feature = "zookeeper"))]
        Service::ZooKeeper(_) => Err(missing_feature("zookeeper")),
    }
}

#[cfg(not(all(feature = "etcd", feature = "zookeeper")))]
fn missing_feature(feature: &str) -> String {
    format!(
        "this build has no `{feature}` feature; run `cargo run --release -p ward-examples \
         --features {feature} -- zombie-leader --{feature} ...`"
    )
}

#[cfg(any(feature = "etcd", feature = "zookeeper"))]
mod real {
    use core::future::Future;
    use core::time::Duration;

    use ward_fencing::{Fenced, FencingToken, LockHolder};

    /// How long the whole run may take against the service.
    const LIMIT: Duration = Duration::from_secs(60);

    pub(super) fn block_on<F: Future<Output = Result<Vec<String>, String>>>(
        run: F,
    ) -> Result<Vec<String>, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|err| format!("cannot start a runtime: {err}"))?;
        runtime.block_on(async {
            tokio::time::timeout(LIMIT, run)
                .await
                .map_err(|_| format!("the run did not finish within {LIMIT:?}"))?
        })
    }

    /// A unique lock name per run, so runs never meet each other's locks.
    fn unique(prefix: &str) -> String {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        format!("{prefix}-{}-{nanos}", std::process::id())
    }

    /// The scenario once A holds the lock: the storage, A's write, A's stall (done by
    /// `stall`), B's lock and write, A's stale write.
    async fn play<S, B>(
        service: &str,
        a: LockHolder,
        stall: S,
        b: B,
        how_a_stalls: &str,
    ) -> Result<Vec<String>, String>
    where
        S: Future<Output = ()>,
        B: Future<Output = Result<LockHolder, String>>,
    {
        let mut lines = vec![format!("zombie leader against {service}")];
        let storage = Fenced::new(Vec::<String>::new());
        let t: FencingToken = a.check().map_err(|err| err.to_string())?;
        lines.push(format!("  A holds the lock with token {t} and writes"));
        storage
            .write(t, |log| log.push("A: first write".into()))
            .map_err(|err| err.to_string())?;
        drop(a);
        stall.await;
        lines.push(format!("  A stalls ({how_a_stalls})"));
        let b = b.await?;
        let t2 = b.check().map_err(|err| err.to_string())?;
        lines.push(format!("  B takes the lock with token {t2} and writes"));
        storage
            .write(t2, |log| log.push("B: new leader's write".into()))
            .map_err(|err| err.to_string())?;
        lines.push(format!(
            "  A wakes up and sends its prepared write with token {t}"
        ));
        let verdict = storage.write(t, |log| log.push("A: zombie write".into()));
        let _ = b.release().await;
        match verdict {
            Err(stale) if t2 > t => {
                lines.push(format!("  the fence refused it: {stale}"));
                lines.push(format!("  storage holds: {:?}", storage.get()));
                Ok(lines)
            }
            Err(stale) => Err(format!(
                "refused, but B's token {t2} is not above A's {t}: {stale}"
            )),
            Ok(()) => Err(format!("the zombie's write with token {t} was accepted")),
        }
    }

    #[cfg(feature = "etcd")]
    pub(super) async fn etcd(endpoint: String) -> Result<Vec<String>, String> {
        use ward_fencing::EtcdLock;
        use ward_fencing::etcd_client::Client;

        let name = unique("ward-tour/zombie");
        let lock = EtcdLock::new(&name, Duration::from_secs(2), Duration::from_millis(500))
            .map_err(|err| err.to_string())?
            .with_acquire_timeout(Duration::from_secs(20));
        let connect = || async {
            Client::connect([endpoint.as_str()], None)
                .await
                .map_err(|err| format!("cannot reach etcd at {endpoint}: {err}"))
        };
        let mut a_client = connect().await?;
        let mut b_client = connect().await?;
        let a = lock
            .acquire(&mut a_client)
            .await
            .map_err(|err| err.to_string())?;
        let b = async move {
            lock.acquire(&mut b_client)
                .await
                .map_err(|err| err.to_string())
        };
        play(
            &format!("etcd at {endpoint}"),
            a,
            async {},
            b,
            "its keep-alive stops; etcd expires its 2 s lease",
        )
        .await
    }

    #[cfg(feature = "zookeeper")]
    pub(super) async fn zookeeper(address: String) -> Result<Vec<String>, String> {
        use ward_fencing::ZooKeeperElection;
        use ward_fencing::zookeeper_client::Client;

        let path = format!("/{}", unique("ward-tour-zombie"));
        let election = ZooKeeperElection::new(&path, Duration::from_millis(500))
            .map_err(|err| err.to_string())?
            .with_acquire_timeout(Duration::from_secs(20));
        let connect = || async {
            Client::connector()
                .with_session_timeout(Duration::from_secs(2))
                .connect(&address)
                .await
                .map_err(|err| format!("cannot reach ZooKeeper at {address}: {err}"))
        };
        let a_client = connect().await?;
        let b_client = connect().await?;
        let a = election
            .acquire(&a_client)
            .await
            .map_err(|err| err.to_string())?;
        let b = async move {
            election
                .acquire(&b_client)
                .await
                .map_err(|err| err.to_string())
        };
        play(
            &format!("ZooKeeper at {address}"),
            a,
            async move { drop(a_client) },
            b,
            "its session ends and ZooKeeper deletes its node",
        )
        .await
    }
}
