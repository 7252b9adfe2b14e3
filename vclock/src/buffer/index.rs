//! The index of held messages by the dot each one waits for.

use alloc::collections::{BTreeMap, BTreeSet, VecDeque};

use super::CausalBuffer;
use crate::dot::Dot;
use crate::message::Message;
use crate::vclock::VClock;

/// One sender's held messages, by sequence number, and the state of the first one.
#[derive(Debug, Clone)]
pub(super) struct Queue<A, M> {
    pub(super) messages: BTreeMap<u64, Message<A, M>>,
    pub(super) head: Head<A>,
}

/// The state of a sender's first held message.
#[derive(Debug, Clone)]
pub(super) enum Head<A> {
    /// It is not the sender's next message (an earlier one has not arrived), so it
    /// waits for that one; no index entry.
    Idle,
    /// It is the sender's next message and waits for the dot `on`, an entry of its
    /// clock not yet delivered; the entries before index `cursor` are delivered.
    Blocked { on: Dot<A>, cursor: usize },
    /// It is deliverable; its sender is in the ready queue.
    Ready,
}

impl<A: Ord + Clone, M> CausalBuffer<A, M> {
    /// Updates the index after the message `dot` was delivered (`delivered` already
    /// counts it): senders waiting for it resume, and the sender's own next message,
    /// if held, is checked.
    pub(super) fn after_delivery(&mut self, dot: Dot<A>) {
        self.wake(&dot);
        self.check_head(dot.actor());
    }

    /// Resumes every sender whose next message waited for `dot`, now delivered.
    pub(super) fn wake(&mut self, dot: &Dot<A>) {
        let Some(senders) = self.waiters.remove(dot) else {
            return;
        };
        for sender in senders {
            let Some(queue) = self.queues.get_mut(&sender) else {
                continue;
            };
            if let Head::Blocked { cursor, .. } = queue.head {
                resume(
                    &self.delivered,
                    &mut self.waiters,
                    &mut self.ready,
                    &sender,
                    queue,
                    cursor,
                );
            }
        }
    }

    /// Re-examines the first held message of `sender` if it is idle: it becomes the
    /// sender's next message when the one before it has been delivered. Drops the
    /// queue when it is empty.
    pub(super) fn check_head(&mut self, sender: &A) {
        let Some(queue) = self.queues.get(sender) else {
            return;
        };
        if !matches!(queue.head, Head::Idle) {
            return;
        }
        match queue.messages.first_key_value() {
            None => {
                self.queues.remove(sender);
            }
            Some((seq, _)) => {
                if self.delivered.get(sender).checked_add(1) == Some(*seq) {
                    self.advance(sender, 0);
                }
            }
        }
    }

    /// Starts checking the first held message of `sender`, its next message.
    pub(super) fn advance(&mut self, sender: &A, cursor: usize) {
        if let Some(queue) = self.queues.get_mut(sender) {
            resume(
                &self.delivered,
                &mut self.waiters,
                &mut self.ready,
                sender,
                queue,
                cursor,
            );
        }
    }

    /// Takes the first held message of `sender` out of the index and the ready queue,
    /// leaving it idle.
    pub(super) fn detach_head(&mut self, sender: &A) {
        let Some(queue) = self.queues.get_mut(sender) else {
            return;
        };
        match core::mem::replace(&mut queue.head, Head::Idle) {
            Head::Idle => {}
            Head::Ready => self.ready.retain(|s| s != sender),
            Head::Blocked { on, .. } => {
                if let Some(senders) = self.waiters.get_mut(&on) {
                    senders.remove(sender);
                    if senders.is_empty() {
                        self.waiters.remove(&on);
                    }
                }
            }
        }
    }
}

/// Continues checking the first held message of `sender`'s `queue`, its next message,
/// from clock entry `cursor`: indexes it under the first dependency not yet delivered,
/// or marks it ready.
pub(super) fn resume<A: Ord + Clone, M>(
    delivered: &VClock<A>,
    waiters: &mut BTreeMap<Dot<A>, BTreeSet<A>>,
    ready: &mut VecDeque<A>,
    sender: &A,
    queue: &mut Queue<A, M>,
    cursor: usize,
) {
    let Some((_, message)) = queue.messages.first_key_value() else {
        return;
    };
    match first_unmet(delivered, message, cursor)
        .and_then(|i| entry_dot(&message.clock, i).map(|dot| (dot, i)))
    {
        None => {
            queue.head = Head::Ready;
            ready.push_back(sender.clone());
        }
        Some((on, cursor)) => {
            waiters
                .entry(on.clone())
                .or_default()
                .insert(sender.clone());
            queue.head = Head::Blocked { on, cursor };
        }
    }
}

/// The index of the first clock entry of `message`, from `from` on, that `delivered`
/// does not cover, the sender's own entry aside (the caller has checked that the
/// message is the sender's next one).
pub(super) fn first_unmet<A: Ord, M>(
    delivered: &VClock<A>,
    message: &Message<A, M>,
    from: usize,
) -> Option<usize> {
    let entries = message.clock.entries();
    (from..entries.len()).find(|&i| {
        let (actor, counter) = &entries[i];
        actor != &message.sender && *counter > delivered.get(actor)
    })
}

/// The dot of clock entry `i`.
pub(super) fn entry_dot<A: Clone>(clock: &VClock<A>, i: usize) -> Option<Dot<A>> {
    let (actor, counter) = clock.entries().get(i)?;
    Dot::new(actor.clone(), *counter).ok()
}

/// The first dependency of `message` more than `max_gap` events past `delivered`:
/// its actor, its counter and the delivered count. The sender's own dependency is its
/// previous message.
pub(super) fn beyond_gap<A: Ord + Clone, M>(
    delivered: &VClock<A>,
    message: &Message<A, M>,
    max_gap: u64,
) -> Option<(A, u64, u64)> {
    message.clock.iter().find_map(|(actor, counter)| {
        let needed = if *actor == message.sender {
            counter - 1
        } else {
            counter
        };
        let known = delivered.get(actor);
        (needed > known && needed - known > max_gap).then(|| (actor.clone(), needed, known))
    })
}
