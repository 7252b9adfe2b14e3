//! A lock holder keeping its lease alive, on a simulated clock: renewals take the TTL the
//! lock service grants, a holder whose machine was suspended past its lease finds the lease
//! lost (it does not revive it), and the storage's fence refuses its late write while the
//! new holder's token gets in.
//!
//! ```text
//! cargo run -p ward-fencing --example lease_keepalive
//! ```
//!
//! On a real machine, run the lease on `BootClock` (Linux, Android), which keeps counting
//! while the machine is suspended; `SystemClock` does not there.

use std::error::Error;
use std::time::Duration;

use ward_fencing::{FenceGuard, FencingToken, LeaseError, LeaseRequest, ManualClock, drift_margin};

fn main() -> Result<(), Box<dyn Error>> {
    let s = Duration::from_secs;
    let ttl = s(10);
    // 200 ppm of clock drift plus 500 ms for a write to reach the storage.
    let margin = drift_margin(ttl, 200, Duration::from_millis(500));
    let clock = ManualClock::new();
    let storage = FenceGuard::new();

    // Acquire: read the clock before sending the request.
    let request = LeaseRequest::start(&clock);
    clock.advance(Duration::from_millis(30)); // the round trip
    let mut lease = request.granted(FencingToken::new(33)?, ttl, margin)?;
    println!("acquired {lease} (margin {margin:?})");

    // Three keep-alives, each sent 4 s after the last.
    for _ in 0..3 {
        clock.advance(s(4));
        storage.admit(lease.token())?; // a write under the lease
        let renewal = lease.start_renewal();
        clock.advance(Duration::from_millis(20));
        lease.renew(renewal, ttl)?; // the service answers with the full TTL
        println!("renewed: {lease}, {:?} left", lease.remaining());
    }

    // The machine is suspended for 40 s. On waking, the holder checks its lease...
    clock.advance(s(40));
    println!("after suspend: may act = {}", lease.may_act());
    // ...and a keep-alive can no longer save it.
    let renewal = lease.start_renewal();
    match lease.renew(renewal, ttl) {
        Err(e @ LeaseError::Expired { .. }) => println!("renewal refused: {e}"),
        other => return Err(format!("expected an expired lease, got {other:?}").into()),
    }

    // Meanwhile the service granted token 34 to another holder, which wrote.
    storage.admit(FencingToken::new(34)?)?;
    // A write the old holder prepared before the suspend arrives late: refused.
    match storage.admit(lease.token()) {
        Err(stale) => println!("late write refused: {stale}"),
        Ok(_) => return Err("the old holder got in".into()),
    }
    Ok(())
}
