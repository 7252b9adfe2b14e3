//! Causal delivery: hold each message back until everything it depends on is delivered.

mod deliver;
mod evict;
mod index;
mod missing;
mod outcome;

use alloc::collections::btree_map::Entry;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};

use crate::dot::Dot;
use crate::message::Message;
use crate::vclock::VClock;

pub use self::deliver::Ready;
use self::index::{Head, Queue, beyond_gap, entry_dot, first_unmet};
pub use self::missing::Missing;
pub use self::outcome::{Offered, PushError, Pushed, StampError};

/// A causal delivery buffer: delivers broadcast messages in an order consistent with
/// causality, holding back each message until all of its causal predecessors have been
/// delivered.
///
/// This is the delivery rule of causal broadcast from *Lightweight Causal and Atomic
/// Group Multicast* (Birman, Schiper, Stephenson). The buffer keeps `delivered`, the
/// number of messages delivered from each sender. A [`Message`] from sender `j` with
/// clock `V` is deliverable when
///
/// * `V[j] == delivered[j] + 1` (it is the next message from `j`), and
/// * `V[k] <= delivered[k]` for every other actor `k` (everything `j` had delivered
///   before sending has been delivered here).
///
/// # Receiving and delivering
///
/// [`offer`](Self::offer) takes a received message in; delivering is separate, so
/// that the application decides when, and a failure on its side loses nothing:
///
/// * [`ready`](Self::ready) is an iterator over the messages ready now, in causal
///   order; each message it yields counts as delivered, and delivering it may make
///   held messages ready, which the same iterator yields next;
/// * [`try_deliver`](Self::try_deliver) hands each ready message by reference to a
///   fallible function and counts it as delivered only when that function returns
///   `Ok`: an error, or a panic, leaves the message ready for the next attempt;
/// * [`push`](Self::push) offers a message and delivers everything ready through a
///   callback, the one-call form.
///
/// A ready message never waits for a later offer: it stays ready until it is taken.
///
/// # Identity, duplicates and conflicts
///
/// A message is identified by its dot `(j, V[j])`. A copy of a delivered message is
/// dropped as a duplicate. A copy of a held message is dropped if it is the same
/// message and refused with [`PushError::Conflict`] if it is a different one (a
/// different clock, or with [`offer_checked`](Self::offer_checked) a different
/// payload): two messages claiming one dot would make replicas diverge. The payload of
/// a delivered message is not kept, so a conflict with it cannot be seen here; a node
/// must therefore never reuse a dot itself: [`stamp`](Self::stamp) records each dot it
/// hands out, and [`mark_delivered`](Self::mark_delivered) restores the last one after
/// a restart.
///
/// # Bounds
///
/// The buffer holds at most [`capacity`](Self::capacity) messages that are not ready,
/// and at most [`sender_capacity`](Self::sender_capacity) of them from any one sender,
/// so a sender whose messages wait on a dot that never comes blocks only itself. A
/// message depending on an event more than [`max_gap`](Self::max_gap) events past
/// what is delivered from that event's actor is refused at once. A ready message never
/// needs a slot (at most one per sender is ready), so a full buffer still accepts the
/// messages that unblock it; a refused message comes back inside the error. The owner
/// can take out any held message with [`remove`](Self::remove), or a whole sender's
/// queue with [`remove_sender`](Self::remove_sender).
///
/// # Cost
///
/// Each held message that is its sender's next one is indexed under the first dot of
/// its clock that is not delivered yet, and resumes from there when that dot is
/// delivered, so each clock entry of a message is checked once in the common case and
/// a delivery costs `O(log n)` map operations for `n` senders, however long the chain
/// of messages it unblocks.
///
/// # Examples
///
/// The reply overtakes the post it answers; the buffer holds it back.
///
/// ```
/// use ward_vclock::{CausalBuffer, DotRange, Offered};
///
/// // Alice posts; Bob delivers the post, then replies.
/// let mut alice = CausalBuffer::new(16);
/// let post = alice.stamp("alice", "hello, is anyone there?")?;
/// let mut bob = CausalBuffer::new(16);
/// bob.offer(post.clone())?;
/// assert_eq!(bob.ready().count(), 1);
/// let reply = bob.stamp("bob", "yes, hi!")?;
///
/// // Carol receives the reply first.
/// let mut carol = CausalBuffer::new(16);
/// assert_eq!(carol.offer(reply.clone())?, Offered::Waiting);
/// assert_eq!(carol.ready().count(), 0);
/// let missing: Vec<_> = carol.missing(&reply.dot()).unwrap().collect();
/// assert_eq!(missing, [DotRange::new("alice", 1, 1)?]);
///
/// assert_eq!(carol.offer(post)?, Offered::Ready);
/// let shown: Vec<_> = carol.ready().map(|m| m.into_payload()).collect();
/// assert_eq!(shown, ["hello, is anyone there?", "yes, hi!"]);
/// assert!(carol.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct CausalBuffer<A, M> {
    delivered: VClock<A>,
    /// Held messages by sender; no empty queue is kept.
    queues: BTreeMap<A, Queue<A, M>>,
    /// For each dot not yet delivered, the senders whose next message waits for it.
    waiters: BTreeMap<Dot<A>, BTreeSet<A>>,
    /// Senders whose first held message is ready, in the order they became ready.
    ready: VecDeque<A>,
    /// Held messages, ready ones included.
    len: usize,
    capacity: usize,
    sender_capacity: usize,
    max_gap: u64,
}

