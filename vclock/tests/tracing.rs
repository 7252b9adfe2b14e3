//! The `tracing` feature's events, under target `ward_vclock`: refused offers (full, a
//! sender's share full, a gap too large, a conflict), refused stamps, received messages
//! refused for a malformed stamp, and held messages taken out undelivered. The common
//! paths (offering, delivering, stamping) emit nothing.
#![cfg(all(feature = "tracing", feature = "std"))]

use ward_testkit::Collect;
use ward_vclock::{CausalBuffer, Dot, Message, VClock};

fn clock(entries: &[(char, u64)]) -> VClock<char> {
    entries.iter().copied().collect()
}

fn message(sender: char, entries: &[(char, u64)], payload: u32) -> Message<char, u32> {
    Message::new(sender, clock(entries), payload).unwrap()
}

#[test]
fn refused_offers_are_traced_with_their_numbers() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut buffer = CausalBuffer::new(2)
            .with_sender_capacity(1)
            .with_max_gap(10);
        buffer.offer(message('a', &[('a', 2)], 2)).unwrap();
        // The same dot with another clock: a conflict.
        buffer
            .offer(message('a', &[('a', 2), ('b', 1)], 2))
            .unwrap_err();
        // A second waiting message of `a`: its share is full.
        buffer.offer(message('a', &[('a', 3)], 3)).unwrap_err();
        buffer.offer(message('b', &[('b', 2)], 2)).unwrap();
        // Two waiting messages: the buffer is full.
        buffer.offer(message('c', &[('c', 2)], 2)).unwrap_err();
        // A forged dependency far ahead.
        buffer
            .offer(message('d', &[('d', 1), ('z', u64::MAX)], 1))
            .unwrap_err();
    });
    assert_eq!(
        collect.take(),
        [
            "ward_vclock WARN message refused: a different message with the same dot is held seq=2",
            "ward_vclock WARN sender's share of the causal buffer full: message refused seq=3 sender_capacity=1",
            "ward_vclock WARN causal buffer full: message refused seq=2 capacity=2",
            "ward_vclock WARN message refused: dependency beyond the allowed gap seq=1 counter=18446744073709551615 delivered=0 max_gap=10",
        ]
    );
}

#[test]
fn a_conflicting_payload_is_traced() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut buffer = CausalBuffer::new(4);
        buffer.offer_checked(message('a', &[('a', 5)], 1)).unwrap();
        buffer.offer_checked(message('a', &[('a', 5)], 1)).unwrap();
        buffer
            .offer_checked(message('a', &[('a', 5)], 2))
            .unwrap_err();
    });
    assert_eq!(
        collect.take(),
        ["ward_vclock WARN message refused: a different message with the same dot is held seq=5"]
    );
}

#[test]
fn refused_stamps_are_traced_as_errors() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut full = CausalBuffer::<char, ()>::with_delivered(4, clock(&[('a', u64::MAX)]));
        full.stamp('a', ()).unwrap_err();
        let mut taken = CausalBuffer::new(4);
        taken.offer(message('a', &[('a', 1), ('b', 1)], 1)).unwrap();
        taken.stamp('a', 9).unwrap_err();
    });
    assert_eq!(
        collect.take(),
        [
            "ward_vclock ERROR stamp refused error=sender has already stamped 18446744073709551615 messages, the most a counter holds",
            "ward_vclock ERROR stamp refused error=dot already taken: a received message with sequence number 1 of this sender is held",
        ]
    );
}

#[test]
fn malformed_received_messages_are_traced() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        Message::new('b', clock(&[('a', 1)]), ()).unwrap_err();
        let decoded: Result<Message<char, u8>, _> =
            serde_json::from_str(r#"{"sender":"b","clock":[["a",1]],"payload":0}"#);
        decoded.unwrap_err();
        let unsorted: Result<Message<char, u8>, _> =
            serde_json::from_str(r#"{"sender":"b","clock":[["b",1],["a",1]],"payload":0}"#);
        unsorted.unwrap_err();
        // A decoder's error quotes the offending value (here a payload that should have
        // been a number): the event must not carry it.
        let secret: Result<Message<char, u8>, _> =
            serde_json::from_str(r#"{"sender":"b","clock":[["b",1]],"payload":"hunter2"}"#);
        assert!(secret.unwrap_err().to_string().contains("hunter2"));
    });
    let events = collect.take();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(
        events[..2],
        [
            "ward_vclock WARN message refused: its clock has no entry for its sender",
            "ward_vclock WARN message refused: its clock has no entry for its sender",
        ]
    );
    assert_eq!(
        events[2..],
        [
            "ward_vclock WARN message refused at decode",
            "ward_vclock WARN message refused at decode",
        ],
        "events carry neither actors nor payloads"
    );
}

#[test]
fn held_messages_taken_out_undelivered_are_traced() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut buffer = CausalBuffer::new(8);
        buffer.offer(message('a', &[('a', 2)], 2)).unwrap();
        buffer.offer(message('a', &[('a', 3)], 3)).unwrap();
        buffer.offer(message('a', &[('a', 5)], 5)).unwrap();
        buffer.offer(message('b', &[('b', 2)], 2)).unwrap();
        buffer.offer(message('c', &[('c', 3)], 3)).unwrap();
        buffer.offer(message('c', &[('c', 4)], 4)).unwrap();
        assert_eq!(buffer.mark_delivered(&Dot::new('a', 3).unwrap()).len(), 2);
        // Nothing held up to b:1: no event.
        assert!(buffer.mark_delivered(&Dot::new('b', 1).unwrap()).is_empty());
        assert!(buffer.remove(&Dot::new('a', 5).unwrap()).is_some());
        assert!(buffer.remove(&Dot::new('a', 5).unwrap()).is_none());
        assert_eq!(buffer.remove_sender(&'c').len(), 2);
        assert!(buffer.remove_sender(&'c').is_empty());
    });
    assert_eq!(
        collect.take(),
        [
            "ward_vclock INFO held messages dropped: marked delivered upto=3 dropped=2",
            "ward_vclock INFO held message removed undelivered seq=5",
            "ward_vclock INFO sender's held messages removed undelivered dropped=2",
        ]
    );
}

#[test]
fn the_common_paths_emit_nothing() {
    let collect = Collect::default();
    tracing::subscriber::with_default(collect.clone(), || {
        let mut alice = CausalBuffer::new(4);
        let post = alice.stamp('a', 1).unwrap();
        let mut bob = CausalBuffer::new(4);
        bob.offer(post.clone()).unwrap();
        bob.ready().for_each(drop);
        let reply = bob.stamp('b', 2).unwrap();
        let mut carol = CausalBuffer::new(4).with_max_gap(4);
        carol.offer(reply.clone()).unwrap();
        carol.offer(reply).unwrap();
        assert!(carol.missing(&Dot::new('b', 1).unwrap()).is_some());
        carol.push(post.clone(), |_| {}).unwrap();
        carol.push(post, |_| {}).unwrap();
        assert_eq!(carol.try_deliver(|_| Ok::<(), ()>(())), Ok(0));
        let json = serde_json::to_string(&carol.stamp('c', 3).unwrap()).unwrap();
        let _: Message<char, u32> = serde_json::from_str(&json).unwrap();
    });
    assert_eq!(collect.take(), Vec::<String>::new());
}
