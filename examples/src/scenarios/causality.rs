//! Scenario 3, causality violation: Alice posts, Bob reads the post and replies, and Carol
//! receives Bob's reply before Alice's post, because the link from Alice to Carol is slower
//! than the path through Bob.
//!
//! The network is simulated by `turmoil` (three hosts exchanging UDP datagrams on tokio's
//! paused clock; link latencies drawn from the seed), so the reordering is a real property
//! of the links, not of the code. A naive node shows each message as it arrives. A Ward
//! node stamps every broadcast with [`CausalBuffer::stamp`] and passes what it receives
//! through a [`CausalBuffer`], which holds the reply until the post it depends on has been
//! delivered, and can say which dot it is waiting for.

use std::cell::RefCell;
use std::net::{IpAddr, Ipv4Addr};
use std::rc::Rc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use turmoil::net::UdpSocket;
use ward_vclock::{CausalBuffer, Message, Pushed, VClock};

use super::{ScenarioError, broken, refused, sim_failed};
use crate::report::Table;
use crate::sim::SimRng;
use crate::{Options, Primitive, Report, Switches};

const PORT: u16 = 9000;

/// How a node turns arrivals into deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    /// Show every message as it arrives.
    Naive,
    /// Show a message once its causal predecessors were shown ([`CausalBuffer`]).
    Causal,
}

/// A post or a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// Post number, from 1 per author.
    pub id: u32,
    /// The post this one answers, if it is a reply.
    pub reply_to: Option<u32>,
    /// Who wrote it.
    pub author: String,
}

impl Post {
    fn label(&self) -> String {
        match self.reply_to {
            None => format!("post {} by {}", self.id, self.author),
            Some(to) => format!("reply to post {to} by {}", self.author),
        }
    }
}

/// The datagram: a post with its sender's vector clock.
#[derive(Debug, Serialize, Deserialize)]
struct Wire {
    sender: String,
    clock: Vec<(String, u64)>,
    post: Post,
}

impl Wire {
    fn from_message(m: &Message<String, Post>) -> Self {
        Self {
            sender: m.sender().clone(),
            clock: m.clock().iter().map(|(a, c)| (a.clone(), c)).collect(),
            post: m.payload().clone(),
        }
    }

    fn into_message(self) -> Result<Message<String, Post>, ScenarioError> {
        let clock: VClock<String> = self.clock.into_iter().collect();
        Message::new(self.sender, clock, self.post).map_err(refused("ward-vclock"))
    }
}

/// What Carol showed, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shown {
    /// Simulated milliseconds since the start when Carol showed it.
    pub at_ms: u64,
    /// The post or reply.
    pub post: Post,
}

/// One run of the three nodes under one delivery rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Run {
    /// The delivery rule.
    pub delivery: Delivery,
    /// What Carol showed, in order.
    pub carol: Vec<Shown>,
    /// Replies Carol showed before the post they answer.
    pub replies_before_post: usize,
    /// Messages Carol's buffer held back on arrival.
    pub held_back: usize,
    /// The longest a message was held, in milliseconds.
    pub longest_hold_ms: u64,
    /// What the first held message was waiting for, as the buffer reported it.
    pub first_missing: Vec<String>,
}

/// The scenario's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Posts Alice wrote (Bob replies to each).
    pub posts: u32,
    /// Link latencies in milliseconds: Alice to Bob, Bob to Carol, Alice to Carol.
    pub latency_ms: [u64; 3],
    /// The naive run.
    pub naive: Run,
    /// The run with causal delivery.
    pub causal: Run,
}

impl Outcome {
    /// The anomaly: the naive Carol showed a reply before its post.
    pub fn anomaly_observed(&self) -> bool {
        self.naive.replies_before_post > 0
    }

    /// The prevention: the causal Carol showed everything, never a reply before its post.
    pub fn prevented(&self) -> bool {
        self.causal.replies_before_post == 0
            && self.causal.carol.len() == 2 * self.posts as usize
            && self.causal.held_back > 0
    }
}