impl<A, M> CausalBuffer<A, M> {
    /// Creates a buffer that has delivered nothing and holds at most `capacity`
    /// waiting messages. One sender may use the whole capacity and there is no limit
    /// on gaps; see [`with_sender_capacity`](Self::with_sender_capacity) and
    /// [`with_max_gap`](Self::with_max_gap).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// let buffer = CausalBuffer::<char, ()>::new(100);
    /// assert_eq!(buffer.capacity(), 100);
    /// assert_eq!(buffer.sender_capacity(), 100);
    /// assert_eq!(buffer.max_gap(), u64::MAX);
    /// assert!(buffer.delivered().is_empty());
    /// ```
    pub const fn new(capacity: usize) -> Self {
        Self::with_delivered(capacity, VClock::new())
    }

    /// Creates a buffer that has already delivered the messages counted by `delivered`,
    /// for example a node restarting from a snapshot.
    ///
    /// A node that stamps messages must not stamp again from a snapshot older than its
    /// last stamp: it would hand out dots it already used. Record the last dot it
    /// stamped durably before sending that message, and restore it with
    /// [`mark_delivered`](Self::mark_delivered) after this constructor.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, VClock};
    ///
    /// let seen: VClock<char> = [('a', 4)].into_iter().collect();
    /// let buffer = CausalBuffer::<char, ()>::with_delivered(10, seen.clone());
    /// assert_eq!(buffer.delivered(), &seen);
    /// ```
    pub const fn with_delivered(capacity: usize, delivered: VClock<A>) -> Self {
        Self {
            delivered,
            queues: BTreeMap::new(),
            waiters: BTreeMap::new(),
            ready: VecDeque::new(),
            len: 0,
            capacity,
            sender_capacity: capacity,
            max_gap: u64::MAX,
        }
    }

