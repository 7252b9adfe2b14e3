//! WARS across datacenters: per-datacenter delays, replica placement and consistency levels.

use std::vec::Vec;

use super::report::CHUNK;
use super::{PbsReport, Simulation, WarsDelays};
use crate::delay::Delay;
use crate::levels::{ConsistencyLevel, LevelError, Requirement, Topology};

/// Why a multi-datacenter model or run was rejected.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::Delay;
/// use ward_quorum::levels::Topology;
/// use ward_quorum::wars::{MultiDcError, MultiDcModel, WarsDelays};
///
/// let lan = WarsDelays::symmetric(&Delay::constant(1.0)?);
/// let err = MultiDcModel::new(Topology::new(&[3, 3])?, vec![lan], vec![]).unwrap_err();
/// assert_eq!(err, MultiDcError::WrongDatacenterCount { given: 1, datacenters: 2 });
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MultiDcError {
    /// Local delays or a row of the inter-datacenter matrix were given for another number
    /// of datacenters than the topology has.
    #[error("{given} entries given for {datacenters} datacenters")]
    WrongDatacenterCount {
        /// Entries given.
        given: usize,
        /// Datacenters in the topology.
        datacenters: usize,
    },
    /// Local delays carry a wide-area penalty (`WarsDelays::with_remote_latency`), which
    /// this model expresses with its inter-datacenter delays instead.
    #[error("the local delays of datacenter {datacenter} carry a wide-area penalty")]
    RemotePenalty {
        /// The datacenter.
        datacenter: usize,
    },
    /// A consistency level cannot be evaluated on the topology.
    #[error("{0}")]
    Level(LevelError),
}

/// A WARS model over several datacenters: replicas placed by a [`Topology`], each
/// datacenter with its own local delays, and a one-way delay distribution for messages
/// between each pair of datacenters.
///
/// A write is coordinated in one datacenter and commits once its acknowledgements meet a
/// consistency level; a read, coordinated in one datacenter, starts `t` after the commit,
/// and uses every replica that answered by the time its responses meet the read level. A
/// message between the coordinator and a replica in another datacenter takes the local
/// delay of the replica's datacenter plus one draw of the inter-datacenter delay. As in
/// [`WarsModel`](super::WarsModel), each trial is summarised by its staleness threshold, so
/// one [`PbsReport`] gives the whole consistency curve and both latency distributions:
/// `LOCAL_QUORUM` and `QUORUM` reads can be compared on staleness and latency alike.
///
/// # Examples
///
/// ```
/// use ward_quorum::delay::Delay;
/// use ward_quorum::levels::{ConsistencyLevel::*, Topology};
/// use ward_quorum::wars::{MultiDcModel, Simulation, WarsDelays};
///
/// // Two datacenters with RF 3, 1 ms locally, 40 ms between them.
/// let m = MultiDcModel::uniform(
///     Topology::new(&[3, 3])?,
///     &WarsDelays::symmetric(&Delay::constant(1.0)?),
///     &Delay::constant(40.0)?,
/// )?;
/// let sim = Simulation::new(1_000, 1)?;
/// // A LOCAL_QUORUM write in DC 0 read with LOCAL_QUORUM in DC 1: stale until 38 ms.
/// let local = m.simulate((LocalQuorum, 0), (LocalQuorum, 1), &sim)?;
/// assert_eq!((local.consistency_at(37.9)?, local.consistency_at(38.0)?), (0.0, 1.0));
/// // QUORUM reads reach DC 0 and are never stale, at the price of a cross-DC round trip.
/// let quorum = m.simulate((LocalQuorum, 0), (Quorum, 1), &sim)?;
/// assert_eq!(quorum.consistency_at(0.0)?, 1.0);
/// assert_eq!((local.read_latency(0.5)?, quorum.read_latency(0.5)?), (2.0, 82.0));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MultiDcModel {
    topology: Topology,
    local: Vec<WarsDelays>,
    remote: Vec<Vec<Delay>>,
    /// The datacenter of each replica.
    dc_of: Vec<usize>,
}

/// The earliest time at which replies, sorted by time, meet `need`, and how many replies
/// had arrived by then; `None` if they never do.
fn first_meeting(
    sorted: &[(f64, usize)],
    need: &Requirement,
    counts: &mut [usize],
) -> Option<(f64, usize)> {
    counts.fill(0);
    let mut short: usize = need.per_datacenter().iter().filter(|&&d| d > 0).count();
    for (k, &(time, dc)) in sorted.iter().enumerate() {
        counts[dc] += 1;
        if counts[dc] == need.in_datacenter(dc) {
            short -= 1;
        }
        if short == 0 && k + 1 >= need.total() {
            // Replies arriving at the same instant are all in.
            let mut end = k + 1;
            while end < sorted.len() && sorted[end].0 <= time {
                end += 1;
            }
            return Some((time, end));
        }
    }
    None
}