/// Counts replies shown before the post they answer.
fn replies_before_post(shown: &[Shown]) -> usize {
    shown
        .iter()
        .enumerate()
        .filter(|(i, s)| {
            s.post.reply_to.is_some_and(|to| {
                !shown[..*i]
                    .iter()
                    .any(|p| p.post.reply_to.is_none() && p.post.id == to)
            })
        })
        .count()
}

/// A node: its socket, its buffer, and what it showed.
struct Node {
    name: String,
    socket: UdpSocket,
    buffer: CausalBuffer<String, Post>,
    delivery: Delivery,
    shown: Vec<Shown>,
    arrived_at: Vec<(String, u64, u64)>,
    held_back: usize,
    longest_hold_ms: u64,
    first_missing: Vec<String>,
}

fn now_ms() -> u64 {
    turmoil::elapsed().as_millis() as u64
}

impl Node {
    async fn bind(name: &str, delivery: Delivery) -> turmoil::Result<Self> {
        let socket = UdpSocket::bind((IpAddr::V4(Ipv4Addr::UNSPECIFIED), PORT)).await?;
        Ok(Self {
            name: name.to_string(),
            socket,
            buffer: CausalBuffer::new(64),
            delivery,
            shown: Vec::new(),
            arrived_at: Vec::new(),
            held_back: 0,
            longest_hold_ms: 0,
            first_missing: Vec::new(),
        })
    }

    /// Writes a post, shows it locally and sends it to `to`.
    async fn broadcast(&mut self, post: Post, to: &[&str]) -> turmoil::Result {
        let message = self.buffer.stamp(self.name.clone(), post)?;
        let bytes = serde_json::to_vec(&Wire::from_message(&message))?;
        self.accept(message)?;
        for peer in to {
            self.socket.send_to(&bytes, (*peer, PORT)).await?;
        }
        Ok(())
    }

    /// Receives one datagram and returns the posts it made visible.
    async fn receive(&mut self) -> turmoil::Result<Vec<Post>> {
        let mut buf = vec![0u8; 4096];
        let (n, _) = self.socket.recv_from(&mut buf).await?;
        let wire: Wire = serde_json::from_slice(&buf[..n])?;
        let message = wire.into_message()?;
        Ok(self.accept(message)?)
    }

    fn accept(&mut self, message: Message<String, Post>) -> Result<Vec<Post>, ScenarioError> {
        let now = now_ms();
        let dot = message.dot();
        let mut out = Vec::new();
        match self.delivery {
            Delivery::Naive => out.push(message.into_payload()),
            // `stamp` already recorded the node's own post as delivered: show it now.
            Delivery::Causal if message.sender() == &self.name => {
                out.push(message.into_payload());
            }
            Delivery::Causal => {
                self.arrived_at
                    .push((dot.actor().clone(), dot.counter(), now));
                let pushed = self
                    .buffer
                    .push(message, |m| out.push(m.into_payload()))
                    .map_err(refused("ward-vclock"))?;
                if pushed == Pushed::Waiting {
                    self.held_back += 1;
                    if self.first_missing.is_empty() {
                        self.first_missing = self
                            .buffer
                            .missing(&dot)
                            .map(|m| m.map(|d| d.to_string()).collect())
                            .unwrap_or_default();
                    }
                }
            }
        }
        for post in &out {
            if let Some(&(_, _, arrived)) = self
                .arrived_at
                .iter()
                .find(|(a, c, _)| *a == post.author && *c == u64::from(post.id))
            {
                self.longest_hold_ms = self.longest_hold_ms.max(now - arrived);
            }
            self.shown.push(Shown {
                at_ms: now,
                post: post.clone(),
            });
        }
        Ok(out)
    }
}

