//! The election recipe against a real ZooKeeper (started by the harness in `services`): the
//! zombie after session expiry, a SIGKILL and restart, ten contenders.

#[allow(dead_code)]
mod services;

use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use services::{Cut, Event, Proxy, ZooKeeper, check_turns};
use ward_fencing::zookeeper_client::Client;
use ward_fencing::{CoordinationError, FenceGuard, Fenced, ZooKeeperElection};

/// The session timeout the test clients ask for.
const SESSION: Duration = Duration::from_secs(2);

async fn connect(port: u16) -> Client {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let connected = tokio::time::timeout(
            Duration::from_secs(5),
            Client::connector()
                .with_session_timeout(SESSION)
                .with_connection_timeout(Duration::from_secs(2))
                .connect(&format!("127.0.0.1:{port}")),
        )
        .await;
        match connected {
            Ok(Ok(client)) => return client,
            other => assert!(
                Instant::now() < deadline,
                "ZooKeeper on {port} not ready within 30 s: {other:?}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn election(path: &str) -> ZooKeeperElection {
    ZooKeeperElection::new(path, Duration::from_millis(300))
        .unwrap()
        .with_acquire_timeout(Duration::from_secs(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zombie_after_session_expiry_is_refused_by_the_fence() {
    let Some(zookeeper) = ZooKeeper::start() else {
        return;
    };
    println!("ZooKeeper started in {:?}", zookeeper.started_in);
    let proxy = Proxy::start(zookeeper.port()).await;
    let a_client = connect(proxy.port()).await;
    let b_client = connect(zookeeper.port()).await;
    let storage = FenceGuard::new();

    let a = election("/zombie").acquire(&a_client).await.unwrap();
    let t = a.token();
    storage.admit(a.check().unwrap()).unwrap();

    // A's session is left to expire: its connection stalls, as if its process were paused.
    proxy.pause();
    let b = election("/zombie").acquire(&b_client).await.unwrap();
    let t2 = b.token();
    assert!(
        t2 > t,
        "the new leader's token {t2} must exceed the zombie's {t}"
    );
    storage.admit(b.check().unwrap()).unwrap();
    assert!(
        !a.may_act(),
        "A's lease ran out on its own clock before B was elected"
    );

    // A resumes and writes with its old token: the storage refuses it.
    proxy.resume();
    let refused = storage.admit(t).unwrap_err();
    assert_eq!((refused.presented(), refused.mark()), (t, t2));
    // And A's holder learns that its session expired.
    tokio::time::timeout(Duration::from_secs(15), a.lost())
        .await
        .expect("A's holder reports the loss within 15 s");
    assert!(matches!(a.check(), Err(CoordinationError::Lost { token }) if token == t));
    assert!(b.may_act());
    b.release().await.unwrap();
    a.release().await.unwrap(); // its node went with its session: not an error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_and_restart_keeps_tokens_increasing() {
    let Some(mut zookeeper) = ZooKeeper::start() else {
        return;
    };
    let mut before = Vec::new();
    {
        let client = connect(zookeeper.port()).await;
        for _ in 0..3 {
            let holder = election("/restart").acquire(&client).await.unwrap();
            before.push(holder.token());
            holder.release().await.unwrap();
        }
        let held = election("/restart").acquire(&client).await.unwrap();
        before.push(held.token());
        zookeeper.kill();
        drop(held);
    }
    zookeeper.restart();
    println!("ZooKeeper restarted in {:?}", zookeeper.started_in);
    let client = connect(zookeeper.port()).await;
    let highest = *before.iter().max().unwrap();
    for _ in 0..3 {
        // The node still held at the kill goes when its session expires after the restart.
        let holder = election("/restart").acquire(&client).await.unwrap();
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
    let Some(zookeeper) = ZooKeeper::start() else {
        return;
    };
    let history = Arc::new(Mutex::new(Vec::new()));
    let storage = Arc::new(Fenced::new(Vec::<u64>::new()));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut tasks = Vec::new();
    for who in 0..10 {
        let client = connect(zookeeper.port()).await;
        let history = Arc::clone(&history);
        let storage = Arc::clone(&storage);
        tasks.push(tokio::spawn(async move {
            let mut turns = 0;
            while turns < 3 && Instant::now() < deadline {
                let holder = election("/contenders").acquire(&client).await.unwrap();
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
async fn a_margin_not_below_the_session_timeout_is_refused() {
    let Some(zookeeper) = ZooKeeper::start() else {
        return;
    };
    let client = connect(zookeeper.port()).await;
    let err = ZooKeeperElection::new("/margin", SESSION)
        .unwrap()
        .acquire(&client)
        .await
        .unwrap_err();
    assert!(
        matches!(err, CoordinationError::MarginNotBelowTtl { ttl, .. } if ttl == client.session_timeout()),
        "{err}"
    );
}

#[test]
fn paths_are_validated_without_a_server() {
    for bad in ["", "/", "a", "a/b", "/a/", "//a", "/a//b"] {
        assert!(
            matches!(
                ZooKeeperElection::new(bad, Duration::ZERO),
                Err(CoordinationError::InvalidName { name }) if name == bad
            ),
            "{bad:?} was accepted"
        );
    }
    for good in ["/a", "/ward/leader", "/a/b/c"] {
        assert!(
            ZooKeeperElection::new(good, Duration::ZERO).is_ok(),
            "{good}"
        );
    }
}

#[test]
fn elections_are_send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ZooKeeperElection>();
    send_sync::<ward_fencing::LockHolder>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_candidate_node_loses_the_lock() {
    let Some(zookeeper) = ZooKeeper::start() else {
        return;
    };
    let client = connect(zookeeper.port()).await;
    let other = connect(zookeeper.port()).await;
    let holder = election("/deleted").acquire(&client).await.unwrap();
    let children = other.list_children("/deleted").await.unwrap();
    assert_eq!(children.len(), 1);
    other
        .delete(&format!("/deleted/{}", children[0]), None)
        .await
        .unwrap();
    tokio::time::timeout(Duration::from_secs(5), holder.lost())
        .await
        .expect("the holder notices its node is gone within 5 s");
    assert!(!holder.may_act());
    holder.release().await.unwrap(); // the node is gone already: not an error
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_keeps_its_lease_for_longer_than_its_session_timeout() {
    let Some(zookeeper) = ZooKeeper::start() else {
        return;
    };
    let client = connect(zookeeper.port()).await;
    let leader = election("/long").acquire(&client).await.unwrap();
    let debug = format!("{leader:?}");
    assert!(
        debug.contains("LockHolder") && debug.contains("/long/n-"),
        "{debug}"
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert!(
        leader.may_act(),
        "the renewals kept the lease for twice the session timeout"
    );
    let remaining = leader.remaining();
    assert!(
        remaining > Duration::ZERO
            && remaining <= client.session_timeout() - Duration::from_millis(300),
        "{remaining:?} left"
    );
    leader.release().await.unwrap();
    assert_eq!(
        leader_count(&client, "/long").await,
        0,
        "release deleted the node"
    );
}

/// A server, a proxy in front of it, client a through the proxy and client b direct,
/// and the election's parent node `parent` (so that the candidate node's create is the
/// only request naming `<parent>/n-`); `None` when the server is missing.
async fn behind_a_proxy(parent: &str) -> Option<(ZooKeeper, Proxy, Client, Client)> {
    let zookeeper = ZooKeeper::start()?;
    let proxy = Proxy::start(zookeeper.port()).await;
    let a_client = connect(proxy.port()).await;
    let b_client = connect(zookeeper.port()).await;
    b_client
        .mkdir(
            parent,
            &ward_fencing::zookeeper_client::CreateMode::Persistent
                .with_acls(ward_fencing::zookeeper_client::Acls::anyone_all()),
        )
        .await
        .unwrap();
    Some((zookeeper, proxy, a_client, b_client))
}

/// The server creates the candidate node but the reply is lost with the connection: the
/// candidate finds its node by its marker once the client has reconnected and carries on
/// with it, instead of failing and leaving the node at the head of the queue (where it
/// blocked every other candidate until the session ended).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_lost_create_reply_leaves_no_orphan_candidate() {
    lost_create_reply_leaves_no_orphan("/orphan", Cut::Reply).await;
}

/// The same with the connection stalled rather than closed: the client gives up on the
/// silent connection and fails the create with a different error (not `ConnectionLoss`),
/// whose outcome is just as unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_create_reply_lost_to_a_stall_leaves_no_orphan_candidate() {
    lost_create_reply_leaves_no_orphan("/orphan-stall", Cut::Stall).await;
}

async fn lost_create_reply_leaves_no_orphan(parent: &str, how: Cut) {
    let Some((_zookeeper, proxy, a_client, b_client)) = behind_a_proxy(parent).await else {
        return;
    };
    proxy.cut_at_request_containing(format!("{parent}/n-").as_bytes(), how);
    let a = tokio::time::timeout(Duration::from_secs(20), election(parent).acquire(&a_client))
        .await
        .expect("acquire ends within its timeout")
        .expect("the candidate found the node whose reply was lost");
    assert!(a.may_act());
    let a_token = a.token();
    assert_eq!(
        leader_count(&b_client, parent).await,
        1,
        "one node: no second candidacy"
    );
    a.release().await.unwrap();
    assert_eq!(leader_count(&b_client, parent).await, 0, "released");
    let b = tokio::time::timeout(Duration::from_secs(5), election(parent).acquire(&b_client))
        .await
        .expect("nothing left in the queue ahead of b")
        .unwrap();
    assert!(b.token() > a_token);
    b.release().await.unwrap();
}

/// The reply to the create is lost, and so is the reply to the first lookup that follows
/// the reconnect; meanwhile another client queued a newer node. The candidate retries the
/// lookup, picks its own node by its mark (not the newest one) and leads, and the other
/// client's node is untouched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_lost_reply_finds_its_own_node_among_newer_ones() {
    let Some((_zookeeper, proxy, a_client, b_client)) = behind_a_proxy("/among").await else {
        return;
    };
    proxy.cut_at_request_containing(b"/among/n-", Cut::Stall);
    proxy.cut_at_request_containing(b"/among", Cut::Reply);
    let a = tokio::spawn(async move {
        let holder = election("/among").acquire(&a_client).await;
        (holder, a_client)
    });
    // While a's connection is stalled, b queues a node of its own behind a's.
    let deadline = Instant::now() + Duration::from_secs(10);
    while leader_count(&b_client, "/among").await < 1 {
        assert!(Instant::now() < deadline, "a's node was never created");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (_, sequence) = b_client
        .create(
            "/among/n-",
            b"someone else",
            &ward_fencing::zookeeper_client::CreateMode::EphemeralSequential
                .with_acls(ward_fencing::zookeeper_client::Acls::anyone_all()),
        )
        .await
        .unwrap();
    let (a, _a_client) = tokio::time::timeout(Duration::from_secs(15), a)
        .await
        .expect("a leads without waiting behind anyone")
        .unwrap();
    let a = a.expect("a found its own node");
    assert!(a.may_act());
    a.release().await.unwrap();
    let others = b_client.list_children("/among").await.unwrap();
    assert_eq!(others, [format!("n-{sequence}")], "b's node is untouched");
}

/// Two candidacies of one session (which the docs advise against): the second one's
/// create reply is lost while the first leads. It must find its own node, not adopt the
/// first one's (that would hand both the same token), and wait behind it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regression_a_lost_reply_never_adopts_another_candidacy_of_the_session() {
    let Some((_zookeeper, proxy, a_client, b_client)) = behind_a_proxy("/twice").await else {
        return;
    };
    let first = election("/twice").acquire(&a_client).await.unwrap();
    let first_token = first.token();
    proxy.cut_at_request_containing(b"/twice/n-", Cut::Reply);
    let second_client = a_client.clone();
    let second = tokio::spawn(async move { election("/twice").acquire(&second_client).await });
    // Wait until the second node exists (the reply is lost, the node is created).
    let deadline = Instant::now() + Duration::from_secs(10);
    while leader_count(&b_client, "/twice").await < 2 {
        assert!(
            Instant::now() < deadline,
            "the second node was never created"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !second.is_finished(),
        "the second candidacy must wait behind the first, not take its node"
    );
    first.release().await.unwrap();
    let second = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("the second candidacy leads once the first is released")
        .unwrap()
        .expect("it found its own node");
    assert!(second.token() > first_token);
    assert_eq!(leader_count(&b_client, "/twice").await, 1);
    second.release().await.unwrap();
    assert_eq!(leader_count(&b_client, "/twice").await, 0);
}

/// The connection is lost before the create request reaches the server: the candidate
/// finds no node of its session and returns the connection error, and a second attempt
/// leads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_lost_before_the_server_fails_and_leaves_nothing() {
    let Some((_zookeeper, proxy, a_client, b_client)) = behind_a_proxy("/unsent").await else {
        return;
    };
    proxy.cut_at_request_containing(b"/unsent/n-", Cut::Request);
    let failed = tokio::time::timeout(
        Duration::from_secs(20),
        election("/unsent").acquire(&a_client),
    )
    .await
    .expect("acquire ends within its timeout");
    assert!(
        matches!(
            failed,
            Err(CoordinationError::ZooKeeper(
                ward_fencing::zookeeper_client::Error::ConnectionLoss
            ))
        ),
        "{failed:?}"
    );
    assert_eq!(leader_count(&b_client, "/unsent").await, 0, "no node");
    let a = election("/unsent").acquire(&a_client).await.unwrap();
    assert!(a.may_act());
    a.release().await.unwrap();
}

/// An acquisition timeout too long to add to the current instant (`Duration::MAX`)
/// must not panic inside `acquire`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_acquire_timeout_does_not_panic() {
    let Some(zookeeper) = ZooKeeper::start() else {
        return;
    };
    let client = connect(zookeeper.port()).await;
    let endless = election("/endless").with_acquire_timeout(Duration::MAX);
    let holder = endless.acquire(&client).await.unwrap();
    assert!(holder.may_act());
    holder.release().await.unwrap();
}

async fn leader_count(client: &Client, path: &str) -> usize {
    client.list_children(path).await.unwrap().len()
}
