//! A second opener of a mark file in another process is refused. In a test binary of its
//! own: a process being spawned holds a copy of every open lock until it runs the new
//! program, which would make other tests' quick close-then-reopen see a held lock.
#![cfg(feature = "std")]

use std::path::{Path, PathBuf};
use std::process::Command;

use ward_fencing::{DurableFence, FencingToken, FileStore, MarkStore, StoreError};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

fn created(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    drop(FileStore::create(&path).unwrap());
    path
}

/// The environment variable that turns `child_tries_to_open` into the child's side of
/// `regression_second_opener_in_another_process_is_refused`.
const CHILD_ENV: &str = "WARD_FENCING_LOCK_CHILD_PATH";

/// Runs this test binary again, as a child process, running only `child_tries_to_open` on
/// `path`; returns what the child reported.
fn child_outcome(path: &Path) -> String {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_tries_to_open",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "child failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .find_map(|line| {
            line.split_once("child outcome: ")
                .map(|(_, outcome)| outcome)
        })
        .unwrap_or_else(|| panic!("child reported nothing: {stdout}"))
        .to_string()
}

/// The child's side of the two-process test; run only by the parent (it is ignored
/// otherwise, and fails if run without the parent's path).
#[test]
#[ignore = "run by regression_second_opener_in_another_process_is_refused as its child"]
fn child_tries_to_open() {
    let path = std::env::var_os(CHILD_ENV).expect("run only as the child of the lock test");
    let outcome = match FileStore::open(&path) {
        Ok(mut store) => format!("opened {:?}", store.load().unwrap().map(FencingToken::get)),
        Err(StoreError::Locked { .. }) => String::from("locked"),
        Err(other) => format!("error {other}"),
    };
    println!("child outcome: {outcome}");
}

/// The same refusal across processes: while this process holds a fence on the file, a child
/// process cannot open it; once the fence is dropped, it can.
#[test]
fn regression_second_opener_in_another_process_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = created(dir.path(), "orders.mark");
    let fence = DurableFence::open(FileStore::open(&path).unwrap()).unwrap();
    fence.admit(t(40)).unwrap();
    assert_eq!(child_outcome(&path), "locked");
    drop(fence);
    assert_eq!(child_outcome(&path), "opened Some(40)");
}