/// Runs the three nodes under one delivery rule.
fn simulate(
    delivery: Delivery,
    seed: u64,
    posts: u32,
    gaps: &[u64],
    latency: [u64; 3],
) -> Result<Run, ScenarioError> {
    let carol_log: Rc<RefCell<Option<Node>>> = Rc::new(RefCell::new(None));
    let mut sim = turmoil::Builder::new()
        .simulation_duration(Duration::from_secs(120))
        .rng_seed(seed)
        .build();

    let gaps = gaps.to_vec();
    sim.client("alice", async move {
        let mut alice = Node::bind("alice", delivery).await?;
        for (i, gap) in gaps.iter().enumerate() {
            tokio::time::sleep(Duration::from_millis(*gap)).await;
            let post = Post {
                id: i as u32 + 1,
                reply_to: None,
                author: "alice".into(),
            };
            alice.broadcast(post, &["bob", "carol"]).await?;
        }
        // Stay until every reply has been seen, so nothing is cut short.
        while alice.shown.len() < 2 * posts as usize {
            alice.receive().await?;
        }
        Ok(())
    });
    sim.client("bob", async move {
        let mut bob = Node::bind("bob", delivery).await?;
        let mut replied = 0;
        while replied < posts {
            for post in bob.receive().await? {
                if post.reply_to.is_none() {
                    replied += 1;
                    let reply = Post {
                        id: replied,
                        reply_to: Some(post.id),
                        author: "bob".into(),
                    };
                    bob.broadcast(reply, &["alice", "carol"]).await?;
                }
            }
        }
        Ok(())
    });
    let log = Rc::clone(&carol_log);
    sim.client("carol", async move {
        let mut carol = Node::bind("carol", delivery).await?;
        while carol.shown.len() < 2 * posts as usize {
            carol.receive().await?;
        }
        *log.borrow_mut() = Some(carol);
        Ok(())
    });
    let ms = Duration::from_millis;
    sim.set_link_latency("alice", "bob", ms(latency[0]));
    sim.set_link_latency("bob", "carol", ms(latency[1]));
    sim.set_link_latency("alice", "carol", ms(latency[2]));
    sim.run().map_err(sim_failed)?;

    let carol = carol_log
        .borrow_mut()
        .take()
        .ok_or_else(|| broken("carol did not finish"))?;
    Ok(Run {
        delivery,
        replies_before_post: replies_before_post(&carol.shown),
        carol: carol.shown,
        held_back: carol.held_back,
        longest_hold_ms: carol.longest_hold_ms,
        first_missing: carol.first_missing,
    })
}

/// Runs the scenario.
///
/// # Errors
///
/// [`ScenarioError::Simulation`] if a node failed, [`ScenarioError::Invariant`] if Carol did
/// not see every message (neither happens for any seed tried).
pub fn run(seed: u64) -> Result<Outcome, ScenarioError> {
    run_with(seed, Switches::default())
}

/// Runs the scenario with some primitives switched off: without
/// [`Primitive::CausalBuffer`] the second run delivers on arrival too.
///
/// # Errors
///
/// As [`run`].
pub fn run_with(seed: u64, switches: Switches) -> Result<Outcome, ScenarioError> {
    let mut rng = SimRng::new(seed, "causality");
    let posts = rng.range(3, 5) as u32;
    let gaps: Vec<u64> = (0..posts).map(|_| rng.range(40, 250)).collect();
    // Bob is close to both; Carol is far from Alice.
    let ab = rng.range(5, 30);
    let bc = rng.range(5, 30);
    let ac = ab + bc + rng.range(30, 300);
    let latency = [ab, bc, ac];
    let naive = simulate(Delivery::Naive, seed, posts, &gaps, latency)?;
    let second = if switches.is_on(Primitive::CausalBuffer) {
        Delivery::Causal
    } else {
        Delivery::Naive
    };
    let causal = simulate(second, seed, posts, &gaps, latency)?;
    Ok(Outcome {
        posts,
        latency_ms: latency,
        naive,
        causal,
    })
}

