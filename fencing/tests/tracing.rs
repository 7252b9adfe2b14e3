//! The `tracing` feature's events, all under target `ward_fencing`: stale tokens refused by
//! every fence, marks raised on a durable fence, failed durable writes, and (against real
//! servers) locks lost by etcd and ZooKeeper holders. A holder presenting the current token
//! emits nothing.
#![cfg(feature = "tracing")]

#[cfg(any(feature = "etcd", feature = "zookeeper"))]
#[allow(dead_code)]
mod services;

use std::path::PathBuf;

use ward_fencing::{
    DurableFence, DurableKeyedFence, FenceGuard, Fenced, FencingToken, KeyedFence, MarkStore,
    MemoryStore, StoreError, TokenIssuer,
};
use ward_testkit::Collect;

fn t(v: u64) -> FencingToken {
    FencingToken::new(v).unwrap()
}

fn refused(fence: &str, presented: u64, mark: u64) -> String {
    format!("WARN stale fencing token refused fence=\"{fence}\" presented={presented} mark={mark}")
}

#[test]
fn every_fence_traces_a_refused_stale_token_and_nothing_else() {
    let collect = Collect::only("ward_fencing");
    tracing::subscriber::with_default(collect.clone(), || {
        let guard = FenceGuard::with_mark(t(34));
        guard.admit(t(34)).unwrap(); // the current holder: no event
        guard.admit(t(35)).unwrap(); // a raise in memory: no event
        assert!(guard.admit(t(33)).is_err());
        assert!(guard.check(t(1)).is_err());

        let cell = Fenced::new(0);
        cell.write(t(7), |v| *v = 1).unwrap();
        assert!(cell.write(t(6), |v| *v = 2).is_err());
        assert!(cell.fence(t(u64::MAX)).unwrap().is_raised());
        assert!(
            cell.try_write(t(u64::MAX - 1), |_| Ok::<_, ()>(()))
                .is_err()
        );

        let keyed = KeyedFence::new();
        keyed.admit("orders", t(5)).unwrap();
        keyed.admit("orders", t(5)).unwrap();
        assert!(keyed.admit("orders", t(4)).is_err());
        assert!(keyed.check("orders", t(2)).is_err());
        keyed.check("other", t(1)).unwrap();
    });
    assert_eq!(
        collect.take(),
        [
            refused("FenceGuard", 33, 35),
            refused("FenceGuard", 1, 35),
            refused("Fenced", 6, 7),
            refused("Fenced", u64::MAX - 1, u64::MAX),
            refused("KeyedFence", 4, 5),
            refused("KeyedFence", 2, 5),
        ]
    );
}

#[test]
fn durable_fences_trace_raised_marks_and_refusals() {
    let collect = Collect::only("ward_fencing");
    let dir = tempfile::tempdir().unwrap();
    tracing::subscriber::with_default(collect.clone(), || {
        let fence = DurableFence::open(MemoryStore::new()).unwrap();
        fence.admit(t(3)).unwrap();
        fence.admit(t(3)).unwrap(); // unchanged: nothing written, no event
        fence.write(t(9), || ()).unwrap();
        assert!(fence.admit(t(8)).is_err()); // refused on the lock-free path
        assert!(fence.try_write(t(2), || Ok::<_, ()>(())).is_err());

        let keyed = DurableKeyedFence::<u64>::create(dir.path().join("keyed")).unwrap();
        keyed.admit(&1, t(40)).unwrap();
        keyed.admit(&1, t(40)).unwrap();
        assert!(keyed.admit(&1, t(39)).is_err());
    });
    assert_eq!(
        collect.take(),
        [
            "INFO durable mark raised fence=\"DurableFence\" mark=3 raised=1".to_owned(),
            "INFO durable mark raised fence=\"DurableFence\" mark=9 raised=1".to_owned(),
            refused("DurableFence", 8, 9),
            refused("DurableFence", 2, 9),
            "INFO durable mark raised fence=\"DurableKeyedFence\" mark=40 raised=1".to_owned(),
            refused("DurableKeyedFence", 39, 40),
        ]
    );
}

/// A store whose every write fails, as a full or failing disk does.
struct FailingStore;

impl MarkStore for FailingStore {
    fn load(&mut self) -> Result<Option<FencingToken>, StoreError> {
        Ok(None)
    }
    fn persist(&mut self, _: FencingToken) -> Result<(), StoreError> {
        Err(StoreError::Missing {
            path: PathBuf::from("gone/mark"),
        })
    }
}

