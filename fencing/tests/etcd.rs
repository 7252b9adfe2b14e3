//! Locks and elections against a real etcd (started by the harness in `services`): the
//! zombie after lease loss, a SIGKILL and restart, ten contenders.

#[allow(dead_code)]
mod services;

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use services::{Etcd, Event, Proxy, check_turns};
use ward_fencing::etcd_client::{Client, ConnectOptions};
use ward_fencing::{CoordinationError, EtcdElection, EtcdLock, FenceGuard, Fenced};

/// Every request of a test client gives up after this long.
const REQUEST_LIMIT: Duration = Duration::from_secs(5);

async fn connect(port: u16) -> Client {
    let options = ConnectOptions::new()
        .with_connect_timeout(REQUEST_LIMIT)
        .with_timeout(REQUEST_LIMIT);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connected =
            Client::connect([format!("http://127.0.0.1:{port}")], Some(options.clone())).await;
        let error = match connected {
            Ok(mut client) => match client.status().await {
                Ok(_) => return client,
                Err(err) => err,
            },
            Err(err) => err,
        };
        assert!(
            Instant::now() < deadline,
            "etcd on {port} not ready within 30 s: {error}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn lock(name: &str) -> EtcdLock {
    EtcdLock::new(name, Duration::from_secs(2), Duration::from_millis(300))
        .unwrap()
        .with_acquire_timeout(Duration::from_secs(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zombie_after_lease_loss_is_refused_by_the_fence() {
    let Some(etcd) = Etcd::start() else { return };
    println!("etcd started in {:?}", etcd.started_in);
    let proxy = Proxy::start(etcd.port()).await;
    let mut a_client = connect(proxy.port()).await;
    let mut b_client = connect(etcd.port()).await;
    let storage = FenceGuard::new();

    let a = lock("zombie").acquire(&mut a_client).await.unwrap();
    let t = a.token();
    assert!(a.may_act());
    storage.admit(a.check().unwrap()).unwrap();

    // A stops renewing: its connection stalls, as if its process were paused.
    proxy.pause();
    let b = lock("zombie").acquire(&mut b_client).await.unwrap();
    let t2 = b.token();
    assert!(
        t2 > t,
        "the new holder's token {t2} must exceed the zombie's {t}"
    );
    storage.admit(b.check().unwrap()).unwrap();

    // A resumes and writes with its old token: the storage refuses it.
    proxy.resume();
    let refused = storage.admit(t).unwrap_err();
    assert_eq!((refused.presented(), refused.mark()), (t, t2));
    // And A's holder knows it lost the lock.
    tokio::time::timeout(Duration::from_secs(10), a.lost())
        .await
        .expect("A's holder reports the loss within 10 s");
    assert!(!a.may_act());
    assert!(matches!(a.check(), Err(CoordinationError::Lost { token }) if token == t));
    assert!(b.may_act());
    b.release().await.unwrap();
    a.release().await.unwrap(); // its lease is gone already: not an error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_and_restart_keeps_tokens_increasing() {
    let Some(mut etcd) = Etcd::start() else {
        return;
    };
    let mut before = Vec::new();
    {
        let mut client = connect(etcd.port()).await;
        for _ in 0..3 {
            let holder = lock("restart").acquire(&mut client).await.unwrap();
            before.push(holder.token());
            holder.release().await.unwrap();
        }
        // A holder still holding when the server dies.
        let held = lock("restart").acquire(&mut client).await.unwrap();
        before.push(held.token());
        etcd.kill();
        drop(held);
    }
    etcd.restart();
    println!("etcd restarted in {:?}", etcd.started_in);
    let mut client = connect(etcd.port()).await;
    let highest = *before.iter().max().unwrap();
    for _ in 0..3 {
        // The lock still held at the kill is freed when its lease runs out after restart.
        let holder = lock("restart").acquire(&mut client).await.unwrap();
        assert!(
            holder.token() > highest,
            "token {} after the restart is not above {highest}, issued before",
            holder.token()
        );
        holder.release().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_contenders_take_turns_with_strictly_increasing_tokens() {
    let Some(etcd) = Etcd::start() else { return };
    let history = Arc::new(Mutex::new(Vec::new()));
    let storage = Arc::new(Fenced::new(Vec::<u64>::new()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tasks = Vec::new();
    for who in 0..10 {
        let mut client = connect(etcd.port()).await;
        let history = Arc::clone(&history);
        let storage = Arc::clone(&storage);
        tasks.push(tokio::spawn(async move {
            let mut turns = 0;
            while turns < 3 && Instant::now() < deadline {
                let holder = lock("contenders").acquire(&mut client).await.unwrap();
                let token = holder.check().unwrap();
                history.lock().push(Event::Acquired {
                    who,
                    token: token.get(),
                });
                storage.write(token, |log| log.push(token.get())).unwrap();
                tokio::time::sleep(Duration::from_millis(5)).await;
                assert!(holder.may_act());
                history.lock().push(Event::Stopped {
                    who,
                    token: token.get(),
                });
                holder.release().await.unwrap();
                turns += 1;
            }
            turns
        }));
    }
    let mut turns = 0;
    for task in tasks {
        turns += task.await.unwrap();
    }
    let tokens = check_turns(&history.lock());
    assert_eq!(tokens.len(), turns);
    assert!(turns >= 10, "only {turns} elections in 20 s");
    assert_eq!(
        storage.get(),
        tokens,
        "every leader's write was admitted, in order"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn election_leaders_have_increasing_create_revisions() {
    let Some(etcd) = Etcd::start() else { return };
    let mut client = connect(etcd.port()).await;
    let election = EtcdElection::new("leader", Duration::from_secs(2), Duration::from_millis(300))
        .unwrap()
        .with_acquire_timeout(Duration::from_secs(10));
    let first = election.campaign(&mut client, "a").await.unwrap();
    let t1 = first.token();
    // A second candidate waits while the first leads.
    let mut other = connect(etcd.port()).await;
    let waiting = {
        let election = election.clone();
        tokio::spawn(async move { election.campaign(&mut other, "b").await })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !waiting.is_finished(),
        "a second leader was elected while the first leads"
    );
    first.release().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the second candidate is elected after the first resigns")
        .unwrap()
        .unwrap();
    assert!(second.token() > t1);
    assert!(second.may_act());
    second.release().await.unwrap();
}

/// An acquisition timeout too long to add to the current instant (`Duration::MAX`)
/// used to panic inside `acquire`; it now waits without a practical limit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_an_endless_acquire_timeout_does_not_panic() {
    let Some(etcd) = Etcd::start() else { return };
    let mut client = connect(etcd.port()).await;
    let endless = lock("endless").with_acquire_timeout(Duration::MAX);
    let holder = endless.acquire(&mut client).await.unwrap();
    assert!(holder.may_act());
    holder.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acquisition_gives_up_after_its_timeout_and_leaves_no_waiter() {
    let Some(etcd) = Etcd::start() else { return };
    let mut client = connect(etcd.port()).await;
    let holder = lock("busy").acquire(&mut client).await.unwrap();
    let impatient = lock("busy").with_acquire_timeout(Duration::from_millis(500));
    let err = impatient.acquire(&mut client).await.unwrap_err();
    assert!(matches!(err, CoordinationError::Timeout { .. }), "{err}");
    // The timed-out waiter's key is gone: the next holder gets the lock as soon as it is free.
    let token = holder.token();
    holder.release().await.unwrap();
    let next = tokio::time::timeout(Duration::from_secs(2), lock("busy").acquire(&mut client))
        .await
        .expect("the lock is free at once after the release")
        .unwrap();
    assert!(next.token() > token);
    next.release().await.unwrap();
}

#[test]
fn configuration_is_validated_without_a_server() {
    let s = Duration::from_secs;
    let invalid_ttl = |ttl| {
        matches!(
            EtcdLock::new("n", ttl, Duration::ZERO),
            Err(CoordinationError::InvalidTtl { ttl: got }) if got == ttl
        )
    };
    assert!(invalid_ttl(Duration::ZERO));
    assert!(invalid_ttl(Duration::from_millis(1500)));
    assert!(invalid_ttl(Duration::from_millis(999)));
    assert!(invalid_ttl(Duration::MAX));
    assert!(invalid_ttl(s(u64::MAX)));
    assert!(invalid_ttl(s(i64::MAX as u64 + 1)));
    assert!(EtcdLock::new("n", s(i64::MAX as u64), Duration::ZERO).is_ok());
    assert!(EtcdLock::new("n", s(1), Duration::from_millis(999)).is_ok());
    assert!(matches!(
        EtcdLock::new("n", s(1), s(1)),
        Err(CoordinationError::MarginNotBelowTtl { margin, ttl }) if margin == s(1) && ttl == s(1)
    ));
    assert!(matches!(
        EtcdLock::new("", s(1), Duration::ZERO),
        Err(CoordinationError::InvalidName { name }) if name.is_empty()
    ));
    assert!(matches!(
        EtcdElection::new("", s(1), Duration::ZERO),
        Err(CoordinationError::InvalidName { .. })
    ));
    assert!(matches!(
        EtcdElection::new("e", s(2), s(3)),
        Err(CoordinationError::MarginNotBelowTtl { .. })
    ));
    assert_eq!(
        CoordinationError::MarginNotBelowTtl {
            margin: s(3),
            ttl: s(2)
        }
        .to_string(),
        "safety margin 3s is not below the lease ttl 2s"
    );
}

#[test]
fn holders_and_errors_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ward_fencing::LockHolder>();
    send_sync::<CoordinationError>();
    send_sync::<EtcdLock>();
    send_sync::<EtcdElection>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_server_is_an_error_not_a_hang() {
    // Nothing listens on this port: every request fails within the client's timeout.
    let port = services::free_port();
    let options = ConnectOptions::new()
        .with_connect_timeout(Duration::from_millis(300))
        .with_timeout(Duration::from_millis(300));
    let Ok(mut client) = Client::connect([format!("http://127.0.0.1:{port}")], Some(options)).await
    else {
        return; // refused while connecting: also an error, not a hang
    };
    let started = Instant::now();
    let err = lock("nowhere").acquire(&mut client).await.unwrap_err();
    assert!(matches!(err, CoordinationError::Etcd(_)), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiter_keeps_its_lease_alive_longer_than_its_ttl() {
    let Some(etcd) = Etcd::start() else { return };
    let mut a_client = connect(etcd.port()).await;
    let mut b_client = connect(etcd.port()).await;
    let a = lock("patient").acquire(&mut a_client).await.unwrap();
    let waiter = tokio::spawn(async move { lock("patient").acquire(&mut b_client).await });
    // A holds for twice the TTL: B's lease must be kept alive while it waits.
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        a.may_act(),
        "A's keep-alive held its lock for twice the TTL"
    );
    let remaining = a.remaining();
    assert!(
        remaining > Duration::ZERO && remaining <= Duration::from_millis(1700),
        "{remaining:?} left of a 2 s lease with a 300 ms margin"
    );
    let t = a.token();
    a.release().await.unwrap();
    let b = tokio::time::timeout(Duration::from_secs(5), waiter)
        .await
        .expect("B gets the lock once A releases it")
        .unwrap()
        .unwrap();
    assert!(b.token() > t);
    assert!(b.may_act());
    b.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_holder_frees_the_lock_when_its_lease_runs_out() {
    let Some(etcd) = Etcd::start() else { return };
    let mut client = connect(etcd.port()).await;
    let holder = lock("dropped").acquire(&mut client).await.unwrap();
    let debug = format!("{holder:?}");
    assert!(
        debug.contains("LockHolder") && debug.contains("lease_id"),
        "{debug}"
    );
    let t = holder.token();
    let dropped = Instant::now();
    drop(holder); // stops the keep-alive; the key stays until the lease runs out
    let next = lock("dropped").acquire(&mut client).await.unwrap();
    let waited = dropped.elapsed();
    assert!(next.token() > t);
    assert!(
        waited >= Duration::from_millis(500) && waited < Duration::from_secs(6),
        "the lock was free after {waited:?}, not when the 2 s lease ran out"
    );
    assert!(next.remaining() > Duration::ZERO);
    next.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_reports_a_server_that_is_gone() {
    let Some(mut etcd) = Etcd::start() else {
        return;
    };
    let options = ConnectOptions::new()
        .with_connect_timeout(Duration::from_millis(500))
        .with_timeout(Duration::from_millis(500));
    let mut client = Client::connect([etcd.endpoint()], Some(options))
        .await
        .unwrap();
    let holder = lock("gone").acquire(&mut client).await.unwrap();
    etcd.kill();
    let err = holder.release().await.unwrap_err();
    assert!(matches!(err, CoordinationError::Etcd(_)), "{err}");
}

/// Defect: the acquisition timeout bounded only the wait for the lock itself. Granting
/// the lease, starting its keep-alive and revoking it after a timeout were awaited without
/// a limit, so with a client that has no request timeout of its own (as in the crate's
/// example) and a connection that stalls, `acquire` hung instead of returning `Timeout`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_stalled_connection_ends_acquisition_in_a_timeout() {
    let Some(etcd) = Etcd::start() else { return };
    let proxy = Proxy::start(etcd.port()).await;
    // Connected through the proxy, with no request timeout.
    let options = ConnectOptions::new().with_connect_timeout(REQUEST_LIMIT);
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut client = loop {
        let connected = Client::connect(
            [format!("http://127.0.0.1:{}", proxy.port())],
            Some(options.clone()),
        )
        .await;
        if let Ok(mut client) = connected
            && client.status().await.is_ok()
        {
            break client;
        }
        assert!(
            Instant::now() < deadline,
            "could not reach etcd through the proxy"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    proxy.pause();
    let lock = EtcdLock::new(
        "stalled",
        Duration::from_secs(2),
        Duration::from_millis(300),
    )
    .unwrap()
    .with_acquire_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let outcome = tokio::time::timeout(Duration::from_secs(15), lock.acquire(&mut client)).await;
    let Ok(result) = outcome else {
        panic!("acquire was still waiting after 15 s on a stalled connection");
    };
    assert!(
        matches!(result, Err(CoordinationError::Timeout { waited }) if waited == Duration::from_secs(1)),
        "{result:?}"
    );
    // One second for the acquisition, at most one TTL for the best-effort revoke.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    proxy.resume();
}