    /// Limits how many waiting messages one sender may have, so that a sender whose
    /// messages wait on a dot that never comes cannot take the whole capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, PushError, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(8).with_sender_capacity(1);
    /// buffer.offer(Message::new('a', clock(2), ())?)?;
    /// let err = buffer.offer(Message::new('a', clock(3), ())?).unwrap_err();
    /// assert!(matches!(err, PushError::SenderFull { sender_capacity: 1, .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn with_sender_capacity(mut self, sender_capacity: usize) -> Self {
        self.sender_capacity = sender_capacity;
        self
    }

    /// Refuses messages that depend on an event more than `max_gap` events past what
    /// has been delivered from its actor, with [`PushError::GapTooLarge`]. A stamp
    /// claiming events far ahead, by mistake or forged, is then refused at once
    /// instead of waiting for events that may never come. `u64::MAX` (the default)
    /// accepts every gap; 0 accepts only deliverable messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, PushError, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(8).with_max_gap(1000);
    /// let forged = Message::new('a', [('a', 1), ('z', u64::MAX)].into_iter().collect::<VClock<_>>(), ())?;
    /// let err = buffer.offer(forged).unwrap_err();
    /// assert!(matches!(err, PushError::GapTooLarge { actor: 'z', counter: u64::MAX, .. }));
    /// assert!(buffer.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub const fn with_max_gap(mut self, max_gap: u64) -> Self {
        self.max_gap = max_gap;
        self
    }

    /// For each sender, how many of its messages have been delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.stamp('a', ())?;
    /// assert_eq!(buffer.delivered().get(&'a'), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn delivered(&self) -> &VClock<A> {
        &self.delivered
    }

    /// The most messages the buffer holds waiting (ready messages aside).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// assert_eq!(CausalBuffer::<char, ()>::new(3).capacity(), 3);
    /// ```
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// The most waiting messages one sender may have; see
    /// [`with_sender_capacity`](Self::with_sender_capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// let buffer = CausalBuffer::<char, ()>::new(8).with_sender_capacity(2);
    /// assert_eq!(buffer.sender_capacity(), 2);
    /// ```
    pub const fn sender_capacity(&self) -> usize {
        self.sender_capacity
    }

    /// The largest accepted gap; see [`with_max_gap`](Self::with_max_gap).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// assert_eq!(CausalBuffer::<char, ()>::new(8).with_max_gap(5).max_gap(), 5);
    /// ```
    pub const fn max_gap(&self) -> u64 {
        self.max_gap
    }

    /// Number of messages held: waiting ones and ready ones not yet taken.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), ())?;
    /// buffer.offer(early)?;
    /// assert_eq!(buffer.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub const fn len(&self) -> usize {
        self.len
    }

    /// Whether no message is held.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::CausalBuffer;
    ///
    /// assert!(CausalBuffer::<char, ()>::new(4).is_empty());
    /// ```
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Number of held messages that are ready to be delivered now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer(Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), ())?)?;
    /// assert_eq!(buffer.ready_len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ready_len(&self) -> usize {
        self.ready.len()
    }

    /// Iterates over the held messages, by sender and then sequence number.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), "x")?;
    /// buffer.offer(early)?;
    /// let payloads: Vec<_> = buffer.waiting().map(|m| *m.payload()).collect();
    /// assert_eq!(payloads, ["x"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn waiting(&self) -> impl Iterator<Item = &Message<A, M>> + '_ {
        self.queues.values().flat_map(|q| q.messages.values())
    }
}