#[test]
fn failed_durable_writes_are_traced_as_errors() {
    let collect = Collect::only("ward_fencing");
    let dir = tempfile::tempdir().unwrap();
    let keyed_dir = dir.path().join("keyed");
    std::fs::create_dir(&keyed_dir).unwrap();
    tracing::subscriber::with_default(collect.clone(), || {
        let fence = DurableFence::open(FailingStore).unwrap();
        assert!(fence.admit(t(12)).is_err());
        let mut issuer = TokenIssuer::open(FailingStore).unwrap();
        assert!(issuer.issue().is_err());

        // The keyed fence's directory disappears under it: the batch and the eviction fail.
        let keyed = DurableKeyedFence::<u64>::create(keyed_dir.join("m")).unwrap();
        keyed.admit(&1, t(6)).unwrap();
        std::fs::remove_dir_all(&keyed_dir).unwrap();
        assert!(keyed.admit(&2, t(8)).is_err());
        assert!(keyed.evict(&1).is_err());
    });
    let events = collect.take();
    assert_eq!(events.len(), 5, "{events:#?}");
    assert_eq!(
        events[0],
        "ERROR durable write of a fencing mark failed owner=\"DurableFence\" mark=12 \
         error=mark file gone/mark is missing"
    );
    assert_eq!(
        events[1],
        "ERROR durable write of a fencing mark failed owner=\"TokenIssuer\" mark=1 \
         error=mark file gone/mark is missing"
    );
    assert_eq!(
        events[2],
        "INFO durable mark raised fence=\"DurableKeyedFence\" mark=6 raised=1"
    );
    for (event, mark) in events[3..].iter().zip([8, 6]) {
        assert!(
            event.starts_with(&format!(
                "ERROR durable write of a fencing mark failed owner=\"DurableKeyedFence\" \
                 mark={mark} error="
            )),
            "{event}"
        );
    }
}

/// A holder whose connection stalls loses its lock; the loss is traced with its token and
/// the reason. Runs on one thread so that the keep-alive task's events reach the
/// thread's subscriber.
#[cfg(any(feature = "etcd", feature = "zookeeper"))]
mod holders {
    use std::time::{Duration, Instant};

    use super::{Collect, services};

    /// Waits for `holder` to lose its lock (bounded) and returns the events seen.
    async fn lost_events(holder: &ward_fencing::LockHolder, collect: &Collect) -> Vec<String> {
        tokio::time::timeout(Duration::from_secs(20), holder.lost())
            .await
            .expect("the stalled holder reports the loss within 20 s");
        collect.take()
    }

    fn assert_lost(events: &[String], token: ward_fencing::FencingToken) {
        let prefix = format!("WARN lock lost token={token} reason=");
        assert!(
            events.iter().filter(|e| e.starts_with(&prefix)).count() == 1,
            "exactly one loss event of token {token}: {events:#?}"
        );
    }

    #[cfg(feature = "etcd")]
    #[tokio::test(flavor = "current_thread")]
    async fn an_etcd_holder_that_loses_its_lease_is_traced() {
        use ward_fencing::EtcdLock;
        use ward_fencing::etcd_client::{Client, ConnectOptions};

        let Some(etcd) = services::Etcd::start() else {
            return;
        };
        let proxy = services::Proxy::start(etcd.port()).await;
        let options = ConnectOptions::new()
            .with_connect_timeout(Duration::from_secs(5))
            .with_timeout(Duration::from_secs(5));
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut client = loop {
            let url = format!("http://127.0.0.1:{}", proxy.port());
            if let Ok(mut c) = Client::connect([url], Some(options.clone())).await
                && c.status().await.is_ok()
            {
                break c;
            }
            assert!(Instant::now() < deadline, "etcd not ready within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let collect = Collect::only("ward_fencing");
        let _guard = tracing::subscriber::set_default(collect.clone());
        let holder = EtcdLock::new("traced", Duration::from_secs(2), Duration::from_millis(300))
            .unwrap()
            .acquire(&mut client)
            .await
            .unwrap();
        proxy.pause();
        let events = lost_events(&holder, &collect).await;
        assert_lost(&events, holder.token());
        proxy.resume();
    }

    #[cfg(feature = "zookeeper")]
    #[tokio::test(flavor = "current_thread")]
    async fn a_zookeeper_holder_whose_session_expires_is_traced() {
        use ward_fencing::ZooKeeperElection;
        use ward_fencing::zookeeper_client::Client;

        let Some(zookeeper) = services::ZooKeeper::start() else {
            return;
        };
        let proxy = services::Proxy::start(zookeeper.port()).await;
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            let connected = tokio::time::timeout(
                Duration::from_secs(5),
                Client::connector()
                    .with_session_timeout(Duration::from_secs(2))
                    .with_connection_timeout(Duration::from_secs(2))
                    .connect(&format!("127.0.0.1:{}", proxy.port())),
            )
            .await;
            if let Ok(Ok(c)) = connected {
                break c;
            }
            assert!(Instant::now() < deadline, "ZooKeeper not ready within 30 s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let collect = Collect::only("ward_fencing");
        let _guard = tracing::subscriber::set_default(collect.clone());
        let holder = ZooKeeperElection::new("/traced", Duration::from_millis(300))
            .unwrap()
            .acquire(&client)
            .await
            .unwrap();
        proxy.pause();
        let events = lost_events(&holder, &collect).await;
        assert_lost(&events, holder.token());
        proxy.resume();
    }
}
