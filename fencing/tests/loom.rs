//! Loom models of concurrent admission on `FenceGuard`, `Fenced`, `DurableFence` and
//! `KeyedFence`. Compiled only with `RUSTFLAGS="--cfg ward_loom"`; loom runs every
//! interleaving of the threads below.
#![cfg(ward_loom)]

use std::collections::hash_map::DefaultHasher;
use std::hash::BuildHasherDefault;

use loom::sync::Arc;
use loom::thread;
use ward_fencing::{
    Admission, DurableFence, FenceGuard, Fenced, FencingToken, KeyedFence, MarkStore, MemoryStore,
    StoreError,
};

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

/// Two holders race to raise the mark from 1: the higher (3) always wins; the lower (2) is
/// admitted exactly when it went first, and then 3 sees it as the previous mark.
#[test]
fn guard_racing_raises() {
    loom::model(|| {
        let guard = Arc::new(FenceGuard::with_mark(t(1)));
        let g = Arc::clone(&guard);
        let high = thread::spawn(move || g.admit(t(3)));
        let low = guard.admit(t(2));
        let high = high.join().unwrap();

        assert_eq!(guard.mark(), Some(t(3)));
        match (low, high) {
            (
                Ok(Admission::Raised { previous: p_low }),
                Ok(Admission::Raised { previous: p_high }),
            ) => {
                assert_eq!(p_low, Some(t(1)));
                assert_eq!(p_high, Some(t(2)));
            }
            (Err(stale), Ok(Admission::Raised { previous })) => {
                assert_eq!((stale.presented(), stale.mark()), (t(2), t(3)));
                assert_eq!(previous, Some(t(1)));
            }
            other => panic!("impossible outcome {other:?}"),
        }
    });
}

/// Two holders with the same token and one with a lower token: the equal ones are both
/// admitted (one raises, one sees it unchanged), the lower one is admitted only before them.
#[test]
fn guard_equal_tokens_and_a_zombie() {
    loom::model(|| {
        let guard = Arc::new(FenceGuard::new());
        let handles: Vec<_> = [5, 5]
            .into_iter()
            .map(|v| {
                let g = Arc::clone(&guard);
                thread::spawn(move || g.admit(t(v)))
            })
            .collect();
        let zombie = guard.admit(t(4));
        let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();

        let raised = results
            .iter()
            .filter(|r| matches!(r, Ok(a) if a.is_raised()))
            .count();
        let unchanged = results
            .iter()
            .filter(|r| matches!(r, Ok(Admission::Unchanged)))
            .count();
        assert_eq!((raised, unchanged), (1, 1));
        let raiser_previous = results
            .iter()
            .find_map(|r| match r {
                Ok(Admission::Raised { previous }) => Some(*previous),
                _ => None,
            })
            .unwrap();
        match zombie {
            Ok(_) => assert_eq!(raiser_previous, Some(t(4))),
            Err(stale) => {
                assert_eq!(stale.mark(), t(5));
                assert_eq!(raiser_previous, None);
            }
        }
        assert_eq!(guard.mark(), Some(t(5)));
    });
}

/// Two holders write through `Fenced` while a reader takes snapshots: the log's tokens never
/// decrease, an admitted write is in the log, a refused one is not, and every snapshot shows
/// a mark equal to the token of the last write in its log.
#[test]
fn fenced_check_and_apply_are_atomic() {
    loom::model(|| {
        let cell = Arc::new(Fenced::new(Vec::<u64>::new()));
        let writers: Vec<_> = [1, 2]
            .into_iter()
            .map(|v| {
                let c = Arc::clone(&cell);
                thread::spawn(move || c.write(t(v), |log| log.push(v)).is_ok())
            })
            .collect();
        let (mark, log) = cell.snapshot();
        assert_eq!(mark.map(FencingToken::get), log.last().copied());
        assert!(log.windows(2).all(|w| w[0] <= w[1]));

        let admitted: Vec<bool> = writers.into_iter().map(|h| h.join().unwrap()).collect();
        let (mark, log) = cell.snapshot();
        assert!(admitted[1], "the highest token is never refused");
        assert_eq!(mark, Some(t(2)));
        assert_eq!(log.contains(&1), admitted[0]);
        assert!(log.windows(2).all(|w| w[0] <= w[1]), "{log:?}");
    });
}

