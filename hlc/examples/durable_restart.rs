//! A durable clock across restarts, with the physical clock set back in between.
//!
//! The first run issues timestamps and persists its bound; the "machine" then restarts
//! with its clock an hour behind. Waiting for the clock (the default) would take an
//! hour, so `open` says so; the operator restarts with `RestartPolicy::Jump`, and the
//! clock carries on above everything issued before. A manual clock stands in for the
//! system clock so the example runs instantly; the bound file is real.
//!
//! Run with `cargo run -p ward-hlc --example durable_restart`.

use std::time::Duration;

use ward_hlc::{
    DurableError, DurableHlc, DurableOptions, FileBoundStore, Hlc, ManualClock, RestartPolicy,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("ward-hlc-durable-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("hlc.bound");
    let lease = Duration::from_secs(1);
    let clock = ManualClock::new(1_700_000_000_000_000);

    // First boot: nothing is stored yet, so open_or_create creates the bound.
    let first =
        DurableHlc::open_or_create(Hlc::builder(&clock), FileBoundStore::new(&path), lease)?;
    let mut last = first.now()?;
    for _ in 0..3 {
        clock.advance(Duration::from_millis(400));
        last = first.now()?;
        println!("run 1 issued {last}, bound {} µs", first.persisted_bound());
    }
    // A second clock on the same file is refused while the first one runs.
    match DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), lease) {
        Err(e) => println!("second opener refused: {e}"),
        Ok(_) => return Err("a second opener got the bound file".into()),
    }
    drop(first);

    // The machine comes back with its clock an hour behind.
    clock.set(clock.now_micros() - 3_600_000_000);
    match DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), lease) {
        Err(e @ DurableError::BoundAhead { .. }) => println!("waiting refused: {e}"),
        Err(e) => return Err(e.into()),
        Ok(_) => return Err("opened without waiting an hour".into()),
    }
    let jump = DurableOptions::new(lease).restart(RestartPolicy::Jump);
    let second = DurableHlc::open(Hlc::builder(&clock), FileBoundStore::new(&path), jump)?;
    let next = second.now()?;
    println!("run 2 issued {next}, after {last}");
    assert!(next > last, "never backwards across the restart");
    drop(second);
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