/// Turns the outcome into the tour's report.
pub fn report(o: &Outcome) -> Report {
    let [ab, bc, ac] = o.latency_ms;
    let mut screen = Table::new(
        format!(
            "what Carol sees (links: Alice-Bob {ab} ms, Bob-Carol {bc} ms, Alice-Carol {ac} ms)"
        ),
        [
            "#",
            "naive: shown on arrival",
            "at",
            match o.causal.delivery {
                Delivery::Causal => "CausalBuffer: shown",
                Delivery::Naive => "buffer off: shown on arrival",
            },
            "at",
        ],
    );
    let n = o.naive.carol.len().max(o.causal.carol.len());
    for i in 0..n {
        let cell = |run: &Run| {
            run.carol
                .get(i)
                .map_or((String::new(), String::new()), |s| {
                    (s.post.label(), format!("{} ms", s.at_ms))
                })
        };
        let (a, at_a) = cell(&o.naive);
        let (b, at_b) = cell(&o.causal);
        screen.row([(i + 1).to_string(), a, at_a, b, at_b]);
    }
    let mut summary = Table::new(
        "delivery at Carol",
        [
            "delivery",
            "shown",
            "replies before their post",
            "held back",
            "longest hold",
        ],
    );
    for run in [&o.naive, &o.causal] {
        summary.row([
            match run.delivery {
                Delivery::Naive => "naive (on arrival)".to_string(),
                Delivery::Causal => "CausalBuffer".to_string(),
            },
            run.carol.len().to_string(),
            run.replies_before_post.to_string(),
            run.held_back.to_string(),
            format!("{} ms", run.longest_hold_ms),
        ]);
    }
    let early = |n: usize| match n {
        0 => "none".to_string(),
        n => format!("{n} of {}", o.posts),
    };
    let second = match o.causal.delivery {
        Delivery::Causal => "the causal buffer",
        Delivery::Naive => "the second run, buffer off,",
    };
    let verdict = format!(
        "naive delivery showed {} replies before their post; {second} showed {} early, holding \
         {} message(s) back for up to {} ms",
        early(o.naive.replies_before_post),
        early(o.causal.replies_before_post),
        o.causal.held_back,
        o.causal.longest_hold_ms
    );
    let mut notes = vec![
        "three turmoil hosts exchanging UDP datagrams on simulated time; each datagram carries \
         the sender's vector clock"
            .to_string(),
    ];
    if !o.causal.first_missing.is_empty() {
        notes.push(format!(
            "the first held reply was waiting for dot {}, which the buffer names so a node can \
             ask for it",
            o.causal.first_missing.join(", ")
        ));
    }
    Report {
        scenario: META.name,
        number: META.number,
        title: META.title,
        crate_name: META.crate_name,
        anomaly: "a reply reaches a third node before the post it answers".into(),
        tables: vec![screen, summary],
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
    name: "causality",
    number: 3,
    title: "Causality violation",
    crate_name: "ward-vclock",
    summary: "a reply is delivered before the post it answers",
    primitives: &[crate::Primitive::CausalBuffer],
};

pub(crate) fn tour(options: &Options) -> Report {
    super::tour(
        &META,
        options,
        run_with(options.seed, options.switches),
        report,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(labels: &[(u32, Option<u32>)]) -> Vec<Shown> {
        labels
            .iter()
            .map(|&(id, reply_to)| Shown {
                at_ms: 0,
                post: Post {
                    id,
                    reply_to,
                    author: String::new(),
                },
            })
            .collect()
    }

    #[test]
    fn counts_replies_shown_early() {
        assert_eq!(replies_before_post(&shown(&[(1, None), (1, Some(1))])), 0);
        assert_eq!(replies_before_post(&shown(&[(1, Some(1)), (1, None)])), 1);
        assert_eq!(
            replies_before_post(&shown(&[(1, Some(1)), (2, Some(2)), (1, None), (2, None)])),
            2
        );
    }
}