impl<A: Ord + Clone, M> CausalBuffer<A, M> {
    /// Stamps a new message from `sender` for broadcast and records it as delivered
    /// here: a node delivers its own message when it sends it. The clock is
    /// [`delivered`](Self::delivered) with `sender`'s entry advanced by one. Hand the
    /// returned message to the local application and send it to the other nodes;
    /// pushing it back into this buffer is a harmless duplicate.
    ///
    /// Each call takes a new dot, so two stamps never share one. After a restart,
    /// restore the last dot this node stamped with
    /// [`mark_delivered`](Self::mark_delivered) before stamping again.
    ///
    /// # Errors
    ///
    /// [`StampError::CounterOverflow`] if `sender` has already sent `u64::MAX`
    /// messages; [`StampError::DotTaken`] if a received message holding the next dot
    /// of `sender` is held. The buffer is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Pushed};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let first = buffer.stamp('a', "hello")?;
    /// let second = buffer.stamp('a', "again")?;
    /// assert_eq!(first.dot(), Dot::new('a', 1)?);
    /// assert_eq!(second.dot(), Dot::new('a', 2)?);
    /// assert_eq!(buffer.push(first, |_| {})?, Pushed::Duplicate);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn stamp(&mut self, sender: A, payload: M) -> Result<Message<A, M>, StampError> {
        self.try_stamp(sender, payload)
            .inspect_err(|error| crate::trace::stamp_refused(*error))
    }

    fn try_stamp(&mut self, sender: A, payload: M) -> Result<Message<A, M>, StampError> {
        let last = self.delivered.get(&sender);
        let seq = last
            .checked_add(1)
            .ok_or(StampError::CounterOverflow { counter: last })?;
        if self
            .queues
            .get(&sender)
            .is_some_and(|q| q.messages.contains_key(&seq))
        {
            return Err(StampError::DotTaken { counter: seq });
        }
        let mut clock = self.delivered.clone();
        clock.raise(&sender, seq);
        let dot = Dot::new(sender.clone(), seq)
            .map_err(|_| StampError::CounterOverflow { counter: last })?;
        let message = Message {
            sender: sender.clone(),
            clock,
            seq: dot.counter_nonzero(),
            payload,
        };
        self.delivered.raise(&sender, seq);
        self.after_delivery(dot);
        Ok(message)
    }

    /// Whether the message with `dot` has been delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot};
    ///
    /// let mut buffer = CausalBuffer::<char, ()>::new(4);
    /// buffer.stamp('a', ())?;
    /// assert!(buffer.is_delivered(&Dot::new('a', 1)?));
    /// assert!(!buffer.is_delivered(&Dot::new('a', 2)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_delivered(&self, dot: &Dot<A>) -> bool {
        self.delivered.contains(dot)
    }

    /// Whether the message with `dot` is held in the buffer, waiting or ready.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// let early = Message::new('a', [('a', 2)].into_iter().collect::<VClock<_>>(), ())?;
    /// buffer.offer(early)?;
    /// assert!(buffer.is_waiting(&Dot::new('a', 2)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_waiting(&self, dot: &Dot<A>) -> bool {
        self.queues
            .get(dot.actor())
            .is_some_and(|q| q.messages.contains_key(&dot.counter()))
    }

    /// Whether the message with `dot` is held and ready to be delivered now.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer(Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), ())?)?;
    /// assert!(buffer.is_ready(&Dot::new('a', 1)?));
    /// buffer.ready().for_each(drop);
    /// assert!(!buffer.is_ready(&Dot::new('a', 1)?));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_ready(&self, dot: &Dot<A>) -> bool {
        self.queues.get(dot.actor()).is_some_and(|q| {
            matches!(q.head, Head::Ready)
                && q.messages.first_key_value().map(|(s, _)| *s) == Some(dot.counter())
        })
    }

    /// Takes a received message in without delivering anything; see
    /// [`ready`](Self::ready) and [`try_deliver`](Self::try_deliver) to deliver.
    ///
    /// A copy of a delivered message, or of a held one with the same clock, is dropped
    /// ([`Offered::Duplicate`]). A deliverable message is held as ready
    /// ([`Offered::Ready`]) and needs no slot; any other waits
    /// ([`Offered::Waiting`]). Payloads are not compared; use
    /// [`offer_checked`](Self::offer_checked) to refuse a copy whose payload differs
    /// from the held one.
    ///
    /// # Errors
    ///
    /// The message is returned inside the error and the buffer is unchanged:
    ///
    /// * [`PushError::Conflict`] if a held message has the same dot and another clock;
    /// * [`PushError::GapTooLarge`] if the message depends on an event more than
    ///   [`max_gap`](Self::max_gap) past what is delivered from its actor;
    /// * [`PushError::Full`] or [`PushError::SenderFull`] if the message would have to
    ///   wait and the buffer, or its sender's share of it, is full.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, Offered, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// assert_eq!(buffer.offer(Message::new('a', clock(2), 2)?)?, Offered::Waiting);
    /// assert_eq!(buffer.offer(Message::new('a', clock(1), 1)?)?, Offered::Ready);
    /// assert_eq!(buffer.offer(Message::new('a', clock(1), 1)?)?, Offered::Duplicate);
    /// assert_eq!(buffer.ready().map(|m| m.into_payload()).collect::<Vec<_>>(), [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offer(&mut self, message: Message<A, M>) -> Result<Offered, PushError<A, M>> {
        self.offer_with(message, |_, _| true)
    }

    /// As [`offer`](Self::offer), and a copy of a held message whose payload differs
    /// from the held one's is a conflict too.
    ///
    /// # Errors
    ///
    /// As [`offer`](Self::offer); [`PushError::Conflict`] also when the payloads
    /// differ.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, Offered, PushError, VClock};
    ///
    /// let clock = || [('a', 2)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer_checked(Message::new('a', clock(), "first")?)?;
    /// let err = buffer.offer_checked(Message::new('a', clock(), "second")?).unwrap_err();
    /// assert!(matches!(err, PushError::Conflict { counter: 2, .. }));
    /// assert_eq!(buffer.offer_checked(Message::new('a', clock(), "first")?)?, Offered::Duplicate);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn offer_checked(&mut self, message: Message<A, M>) -> Result<Offered, PushError<A, M>>
    where
        M: PartialEq,
    {
        self.offer_with(message, |held, new| held == new)
    }

    fn offer_with(
        &mut self,
        message: Message<A, M>,
        same_payload: impl FnOnce(&M, &M) -> bool,
    ) -> Result<Offered, PushError<A, M>> {
        let seq = message.seq();
        let known = self.delivered.get(&message.sender);
        if seq <= known {
            return Ok(Offered::Duplicate);
        }
        // One lookup of the sender's queue serves the checks and the insertion.
        let entry = self.queues.entry(message.sender.clone());
        let queue = match &entry {
            Entry::Occupied(occupied) => Some(occupied.get()),
            Entry::Vacant(_) => None,
        };
        if let Some(held) = queue.and_then(|q| q.messages.get(&seq)) {
            if held.clock == message.clock && same_payload(&held.payload, &message.payload) {
                return Ok(Offered::Duplicate);
            }
            crate::trace::conflict(seq);
            return Err(PushError::Conflict {
                counter: seq,
                message,
            });
        }
        if self.max_gap < u64::MAX
            && let Some((actor, counter, delivered)) =
                beyond_gap(&self.delivered, &message, self.max_gap)
        {
            crate::trace::gap_too_large(seq, counter, delivered, self.max_gap);
            return Err(PushError::GapTooLarge {
                actor,
                counter,
                delivered,
                max_gap: self.max_gap,
                message,
            });
        }
        // `known < seq`, so `known + 1` cannot overflow.
        let next = seq == known + 1;
        let unmet = if next {
            first_unmet(&self.delivered, &message, 0)
        } else {
            None
        };
        let ready = next && unmet.is_none();
        if !ready {
            if self.len - self.ready.len() >= self.capacity {
                crate::trace::buffer_full(seq, self.capacity);
                return Err(PushError::Full {
                    capacity: self.capacity,
                    message,
                });
            }
            let sender_waiting = queue.map_or(0, |q| {
                q.messages.len() - usize::from(matches!(q.head, Head::Ready))
            });
            if sender_waiting >= self.sender_capacity {
                crate::trace::sender_full(seq, self.sender_capacity);
                return Err(PushError::SenderFull {
                    sender_capacity: self.sender_capacity,
                    message,
                });
            }
        }
        let sender = message.sender.clone();
        let on = unmet.and_then(|i| entry_dot(&message.clock, i).map(|dot| (dot, i)));
        let queue = entry.or_insert_with(|| Queue {
            messages: BTreeMap::new(),
            head: Head::Idle,
        });
        queue.messages.insert(seq, message);
        self.len += 1;
        if !next {
            // Not the sender's next message: it waits behind the missing ones, and
            // the first held message (this or an earlier one) stays idle.
            return Ok(Offered::Waiting);
        }
        // The sender's next message is the smallest it can have, so it is now the
        // first of the queue, which was idle before.
        match on {
            None => {
                queue.head = Head::Ready;
                self.ready.push_back(sender);
                Ok(Offered::Ready)
            }
            Some((on, cursor)) => {
                self.waiters.entry(on.clone()).or_default().insert(sender);
                queue.head = Head::Blocked { on, cursor };
                Ok(Offered::Waiting)
            }
        }
    }

    /// The ranges of dots the held message `dot` still waits for and that have not
    /// arrived: what to ask their senders for. `None` if no message with `dot` is held.
    ///
    /// A held message cannot be delivered before every dot its clock counts, and a held
    /// predecessor not before the dots *its* clock counts. The report is the closure:
    /// every dot counted by the message's clock or by the clock of a held message it
    /// (transitively) depends on, less the dots already delivered and the messages
    /// already held. Along a real causal history this is simply the message's own
    /// predecessors that have not arrived, and the message becomes ready once they
    /// have; the closure matters when senders disagree (a forged or reused dot).
    ///
    /// An empty report means nothing more needs to arrive. Either the message is
    /// [ready](Self::is_ready) or waits only for ready messages: deliver them with
    /// [`ready`](Self::ready) or [`try_deliver`](Self::try_deliver). Or it waits on held
    /// messages that wait on it in turn, inconsistent stamps that can never be
    /// delivered: only then take them out with [`remove`](Self::remove).
    ///
    /// Ranges keep the report small however far ahead a stamp claims to be: one range
    /// per actor, split only around held messages. Building it reads each held message
    /// at most once, but looks at every sender's queue once per round and repeats the
    /// round while the closure grows: a round or two along a real causal history, and
    /// at worst one round per sender (a chain of held messages each depending on a
    /// sender that comes earlier in actor order), `O(s² log s)` for `s` senders with
    /// held messages.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Dot, DotRange, Message, VClock};
    ///
    /// let clock: VClock<char> = [('a', 3), ('b', 1)].into_iter().collect();
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer(Message::new('a', clock, ())?)?;
    /// let missing: Vec<_> = buffer.missing(&Dot::new('a', 3)?).unwrap().collect();
    /// assert_eq!(missing, [DotRange::new('a', 1, 2)?, DotRange::new('b', 1, 1)?]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn missing(&self, dot: &Dot<A>) -> Option<Missing<A>> {
        let message = self.queues.get(dot.actor())?.messages.get(&dot.counter())?;
        Some(missing::missing(self, message))
    }
}
