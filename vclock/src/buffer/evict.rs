//! Taking held messages out without delivering them, and the restart path.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use super::CausalBuffer;
use crate::dot::Dot;
use crate::message::Message;

impl<A: Ord + Clone, M> CausalBuffer<A, M> {
    /// Records that `last` and every earlier message of its actor have been delivered
    /// here, and returns the held copies of them, which are now duplicates.
    ///
    /// This is the restart path of a node that stamps messages: its snapshot of
    /// [`delivered`](Self::delivered) may be older than its last stamp, and stamping
    /// from it would reuse dots that peers have already delivered with other payloads.
    /// Persist the dot of every stamped message before sending it (or reserve blocks of
    /// counters ahead), and after restarting call this with the last one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, VClock};
    ///
    /// // The snapshot says a:1, but the node had stamped up to a:3 before it stopped.
    /// let snapshot: VClock<char> = [('a', 1)].into_iter().collect();
    /// let mut buffer = CausalBuffer::<char, &str>::with_delivered(8, snapshot);
    /// buffer.mark_delivered(&Dot::new('a', 3)?);
    /// assert_eq!(buffer.stamp('a', "after restart")?.dot(), Dot::new('a', 4)?);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mark_delivered(&mut self, last: &Dot<A>) -> Vec<Message<A, M>> {
        let actor = last.actor();
        let upto = last.counter();
        if upto <= self.delivered.get(actor) {
            return Vec::new();
        }
        let mut dropped = Vec::new();
        if self.queues.contains_key(actor) {
            self.detach_head(actor);
            if let Some(queue) = self.queues.get_mut(actor) {
                let kept = match upto.checked_add(1) {
                    Some(from) => queue.messages.split_off(&from),
                    None => BTreeMap::new(),
                };
                let old = core::mem::replace(&mut queue.messages, kept);
                dropped.extend(old.into_values());
            }
            self.len -= dropped.len();
            if !dropped.is_empty() {
                crate::trace::held_marked_delivered(upto, dropped.len());
            }
        }
        self.delivered.raise(actor, upto);
        // Wake every sender waiting on a dot of `actor` now delivered.
        let woken: Vec<Dot<A>> = match Dot::new(actor.clone(), 1) {
            Ok(first) => self
                .waiters
                .range(first..=last.clone())
                .map(|(dot, _)| dot.clone())
                .collect(),
            Err(_) => Vec::new(),
        };
        for dot in woken {
            self.wake(&dot);
        }
        self.check_head(actor);
        dropped
    }

    /// Takes the held message with `dot` out of the buffer and returns it, freeing its
    /// slot. `None` if no message with `dot` is held.
    ///
    /// The buffer cannot tell a message that will be unblocked soon from one whose
    /// predecessors will never come (a stamp claiming events far ahead, or stamps that
    /// wait on each other). Use this to drop such a message, for example after
    /// [`missing`](Self::missing) has been asked for in vain. A removed message that is
    /// offered again is treated as new.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(1);
    /// let bogus = Message::new('a', [('a', 1), ('z', u64::MAX)].into_iter().collect::<VClock<_>>(), ())?;
    /// buffer.offer(bogus)?;
    /// let dot = Dot::new('a', 1)?;
    /// assert_eq!(buffer.remove(&dot).map(|m| m.dot()), Some(dot.clone()));
    /// assert!(buffer.is_empty());
    /// assert!(buffer.remove(&dot).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove(&mut self, dot: &Dot<A>) -> Option<Message<A, M>> {
        let actor = dot.actor();
        let queue = self.queues.get(actor)?;
        let first = queue.messages.first_key_value().map(|(s, _)| *s);
        if !queue.messages.contains_key(&dot.counter()) {
            return None;
        }
        if first == Some(dot.counter()) {
            self.detach_head(actor);
        }
        let message = self
            .queues
            .get_mut(actor)?
            .messages
            .remove(&dot.counter())?;
        self.len -= 1;
        self.check_head(actor);
        crate::trace::removed(dot.counter());
        Some(message)
    }

    /// Takes every held message of `sender` out of the buffer and returns them in
    /// sequence order, for example to drop a sender whose queue waits on a dot that
    /// will never come. Messages of other senders that depend on them keep waiting.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(8);
    /// let forged = Message::new('a', [('a', 1), ('z', u64::MAX)].into_iter().collect::<VClock<_>>(), 1)?;
    /// buffer.offer(forged)?;
    /// buffer.offer(Message::new('a', [('a', 2), ('z', u64::MAX)].into_iter().collect::<VClock<_>>(), 2)?)?;
    /// let dropped: Vec<_> = buffer.remove_sender(&'a').into_iter().map(|m| m.into_payload()).collect();
    /// assert_eq!(dropped, [1, 2]);
    /// assert!(buffer.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn remove_sender(&mut self, sender: &A) -> Vec<Message<A, M>> {
        if !self.queues.contains_key(sender) {
            return Vec::new();
        }
        self.detach_head(sender);
        let Some(queue) = self.queues.remove(sender) else {
            return Vec::new();
        };
        self.len -= queue.messages.len();
        crate::trace::sender_removed(queue.messages.len());
        queue.messages.into_values().collect()
    }
}
