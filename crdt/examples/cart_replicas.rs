//! An OR-set shopping cart on three replicas that exchange JSON deltas.
//!
//! Replicas in `eu`, `us` and `ap` hold one customer's cart. Every change returns a small
//! delta, which travels as JSON and is decoded (and validated) on arrival. While the
//! replicas are cut off from each other, the customer removes the mug on `us` and, not
//! seeing that, adds a mug again on `ap`: the add wins, because the removal did not
//! observe it. The pen, removed after every replica had seen it, stays removed. When the
//! deltas arrive, in different orders and some twice, the three carts are equal.
//!
//! Then a round of anti-entropy: each replica sends its `digest` as JSON and the peer
//! answers with `delta_for` that digest. Equal peers send nothing. After a delta is lost,
//! the same round sends exactly the missing item.
//!
//! Run with `cargo run -p ward-crdt --features serde --example cart_replicas`.

use ward_crdt::{Digest, OrSet, Replica};

type Cart = OrSet<String, String>;

/// Encodes a delta for the wire.
fn ship(delta: &Cart) -> Result<String, serde_json::Error> {
    serde_json::to_string(delta)
}

/// Decodes a delta from the wire and merges it into `replica`.
fn receive(
    replica: &mut Replica<String, Cart>,
    json: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let delta: Cart = serde_json::from_str(json)?;
    replica.merge_delta(&delta)?;
    Ok(())
}

fn items(replica: &Replica<String, Cart>) -> Vec<&str> {
    replica.state().iter().map(String::as_str).collect()
}

/// One anti-entropy exchange: `to` sends its digest as JSON, `from` answers with the
/// optimal delta for it, as JSON. Returns the digest's size in bytes, the delta's JSON
/// and whether `from` had anything to send.
fn exchange(
    from: &Replica<String, Cart>,
    to: &Replica<String, Cart>,
) -> Result<(usize, String, bool), Box<dyn std::error::Error>> {
    let digest = serde_json::to_string(&to.state().digest())?;
    let peer: Digest<String> = serde_json::from_str(&digest)?;
    let delta = from.state().delta_for(&peer);
    let sent = delta != Cart::new();
    Ok((digest.len(), ship(&delta)?, sent))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut eu = Replica::new("eu".to_string(), Cart::new());
    let mut us = Replica::new("us".to_string(), Cart::new());
    let mut ap = Replica::new("ap".to_string(), Cart::new());

    // The customer fills the cart on `eu`; every replica gets the deltas.
    let pen = ship(&eu.add("pen".to_string())?)?;
    let mug = ship(&eu.add("mug".to_string())?)?;
    println!("delta for the pen on the wire: {pen}");
    for json in [&pen, &mug] {
        receive(&mut us, json)?;
    }
    for json in [&mug, &pen, &mug] {
        receive(&mut ap, json)?; // reordered, and the mug twice
    }

    // Cut off from each other, the replicas take changes.
    let from_us = [ship(&us.remove("mug")?)?]; // the mug us has seen
    let from_ap = [ship(&ap.add("mug".to_string())?)?]; // a mug again, concurrently
    let from_eu = [
        ship(&eu.add("book".to_string())?)?,
        ship(&eu.remove("pen")?)?,
    ];
    println!(
        "apart: eu {:?}, us {:?}, ap {:?}",
        items(&eu),
        items(&us),
        items(&ap)
    );

    // They meet again: every delta arrives, in a different order at each replica and
    // some twice.
    for json in from_us.iter().chain(from_ap.iter().rev()) {
        receive(&mut eu, json)?;
    }
    for json in from_eu.iter().rev().chain(&from_ap).chain(&from_eu) {
        receive(&mut us, json)?;
    }
    for json in from_us.iter().chain(from_eu.iter().rev()).chain(&from_us) {
        receive(&mut ap, json)?;
    }
    println!(
        "after the deltas: eu {:?}, us {:?}, ap {:?}",
        items(&eu),
        items(&us),
        items(&ap)
    );
    // The concurrent add of the mug wins over the removal that did not see it; the pen
    // stays removed; the three replicas hold the same state, not only the same items.
    assert_eq!(items(&eu), ["book", "mug"]);
    assert!(eu.state() == us.state() && us.state() == ap.state());

    // Anti-entropy between equal peers: a digest each way, nothing back.
    for (from, to) in [(&eu, &us), (&us, &ap), (&ap, &eu), (&us, &eu)] {
        let (digest, delta, sent) = exchange(from, to)?;
        println!(
            "{} -> {}: digest {digest} bytes, answer {delta} ({})",
            to.actor(),
            from.actor(),
            if sent {
                "something to send"
            } else {
                "nothing to send"
            }
        );
        assert!(!sent, "equal peers send nothing");
    }

    // A delta is lost: `us` adds a lamp and the message never leaves.
    let _lost = us.add("lamp".to_string())?;
    for to in [&mut eu, &mut ap] {
        let (digest, delta, sent) = exchange(&us, to)?;
        assert!(sent, "the lamp must be sent");
        receive(to, &delta)?;
        println!(
            "{} -> us after a lost delta: digest {digest} bytes, answer {} bytes, cart {:?}",
            to.actor(),
            delta.len(),
            items(to)
        );
    }
    assert_eq!(items(&ap), ["book", "lamp", "mug"]);
    assert!(eu.state() == us.state() && us.state() == ap.state());
    println!("three replicas converged on {:?}", items(&eu));
    Ok(())
}