/// A holder fencing (raise only) races a stale writer: the stale write lands only if it
/// completed before the fence.
#[test]
fn fenced_fence_against_a_stale_write() {
    loom::model(|| {
        let cell = Arc::new(Fenced::with_mark(0_u64, t(1)));
        let c = Arc::clone(&cell);
        let stale = thread::spawn(move || c.write(t(1), |v| *v = 1).is_ok());
        let fenced = cell.fence(t(2)).unwrap();
        let stale_ok = stale.join().unwrap();
        assert!(fenced.is_raised());
        assert_eq!(cell.get(), u64::from(stale_ok));
        assert!(cell.write(t(1), |v| *v = 9).is_err());
    });
}

/// One admission's outcome in plain numbers: `Ok(Some(previous))` raised the mark,
/// `Ok(None)` left it unchanged, `Err(mark)` was refused by `mark`.
type Outcome = (u64, Result<Option<Option<u64>>, u64>);

/// The admission rule applied sequentially, for the linearizability checks below.
fn sequential(order: &[u64]) -> (Vec<Outcome>, u64) {
    let mut mark = 0;
    let mut out = Vec::new();
    for &token in order {
        let result = if token < mark {
            Err(mark)
        } else if token == mark {
            Ok(None)
        } else {
            let previous = (mark != 0).then_some(mark);
            mark = token;
            Ok(Some(previous))
        };
        out.push((token, result));
    }
    (out, mark)
}

/// All orders of three items.
fn permutations(items: [u64; 3]) -> Vec<[u64; 3]> {
    let [a, b, c] = items;
    vec![
        [a, b, c],
        [a, c, b],
        [b, a, c],
        [b, c, a],
        [c, a, b],
        [c, b, a],
    ]
}

/// Three holders (one of them repeating another's token) admit concurrently on a fresh
/// guard: the outcomes and the final mark equal those of some sequential order (admission
/// is linearizable).
#[test]
fn guard_three_holders_are_linearizable() {
    loom::model(|| {
        let tokens = [2_u64, 3, 2];
        let guard = Arc::new(FenceGuard::new());
        let handles: Vec<_> = tokens[1..]
            .iter()
            .map(|&v| {
                let g = Arc::clone(&guard);
                thread::spawn(move || g.admit(t(v)))
            })
            .collect();
        let first = guard.admit(t(tokens[0]));
        let mut observed: Vec<Outcome> = Vec::new();
        let results = std::iter::once(first).chain(handles.into_iter().map(|h| h.join().unwrap()));
        for (&token, result) in tokens.iter().zip(results) {
            let result = match result {
                Ok(Admission::Raised { previous }) => Ok(Some(previous.map(FencingToken::get))),
                Ok(Admission::Unchanged) => Ok(None),
                Err(stale) => Err(stale.mark().get()),
            };
            observed.push((token, result));
        }
        let final_mark = guard.mark().map_or(0, FencingToken::get);

        let explained = permutations([0, 1, 2]).into_iter().any(|order| {
            let (outcomes, mark) = sequential(&order.map(|i| tokens[i as usize]));
            // Match outcomes back to holders by position in `order`.
            let mut by_holder = vec![None; 3];
            for (slot, outcome) in order.iter().zip(outcomes) {
                by_holder[*slot as usize] = Some(outcome);
            }
            mark == final_mark
                && by_holder
                    .into_iter()
                    .zip(&observed)
                    .all(|(want, got)| want.as_ref() == Some(got))
        });
        assert!(explained, "no sequential order explains {observed:?}");
    });
}

