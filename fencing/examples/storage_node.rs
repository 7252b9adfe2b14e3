//! A storage node guarded by a durable fence: every write carries the writer's fencing token,
//! the node persists a raised mark before applying the write, and a restart of the node does
//! not let a paused old leader back in.
//!
//! ```text
//! cargo run -p ward-fencing --example storage_node
//! ```

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use ward_fencing::{DurableFence, DurableFenceError, FencingToken, FileStore, StoreError};

/// A toy key-value node: its data and the fence in front of it.
struct Node {
    fence: DurableFence<FileStore>,
    data: BTreeMap<String, String>,
}

impl Node {
    /// Opens the node's mark file, creating it on first start.
    fn start(mark: &Path) -> Result<Self, StoreError> {
        let store = match FileStore::open(mark) {
            Err(StoreError::Missing { .. }) => FileStore::create(mark)?,
            other => other?,
        };
        Ok(Self {
            fence: DurableFence::open(store)?,
            data: BTreeMap::new(),
        })
    }

    /// A fenced put: applied only if `token` is at or above the mark, after the mark is
    /// durable.
    fn put(
        &mut self,
        token: FencingToken,
        key: &str,
        value: &str,
    ) -> Result<(), DurableFenceError> {
        let data = &mut self.data;
        self.fence.write(token, || {
            data.insert(key.to_owned(), value.to_owned());
        })?;
        Ok(())
    }
}

/// A mark as a person reads it.
fn show(mark: Option<FencingToken>) -> String {
    mark.map_or_else(|| String::from("none"), |m| m.to_string())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let mark = dir.path().join("orders.mark");
    let (old, new) = (FencingToken::new(33)?, FencingToken::new(34)?);

    let mut node = Node::start(&mark)?;
    node.put(old, "order-7", "packed")?;
    println!("leader 33 wrote order-7 = packed");
    // Leader 33 pauses; its lease runs out; the lock service grants token 34.
    node.put(new, "order-7", "shipped")?;
    println!(
        "leader 34 wrote order-7 = shipped (mark {})",
        show(node.fence.mark())
    );

    // A second process trying to serve the same mark file is refused while this one runs.
    match Node::start(&mark) {
        Err(StoreError::Locked { .. }) => println!("a second node on the same mark file: refused"),
        other => {
            return Err(format!("expected a lock refusal, got {:?}", other.map(|_| ())).into());
        }
    }

    drop(node); // the storage node restarts
    let mut node = Node::start(&mark)?;
    let mark = node.fence.mark().map(|m| m.to_string());
    println!("node restarted with mark {}", mark.unwrap_or_default());

    // Leader 33 wakes up and sends the write it prepared before its pause.
    match node.put(old, "order-7", "cancelled") {
        Err(DurableFenceError::Stale(stale)) => println!("zombie write refused: {stale}"),
        other => return Err(format!("the zombie got in: {other:?}").into()),
    }
    Ok(())
}
