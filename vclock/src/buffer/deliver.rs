//! Taking ready messages out: pull-style, fallible, or all at once through a callback.

use core::iter::FusedIterator;

use super::index::resume;
use super::{CausalBuffer, Head, Offered, PushError, Pushed};
use crate::dot::Dot;
use crate::message::Message;

impl<A: Ord + Clone, M> CausalBuffer<A, M> {
    /// The ready message that [`pop_ready`](Self::pop_ready) would deliver next.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let mut buffer = CausalBuffer::new(4);
    /// assert!(buffer.peek_ready().is_none());
    /// buffer.offer(Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), "hi")?)?;
    /// assert_eq!(buffer.peek_ready().map(|m| *m.payload()), Some("hi"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn peek_ready(&self) -> Option<&Message<A, M>> {
        let sender = self.ready.front()?;
        let queue = self.queues.get(sender)?;
        queue.messages.first_key_value().map(|(_, m)| m)
    }

    /// Delivers the next ready message: records it as delivered, makes ready the held
    /// messages that waited only for it, and returns it. `None` if no message is ready.
    ///
    /// The buffer is updated before the message is returned, so whatever the caller
    /// does with it (even panicking) leaves the other messages intact and the next
    /// ready one available to the next call.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer(Message::new('a', clock(2), 2)?)?;
    /// buffer.offer(Message::new('a', clock(1), 1)?)?;
    /// assert_eq!(buffer.pop_ready().map(|m| m.into_payload()), Some(1));
    /// assert_eq!(buffer.pop_ready().map(|m| m.into_payload()), Some(2));
    /// assert!(buffer.pop_ready().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pop_ready(&mut self) -> Option<Message<A, M>> {
        let sender = self.ready.pop_front()?;
        let queue = self.queues.get_mut(&sender)?;
        queue.head = Head::Idle;
        let (seq, message) = queue.messages.pop_first()?;
        self.len -= 1;
        self.delivered.raise(&sender, seq);
        // The sender's next message, if held, is checked with the queue at hand.
        match queue.messages.first_key_value() {
            None => {
                self.queues.remove(&sender);
            }
            Some((next, _)) if seq.checked_add(1) == Some(*next) => resume(
                &self.delivered,
                &mut self.waiters,
                &mut self.ready,
                &sender,
                queue,
                0,
            ),
            Some(_) => {}
        }
        self.wake(&Dot::from_nonzero(sender, message.seq));
        Some(message)
    }

    /// An iterator that delivers the ready messages one at a time, in causal order,
    /// including those that become ready as earlier ones are delivered. Each message it
    /// yields counts as delivered; dropping the iterator early leaves the rest ready.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer(Message::new('a', clock(2), 2)?)?;
    /// buffer.offer(Message::new('a', clock(1), 1)?)?;
    /// let first: Vec<_> = buffer.ready().take(1).map(|m| m.into_payload()).collect();
    /// assert_eq!(first, [1]);
    /// assert_eq!(buffer.ready().map(|m| m.into_payload()).collect::<Vec<_>>(), [2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn ready(&mut self) -> Ready<'_, A, M> {
        Ready { buffer: self }
    }

    /// Hands each ready message, in causal order, to `deliver`, and counts it as
    /// delivered only when `deliver` returns `Ok`. Returns how many were delivered.
    ///
    /// # Errors
    ///
    /// The first error `deliver` returns; the message it refused stays ready (as after
    /// a panic in `deliver`), and the messages delivered before it stay delivered.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, VClock};
    ///
    /// let clock = |n| [('a', n)].into_iter().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// buffer.offer(Message::new('a', clock(1), "stored")?)?;
    /// buffer.offer(Message::new('a', clock(2), "disk full")?)?;
    /// let mut log = Vec::new();
    /// let mut write = |m: &Message<char, &'static str>| match *m.payload() {
    ///     "disk full" => Err("no space"),
    ///     p => Ok(log.push(p)),
    /// };
    /// assert_eq!(buffer.try_deliver(&mut write), Err("no space"));
    /// assert_eq!(buffer.ready_len(), 1);
    /// assert_eq!(buffer.try_deliver(|_| Ok::<(), ()>(())), Ok(1));
    /// assert!(buffer.is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn try_deliver<E>(
        &mut self,
        mut deliver: impl FnMut(&Message<A, M>) -> Result<(), E>,
    ) -> Result<usize, E> {
        let mut count = 0;
        while let Some(message) = self.peek_ready() {
            deliver(message)?;
            self.pop_ready();
            count += 1;
        }
        Ok(count)
    }

    /// Offers a received message and delivers every ready message through `deliver`,
    /// in causal order: the one-call form of [`offer`](Self::offer) followed by
    /// [`ready`](Self::ready).
    ///
    /// Returns [`Pushed::Delivered`] with the number of messages this call delivered
    /// when the pushed message was among them, and otherwise [`Pushed::Waiting`] or
    /// [`Pushed::Duplicate`]; messages that were already ready are delivered in every
    /// case.
    ///
    /// # Errors
    ///
    /// As [`offer`](Self::offer); the message is returned inside the error, the buffer
    /// is unchanged and nothing is delivered.
    ///
    /// # Panics
    ///
    /// A panic in `deliver` propagates. The message being handed over counts as
    /// delivered (it was given away); every other message stays in the buffer, and
    /// those that are ready are delivered by the next call of `push`,
    /// [`ready`](Self::ready), [`pop_ready`](Self::pop_ready) or
    /// [`try_deliver`](Self::try_deliver). Use [`try_deliver`](Self::try_deliver) to
    /// keep a message whose delivery fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_vclock::{CausalBuffer, Message, Pushed, VClock};
    ///
    /// let clock = |entries: &[(char, u64)]| entries.iter().copied().collect::<VClock<_>>();
    /// let mut buffer = CausalBuffer::new(4);
    /// let mut out = Vec::new();
    /// let second = Message::new('a', clock(&[('a', 2)]), 2)?;
    /// let first = Message::new('a', clock(&[('a', 1)]), 1)?;
    /// assert_eq!(buffer.push(second, |m| out.push(m.into_payload()))?, Pushed::Waiting);
    /// assert_eq!(buffer.push(first, |m| out.push(m.into_payload()))?, Pushed::Delivered(2));
    /// assert_eq!(out, [1, 2]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push(
        &mut self,
        message: Message<A, M>,
        mut deliver: impl FnMut(Message<A, M>),
    ) -> Result<Pushed, PushError<A, M>> {
        let offered = self.offer(message)?;
        let mut count = 0;
        while let Some(message) = self.pop_ready() {
            count += 1;
            deliver(message);
        }
        Ok(match offered {
            Offered::Ready => Pushed::Delivered(count),
            Offered::Waiting => Pushed::Waiting,
            Offered::Duplicate => Pushed::Duplicate,
        })
    }
}

/// Delivers the ready messages one at a time; see [`CausalBuffer::ready`].
///
/// # Examples
///
/// ```
/// use ward_vclock::{CausalBuffer, Message, VClock};
///
/// let mut buffer = CausalBuffer::new(4);
/// buffer.offer(Message::new('a', [('a', 1)].into_iter().collect::<VClock<_>>(), ())?)?;
/// let mut ready = buffer.ready();
/// assert!(ready.next().is_some());
/// assert!(ready.next().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub struct Ready<'a, A, M> {
    buffer: &'a mut CausalBuffer<A, M>,
}

impl<A: Ord + Clone, M> Iterator for Ready<'_, A, M> {
    type Item = Message<A, M>;

    fn next(&mut self) -> Option<Message<A, M>> {
        self.buffer.pop_ready()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.buffer.ready.len(), Some(self.buffer.len))
    }
}

impl<A: Ord + Clone, M> FusedIterator for Ready<'_, A, M> {}