/// Three holders write through `Fenced` concurrently: which writes were refused, the log of
/// applied writes and the final mark equal those of some sequential order.
#[test]
fn fenced_three_writers_are_linearizable() {
    loom::model(|| {
        let tokens = [2_u64, 3, 2];
        let cell = Arc::new(Fenced::new(Vec::<usize>::new()));
        let handles: Vec<_> = (1..3)
            .map(|holder| {
                let c = Arc::clone(&cell);
                thread::spawn(move || c.write(t(tokens[holder]), |log| log.push(holder)).is_ok())
            })
            .collect();
        let first = cell.write(t(tokens[0]), |log| log.push(0)).is_ok();
        let admitted: Vec<bool> = std::iter::once(first)
            .chain(handles.into_iter().map(|h| h.join().unwrap()))
            .collect();
        let (mark, log) = cell.snapshot();

        let explained = permutations([0, 1, 2]).into_iter().any(|order| {
            let (outcomes, model_mark) = sequential(&order.map(|i| tokens[i as usize]));
            let model_log: Vec<usize> = order
                .iter()
                .zip(&outcomes)
                .filter(|(_, (_, r))| r.is_ok())
                .map(|(&i, _)| i as usize)
                .collect();
            let model_admitted = (0..3).all(|holder| {
                let position = order.iter().position(|&i| i as usize == holder).unwrap();
                outcomes[position].1.is_ok() == admitted[holder]
            });
            model_log == log && model_admitted && Some(model_mark) == mark.map(FencingToken::get)
        });
        assert!(
            explained,
            "no sequential order explains log {log:?}, admitted {admitted:?}"
        );
    });
}

/// A store with no locks or atomics of its own, so that only the fence's primitives are
/// involved.
#[derive(Debug, Default)]
struct PlainStore(Option<FencingToken>);

impl MarkStore for PlainStore {
    fn load(&mut self) -> Result<Option<FencingToken>, StoreError> {
        Ok(self.0)
    }

    fn persist(&mut self, mark: FencingToken) -> Result<(), StoreError> {
        self.0 = Some(mark);
        Ok(())
    }
}

/// Issue 17, defect 6: `DurableFence` used parking_lot's mutex and core's atomics directly,
/// so loom never saw it. Its primitives are loom's now: making one outside a model panics
/// (loom's objects need a model's execution).
#[test]
#[should_panic(expected = "outside a Loom model")]
fn regression_durable_fence_primitives_are_loom_primitives() {
    let _ = DurableFence::open(PlainStore::default());
}

/// Issue 17, defect 6: the same for `KeyedFence` and its shards' locks.
#[test]
#[should_panic(expected = "outside a Loom model")]
fn regression_keyed_fence_primitives_are_loom_primitives() {
    let _ = KeyedFence::<u64, BuildHasherDefault<DefaultHasher>>::with_shards_and_hasher(
        1,
        BuildHasherDefault::default(),
    );
}

/// Two holders write through a durable fence while the mark is at 1: the higher token is
/// always admitted; the lower one exactly when it went first. Every admission is durable
/// before its `Ok`, and after both the store and the fence agree on 3.
#[test]
fn durable_fence_racing_writers_are_linearizable_and_durable_first() {
    loom::model(|| {
        let store = MemoryStore::new();
        let mut initial = store.clone();
        initial.persist(t(1)).unwrap();
        let fence = Arc::new(DurableFence::open(store.clone()).unwrap());
        let (f, s) = (Arc::clone(&fence), store.clone());
        let low = thread::spawn(move || {
            let result = f.write(t(2), || s.mark());
            if let Ok((durable, _)) = &result {
                // The write ran after its token was durable.
                assert!(*durable >= Some(t(2)));
            }
            result
                .map(|(_, admission)| admission)
                .map_err(|e| e.as_stale().copied())
        });
        let high = fence.write(t(3), || store.mark());
        let low = low.join().unwrap();
        let (durable, high) = high.unwrap();
        assert!(durable >= Some(t(3)));
        match (low, high) {
            (Ok(Admission::Raised { previous: p_low }), Admission::Raised { previous: p_high }) => {
                assert_eq!(p_low, Some(t(1)));
                assert_eq!(p_high, Some(t(2)));
            }
            (Err(Some(stale)), Admission::Raised { previous }) => {
                assert_eq!((stale.presented(), stale.mark()), (t(2), t(3)));
                assert_eq!(previous, Some(t(1)));
            }
            other => panic!("impossible outcome {other:?}"),
        }
        assert_eq!(fence.mark(), Some(t(3)));
        assert_eq!(store.mark(), Some(t(3)));
    });
}

