//! A second opener of a bound file in another process: the test binary runs itself as
//! the child. Alone in its own test binary, because a child spawned while another test
//! drops a clock holds that clock's lock until the child starts its program.
#![cfg(feature = "std")]

use std::process::Command;
use std::time::Duration;

use ward_hlc::{DurableHlc, DurableOptions, FileBoundStore, Hlc, ManualClock, RestartPolicy};

const START: u64 = 1_700_000_000_000_000;
const LEASE: Duration = Duration::from_secs(2);

const CHILD_ENV: &str = "WARD_HLC_LOCK_CHILD_PATH";

/// Run only as a child process by
/// `regression_second_opener_in_another_process_is_locked`: opens the bound file named by
/// the environment and prints what happened.
#[test]
#[ignore = "helper: run as a child process by the other-process lock test"]
fn child_process_opener() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let opened = DurableHlc::open(
        Hlc::builder(ManualClock::new(START)),
        FileBoundStore::new(path),
        DurableOptions::new(LEASE).restart(RestartPolicy::Jump),
    );
    match opened {
        Ok(_) => println!("CHILD-RESULT opened"),
        Err(e) => println!("CHILD-RESULT error: {e:?}"),
    }
}

/// Defect: a second process could open the bound file another process's clock was using.
#[test]
fn regression_second_opener_in_another_process_is_locked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b");
    let clock = ManualClock::new(START);
    let first =
        DurableHlc::create(Hlc::builder(&clock), FileBoundStore::new(&path), LEASE).unwrap();
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_opener",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .output()
        .expect("the test binary runs as a child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.starts_with("CHILD-RESULT"))
        .unwrap_or_else(|| panic!("no result from the child: {stdout}"));
    assert!(line.contains("Locked"), "{line}");
    drop(first);
    // Without the first clock the child opens it: the lock, not something else, refused.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_process_opener",
            "--ignored",
            "--nocapture",
        ])
        .env(CHILD_ENV, &path)
        .output()
        .expect("the test binary runs as a child");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("CHILD-RESULT opened"),
        "{out:?}"
    );
}