impl MultiDcModel {
    /// A model with `local[d]` the delays between a coordinator and a replica both in
    /// datacenter `d`, and `remote[a][b]` the extra one-way delay of a message from
    /// datacenter `a` to datacenter `b` (the diagonal is not used).
    ///
    /// # Errors
    ///
    /// [`MultiDcError::WrongDatacenterCount`] unless there is one local entry and one
    /// `remote` row of one entry per datacenter; [`MultiDcError::RemotePenalty`] for local
    /// delays with a wide-area penalty.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::Delay;
    /// use ward_quorum::levels::Topology;
    /// use ward_quorum::wars::{MultiDcModel, WarsDelays};
    ///
    /// let lan = WarsDelays::symmetric(&Delay::exponential(1.0)?);
    /// let wan = Delay::constant(30.0)?.shifted(0.0)?;
    /// let zero = Delay::constant(0.0)?;
    /// let m = MultiDcModel::new(
    ///     Topology::new(&[3, 2])?,
    ///     vec![lan.clone(), lan],
    ///     vec![vec![zero.clone(), wan.clone()], vec![wan, zero]],
    /// )?;
    /// assert_eq!(m.topology().replicas(), 5);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        topology: Topology,
        local: Vec<WarsDelays>,
        remote: Vec<Vec<Delay>>,
    ) -> Result<Self, MultiDcError> {
        let datacenters = topology.datacenters();
        let wrong = |given| MultiDcError::WrongDatacenterCount { given, datacenters };
        if local.len() != datacenters {
            return Err(wrong(local.len()));
        }
        if remote.len() != datacenters {
            return Err(wrong(remote.len()));
        }
        if let Some(row) = remote.iter().find(|row| row.len() != datacenters) {
            return Err(wrong(row.len()));
        }
        if let Some(datacenter) = local.iter().position(|d| d.remote_latency() != 0.0) {
            return Err(MultiDcError::RemotePenalty { datacenter });
        }
        let dc_of = topology
            .replication_factors()
            .iter()
            .enumerate()
            .flat_map(|(dc, &rf)| core::iter::repeat_n(dc, rf))
            .collect();
        Ok(Self {
            topology,
            local,
            remote,
            dc_of,
        })
    }

    /// The same local delays in every datacenter and the same delay between any two.
    ///
    /// # Errors
    ///
    /// [`MultiDcError::RemotePenalty`] for local delays with a wide-area penalty.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::Delay;
    /// use ward_quorum::levels::Topology;
    /// use ward_quorum::wars::{MultiDcModel, Preset, WarsDelays};
    ///
    /// let m = MultiDcModel::uniform(
    ///     Topology::new(&[3, 3, 3])?,
    ///     &WarsDelays::preset(Preset::LnkdSsd),
    ///     &Delay::constant(35.0)?,
    /// )?;
    /// assert_eq!(m.topology().datacenters(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn uniform(
        topology: Topology,
        local: &WarsDelays,
        remote: &Delay,
    ) -> Result<Self, MultiDcError> {
        let n = topology.datacenters();
        Self::new(
            topology,
            vec![local.clone(); n],
            vec![vec![remote.clone(); n]; n],
        )
    }

    /// The replica placement.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ward_quorum::{delay::Delay, levels::Topology, wars::{MultiDcModel, WarsDelays}};
    /// let d = Delay::constant(1.0)?;
    /// let m = MultiDcModel::uniform(Topology::new(&[2])?, &WarsDelays::symmetric(&d), &d)?;
    /// assert_eq!(m.topology().replication_factors(), &[2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn topology(&self) -> &Topology {
        &self.topology
    }

    /// Simulates writes at `write = (level, coordinator datacenter)` followed by reads at
    /// `read = (level, coordinator datacenter)`.
    ///
    /// Trials are seeded per chunk from `(sim.seed(), chunk)` like
    /// [`WarsModel::simulate`](super::WarsModel::simulate), and run on the calling thread
    /// (`sim.threads()` is ignored). With one datacenter, a level that amounts to `R`/`W`
    /// replicas gives the same report as [`WarsModel`](super::WarsModel) with those `R`, `W`.
    ///
    /// # Errors
    ///
    /// [`MultiDcError::Level`] for an unknown coordinator datacenter or a level that needs
    /// more replicas than exist.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_quorum::delay::Delay;
    /// use ward_quorum::levels::{ConsistencyLevel::*, Topology};
    /// use ward_quorum::wars::{MultiDcModel, Simulation, WarsDelays};
    ///
    /// let m = MultiDcModel::uniform(
    ///     Topology::new(&[3, 3])?,
    ///     &WarsDelays::symmetric(&Delay::constant(1.0)?),
    ///     &Delay::constant(40.0)?,
    /// )?;
    /// // EACH_QUORUM writes wait for the remote datacenter: never stale, slow to commit.
    /// let r = m.simulate((EachQuorum, 0), (LocalQuorum, 1), &Simulation::new(100, 1)?)?;
    /// assert_eq!((r.consistency_at(0.0)?, r.write_latency(0.5)?), (1.0, 82.0));
    /// assert!(m.simulate((Quorum, 5), (One, 0), &Simulation::new(100, 1)?).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn simulate(
        &self,
        write: (ConsistencyLevel, usize),
        read: (ConsistencyLevel, usize),
        sim: &Simulation,
    ) -> Result<PbsReport, MultiDcError> {
        let need_w = self
            .topology
            .requirement(write.0, write.1)
            .map_err(MultiDcError::Level)?;
        let need_r = self
            .topology
            .requirement(read.0, read.1)
            .map_err(MultiDcError::Level)?;
        let (wdc, rdc) = (write.1, read.1);
        let n = self.dc_of.len();
        let total = sim.trials;
        let mut staleness = Vec::with_capacity(total);
        let mut write_latency = Vec::with_capacity(total);
        let mut read_latency = Vec::with_capacity(total);
        let (mut w, mut r) = (vec![0.0; n], vec![0.0; n]);
        let (mut acks, mut replies) = (vec![(0.0, 0); n], vec![(0.0, 0); n]);
        let mut counts = vec![0; self.topology.datacenters()];
        let mut order: Vec<(f64, usize)> = vec![(0.0, 0); n];
        for chunk in 0..total.div_ceil(CHUNK) {
            let mut rng = sim.chunk_rng(chunk);
            let trials = CHUNK.min(total - chunk * CHUNK);
            for _ in 0..trials {
                for (i, &dc) in self.dc_of.iter().enumerate() {
                    let d = &self.local[dc];
                    let mut wi = d.write.sample(&mut rng);
                    let mut ai = d.ack.sample(&mut rng);
                    let mut ri = d.read.sample(&mut rng);
                    let mut si = d.response.sample(&mut rng);
                    if dc != wdc {
                        wi += self.remote[wdc][dc].sample(&mut rng);
                        ai += self.remote[dc][wdc].sample(&mut rng);
                    }
                    if dc != rdc {
                        ri += self.remote[rdc][dc].sample(&mut rng);
                        si += self.remote[dc][rdc].sample(&mut rng);
                    }
                    w[i] = wi;
                    r[i] = ri;
                    acks[i] = (wi + ai, dc);
                    replies[i] = (ri + si, dc);
                    order[i] = (ri + si, i);
                }
                acks.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                replies.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                // Levels were validated against the topology, so every reply set of all
                // replicas meets them; `∞` only if delays overflowed.
                let (commit, _) =
                    first_meeting(&acks, &need_w, &mut counts).unwrap_or((f64::INFINITY, n));
                let (read_done, used) =
                    first_meeting(&replies, &need_r, &mut counts).unwrap_or((f64::INFINITY, n));
                let tau = order[..used]
                    .iter()
                    .map(|&(_, i)| w[i] - r[i])
                    .fold(f64::INFINITY, f64::min)
                    - commit;
                staleness.push(if tau.is_nan() { f64::INFINITY } else { tau });
                write_latency.push(commit);
                read_latency.push(read_done);
            }
        }
        staleness.sort_unstable_by(f64::total_cmp);
        write_latency.sort_unstable_by(f64::total_cmp);
        read_latency.sort_unstable_by(f64::total_cmp);
        Ok(PbsReport {
            staleness,
            write: write_latency,
            read: read_latency,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_meeting_respects_minima_and_total() {
        let t = Topology::new(&[3, 3]).unwrap();
        let each = t.requirement(ConsistencyLevel::EachQuorum, 0).unwrap();
        let replies = [(1.0, 0), (2.0, 0), (3.0, 0), (4.0, 1), (5.0, 1), (6.0, 1)];
        let mut counts = [0; 2];
        assert_eq!(first_meeting(&replies, &each, &mut counts), Some((5.0, 5)));
        let quorum = t.requirement(ConsistencyLevel::Quorum, 0).unwrap();
        assert_eq!(
            first_meeting(&replies, &quorum, &mut counts),
            Some((4.0, 4))
        );
        let local = t.requirement(ConsistencyLevel::LocalOne, 1).unwrap();
        assert_eq!(first_meeting(&replies, &local, &mut counts), Some((4.0, 4)));
        // Simultaneous replies are all used.
        let tied = [(1.0, 0), (1.0, 0), (1.0, 1), (2.0, 1)];
        let one = t.requirement(ConsistencyLevel::One, 0).unwrap();
        assert_eq!(first_meeting(&tied, &one, &mut counts), Some((1.0, 3)));
        assert_eq!(first_meeting(&replies[..2], &each, &mut counts), None);
    }
}