/// `admit`'s lock-free path (a token at or below the published mark) races a raise: a
/// stale token is refused with a mark that is durable, and the current token's holder is
/// admitted unchanged.
#[test]
fn durable_fence_fast_path_sees_only_durable_marks() {
    loom::model(|| {
        let store = MemoryStore::new();
        let fence = Arc::new(DurableFence::open(store.clone()).unwrap());
        let f = Arc::clone(&fence);
        let raiser = thread::spawn(move || f.admit(t(5)).is_ok());
        let zombie = fence.admit(t(4));
        assert!(raiser.join().unwrap());
        match zombie {
            Ok(Admission::Raised { previous: None }) => {}
            Err(e) => {
                let stale = e.as_stale().copied().unwrap();
                assert_eq!(stale.mark(), t(5));
            }
            other => panic!("impossible outcome {other:?}"),
        }
        assert_eq!(store.mark(), Some(t(5)));
        assert_eq!(fence.admit(t(5)).unwrap(), Admission::Unchanged);
    });
}

type Keyed = KeyedFence<u8, BuildHasherDefault<DefaultHasher>>;

/// Two holders race on a key nobody has seen (both miss under the shared lock, then insert
/// or raise under the exclusive one) while a third admits another key of the same shard:
/// the outcomes on the raced key are those of some sequential order, and the other key is
/// untouched.
#[test]
fn keyed_fence_racing_inserts_are_linearizable() {
    loom::model(|| {
        let fence =
            Arc::new(Keyed::with_shards_and_hasher(1, BuildHasherDefault::default()).unwrap());
        let f = Arc::clone(&fence);
        let low = thread::spawn(move || f.admit(&7, t(2)));
        let f = Arc::clone(&fence);
        let other = thread::spawn(move || f.admit(&9, t(1)));
        let high = fence.admit(&7, t(3));
        let low = low.join().unwrap();
        assert_eq!(
            other.join().unwrap(),
            Ok(Admission::Raised { previous: None })
        );
        match (low, high) {
            (Ok(Admission::Raised { previous: None }), Ok(Admission::Raised { previous })) => {
                assert_eq!(previous, Some(t(2)));
            }
            (Err(stale), Ok(Admission::Raised { previous: None })) => {
                assert_eq!((stale.presented(), stale.mark()), (t(2), t(3)));
            }
            other => panic!("impossible outcome {other:?}"),
        }
        assert_eq!(fence.mark(&7), Some(t(3)));
        assert_eq!(fence.mark(&9), Some(t(1)));
        assert_eq!(fence.len(), 2);
    });
}

/// A bounded fence with room for one key: two holders of different keys race, so one
/// admission evicts the other key into the floor. Whatever the order, the evicted key keeps
/// refusing tokens below its mark, and the fence holds one key.
#[test]
fn bounded_keyed_fence_eviction_never_readmits() {
    loom::model(|| {
        let fence = Arc::new(
            Keyed::bounded_with_shards_and_hasher(1, 1, BuildHasherDefault::default()).unwrap(),
        );
        let f = Arc::clone(&fence);
        let other = thread::spawn(move || f.admit(&1, t(5)));
        let mine = fence.admit(&2, t(7));
        let other = other.join().unwrap();
        assert_eq!(fence.len(), 1);
        // Whichever came second evicted the first.
        match (other, mine) {
            (Ok(_), Ok(_)) => {
                assert!(fence.admit(&1, t(4)).is_err());
                assert!(fence.admit(&2, t(6)).is_err());
            }
            // Both keys are new and the floor is 0 until the first eviction, which the
            // second admission does after its own check: neither can be refused.
            other => panic!("impossible outcome {other:?}"),
        }
    });
}

/// A file system in memory (its mutex is not loom's: nothing inside it can be preempted).
#[derive(Clone, Debug, Default)]
struct MemFs(
    std::sync::Arc<std::sync::Mutex<std::collections::HashMap<std::path::PathBuf, Vec<u8>>>>,
);

impl ward_fencing::FileSystem for MemFs {
    type Lock = ();

    fn try_lock(&self, _: &std::path::Path) -> std::io::Result<Option<()>> {
        Ok(Some(()))
    }
    fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        let files = self.0.lock().unwrap();
        files
            .get(path)
            .cloned()
            .ok_or_else(|| std::io::ErrorKind::NotFound.into())
    }
    fn write_new(&self, path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
        let mut files = self.0.lock().unwrap();
        if files.contains_key(path) {
            return Err(std::io::ErrorKind::AlreadyExists.into());
        }
        files.insert(path.to_path_buf(), bytes.to_vec());
        Ok(())
    }
    fn sync_file(&self, _: &std::path::Path) -> std::io::Result<()> {
        Ok(())
    }
    fn rename(&self, from: &std::path::Path, to: &std::path::Path) -> std::io::Result<()> {
        let mut files = self.0.lock().unwrap();
        let bytes = files
            .remove(from)
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))?;
        files.insert(to.to_path_buf(), bytes);
        Ok(())
    }
    fn sync_dir(&self, _: &std::path::Path) -> std::io::Result<()> {
        Ok(())
    }
    fn remove(&self, path: &std::path::Path) -> std::io::Result<()> {
        self.0.lock().unwrap().remove(path);
        Ok(())
    }
}

/// Two holders raise marks of the same key and another at once on a durable keyed fence:
/// whoever writes the batch answers the other, every answer is that of some sequential
/// order, and after a reopen the file holds the final marks.
#[test]
fn durable_keyed_fence_batches_answer_every_request() {
    loom::model(|| {
        let fs = MemFs::default();
        let path = std::path::Path::new("/marks");
        let fence = Arc::new(
            ward_fencing::DurableKeyedFence::<u64, MemFs>::create_with(fs.clone(), path).unwrap(),
        );
        let f = Arc::clone(&fence);
        let low = thread::spawn(move || f.admit(&1, t(2)));
        let f = Arc::clone(&fence);
        let other = thread::spawn(move || f.admit(&2, t(9)));
        let high = fence.admit(&1, t(3));
        let (low, other) = (low.join().unwrap(), other.join().unwrap());
        assert!(other.unwrap().is_raised());
        match (low, high) {
            (Ok(Admission::Raised { previous: None }), Ok(Admission::Raised { previous })) => {
                assert_eq!(previous, Some(t(2)));
            }
            (Err(e), Ok(Admission::Raised { previous: None })) => {
                assert!(
                    matches!(e, ward_fencing::DurableKeyedError::Stale(_)),
                    "{e:?}"
                );
            }
            other => panic!("impossible outcome {other:?}"),
        }
        assert_eq!(fence.mark(&1), Some(t(3)));
        drop(fence);
        let reopened = ward_fencing::DurableKeyedFence::<u64, MemFs>::open_with(fs, path).unwrap();
        assert_eq!(
            (reopened.mark(&1), reopened.mark(&2)),
            (Some(t(3)), Some(t(9)))
        );
    });
}
