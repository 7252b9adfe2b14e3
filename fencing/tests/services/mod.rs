//! Real etcd and ZooKeeper servers for the integration tests: started on 127.0.0.1 with free
//! ports and a temporary data directory, killed on drop, every wait bounded.
//!
//! A missing server skips a test with one printed line; under `CI=true` it fails the test.

use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

/// How long a server may take to accept connections.
const START_LIMIT: Duration = Duration::from_secs(60);

/// A port on 127.0.0.1 that was free a moment ago.
pub(crate) fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("bind an ephemeral port on 127.0.0.1")
}

/// Whether a missing server must fail the test (`CI=true`) rather than skip it.
fn required() -> bool {
    std::env::var("CI").is_ok_and(|value| value == "true")
}

/// Reports a missing server: panics under `CI=true`, else prints one line per test binary.
fn missing(what: &str, hint: &str) {
    assert!(
        !required(),
        "{what} is required under CI=true but was not found ({hint})"
    );
    static SKIP: Once = Once::new();
    SKIP.call_once(|| println!("skipping the {what} integration tests: {what} not found ({hint})"));
}

/// The first executable named `name` on `PATH`, or the path in `env` if set.
fn find_executable(env: &str, name: &str) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

/// Waits until `port` on 127.0.0.1 accepts a connection, up to `limit`.
fn wait_for_port(port: u16, limit: Duration, child: &mut Child, log: &Path) {
    let deadline = Instant::now() + limit;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    loop {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "server exited with {status} before listening on {port}:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        assert!(
            Instant::now() < deadline,
            "server did not listen on {port} within {limit:?}:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A child process killed (SIGKILL) and reaped on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A single-member etcd cluster on 127.0.0.1.
pub(crate) struct Etcd {
    binary: PathBuf,
    dir: TempDir,
    client_port: u16,
    peer_port: u16,
    child: Option<Killed>,
    /// How long the last start took until the client port accepted connections.
    pub(crate) started_in: Duration,
}

impl Etcd {
    /// Starts etcd, or returns `None` (after one printed line) if it is not installed.
    pub(crate) fn start() -> Option<Self> {
        let Some(binary) = find_executable("WARD_ETCD_BIN", "etcd") else {
            missing(
                "etcd",
                "install the etcd-server package or set WARD_ETCD_BIN",
            );
            return None;
        };
        let mut etcd = Self {
            binary,
            dir: tempfile::tempdir().expect("temporary directory"),
            client_port: free_port(),
            peer_port: free_port(),
            child: None,
            started_in: Duration::ZERO,
        };
        etcd.spawn();
        Some(etcd)
    }

    fn spawn(&mut self) {
        let client = format!("http://127.0.0.1:{}", self.client_port);
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let log_path = self.dir.path().join("etcd.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("etcd log file");
        let started = Instant::now();
        let child = Command::new(&self.binary)
            .arg("--name=ward")
            .arg(format!(
                "--data-dir={}",
                self.dir.path().join("data").display()
            ))
            .arg(format!("--listen-client-urls={client}"))
            .arg(format!("--advertise-client-urls={client}"))
            .arg(format!("--listen-peer-urls={peer}"))
            .arg(format!("--initial-advertise-peer-urls={peer}"))
            .arg(format!("--initial-cluster=ward={peer}"))
            // Short Raft timers: a one-member cluster elects itself at once, and the
            // shortest lease etcd grants (1.5 election timeouts, rounded up) is 1 s.
            .arg("--heartbeat-interval=20")
            .arg("--election-timeout=200")
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("etcd log file"))
            .stderr(log)
            .spawn()
            .expect("start etcd");
        let mut child = Killed(child);
        wait_for_port(self.client_port, START_LIMIT, &mut child.0, &log_path);
        self.started_in = started.elapsed();
        self.child = Some(child);
    }

    /// The client endpoint, `http://127.0.0.1:<port>`.
    pub(crate) fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// The client port.
    pub(crate) fn port(&self) -> u16 {
        self.client_port
    }

    /// Kills the server with SIGKILL (no shutdown of any kind) and waits for it to exit.
    pub(crate) fn kill(&mut self) {
        drop(self.child.take());
    }

    /// Starts the server again on the same data directory and ports.
    pub(crate) fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

/// A standalone ZooKeeper server on 127.0.0.1.
pub(crate) struct ZooKeeper {
    java: PathBuf,
    classpath: String,
    dir: TempDir,
    port: u16,
    child: Option<Killed>,
    /// How long the last start took until the client port accepted connections.
    pub(crate) started_in: Duration,
}

impl ZooKeeper {
    /// Starts ZooKeeper, or returns `None` (after one printed line) if it or Java is not
    /// installed. The classpath is `WARD_ZOOKEEPER_CLASSPATH`, or Debian's
    /// `/usr/share/java/zookeeper.jar` (whose manifest names its dependencies).
    pub(crate) fn start() -> Option<Self> {
        let hint = "install the zookeeper package (and a Java runtime) or set \
                    WARD_ZOOKEEPER_CLASSPATH and WARD_JAVA";
        let Some(java) = find_executable("WARD_JAVA", "java") else {
            missing("ZooKeeper", hint);
            return None;
        };
        let classpath = std::env::var("WARD_ZOOKEEPER_CLASSPATH").ok().or_else(|| {
            let jar = Path::new("/usr/share/java/zookeeper.jar");
            jar.is_file().then(|| jar.display().to_string())
        });
        let Some(classpath) = classpath else {
            missing("ZooKeeper", hint);
            return None;
        };
        let mut zookeeper = Self {
            java,
            classpath,
            dir: tempfile::tempdir().expect("temporary directory"),
            port: free_port(),
            child: None,
            started_in: Duration::ZERO,
        };
        zookeeper.spawn();
        Some(zookeeper)
    }

    fn spawn(&mut self) {
        let data = self.dir.path().join("data");
        std::fs::create_dir_all(&data).expect("ZooKeeper data directory");
        let config = self.dir.path().join("zoo.cfg");
        // A short tick: sessions may be as short as 400 ms (two ticks), so expiry tests
        // run in seconds. The admin server (Jetty on port 8080) is off.
        std::fs::write(
            &config,
            format!(
                "tickTime=200\ninitLimit=10\nsyncLimit=5\ndataDir={}\nclientPort={}\n\
                 clientPortAddress=127.0.0.1\nadmin.enableServer=false\n\
                 minSessionTimeout=400\nmaxSessionTimeout=60000\n",
                data.display(),
                self.port
            ),
        )
        .expect("write zoo.cfg");
        let log_path = self.dir.path().join("zookeeper.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .expect("ZooKeeper log file");
        let started = Instant::now();
        let child = Command::new(&self.java)
            .arg("-Xmx256m")
            .arg("-Dzookeeper.admin.enableServer=false")
            .arg("-cp")
            .arg(&self.classpath)
            .arg("org.apache.zookeeper.server.quorum.QuorumPeerMain")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("ZooKeeper log file"))
            .stderr(log)
            .spawn()
            .expect("start ZooKeeper");
        let mut child = Killed(child);
        wait_for_port(self.port, START_LIMIT, &mut child.0, &log_path);
        self.started_in = started.elapsed();
        self.child = Some(child);
    }

    /// The client address, `127.0.0.1:<port>`.
    pub(crate) fn address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The client port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server with SIGKILL and waits for it to exit.
    pub(crate) fn kill(&mut self) {
        drop(self.child.take());
    }

    /// Starts the server again on the same data directory and port.
    pub(crate) fn restart(&mut self) {
        self.kill();
        self.spawn();
    }
}

/// A loopback TCP proxy that can stall every connection through it: a holder behind it
/// stops hearing from, and being heard by, the service, as if its process were paused. It
/// can also cut one connection at one request (see [`Cut`]).
pub(crate) struct Proxy {
    port: u16,
    paused: watch::Sender<bool>,
    armed: Armed,
    task: tokio::task::JoinHandle<()>,
}

/// What happens to the connection that carries an armed request: what is lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cut {
    /// The request reaches the service, its reply is dropped, and the connection is
    /// closed shortly after.
    Reply,
    /// The request never reaches the service, and the connection is closed shortly
    /// after.
    Request,
    /// The request reaches the service, then nothing more passes either way and the
    /// connection stays open: the client has to give up on it.
    Stall,
}

/// The bytes whose request cuts its connection, and how: each entry once, in order.
type Armed = std::sync::Arc<parking_lot::Mutex<std::collections::VecDeque<(Vec<u8>, Cut)>>>;

/// How long a cut connection lives on after the request that cut it: time for the
/// service to apply the request, whose reply is dropped.
const CUT_AFTER: Duration = Duration::from_millis(300);

impl Proxy {
    /// Forwards 127.0.0.1:`<new port>` to 127.0.0.1:`target`.
    pub(crate) async fn start(target: u16) -> Self {
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let (paused, _) = watch::channel(false);
        let gate = paused.clone();
        let armed = Armed::default();
        let trigger = armed.clone();
        let task = tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let gate = gate.subscribe();
                let trigger = trigger.clone();
                tokio::spawn(async move {
                    let Ok(outbound) =
                        tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, target)).await
                    else {
                        return;
                    };
                    let (in_read, in_write) = inbound.into_split();
                    let (out_read, out_write) = outbound.into_split();
                    let (cut, mut cut_seen) = watch::channel(None);
                    let replies = cut.subscribe();
                    let forward = async {
                        tokio::join!(
                            pipe(
                                in_read,
                                out_write,
                                gate.clone(),
                                Some((&trigger, &cut)),
                                None
                            ),
                            pipe(out_read, in_write, gate, None, Some(replies)),
                        )
                    };
                    // Dropping the pipes closes both sockets; a stalled connection is
                    // left for the client to close.
                    tokio::select! {
                        _ = forward => {}
                        () = async {
                            let _ = cut_seen
                                .wait_for(|cut| cut.is_some_and(|c| c != Cut::Stall))
                                .await;
                            tokio::time::sleep(CUT_AFTER).await;
                        } => {}
                    }
                });
            }
        });
        Self {
            port,
            paused,
            armed,
            task,
        }
    }

    /// The proxy's port.
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// Stalls every connection: bytes are held until [`Proxy::resume`].
    pub(crate) fn pause(&self) {
        self.paused.send_replace(true);
    }

    /// Lets bytes flow again.
    pub(crate) fn resume(&self) {
        self.paused.send_replace(false);
    }

    /// Arms a one-shot cut: the next request whose bytes contain `pattern` cuts its
    /// connection as `how` says (new connections pass as usual). Cuts armed one after
    /// another wait their turn: the second is armed once the first has cut.
    pub(crate) fn cut_at_request_containing(&self, pattern: &[u8], how: Cut) {
        self.armed.lock().push_back((pattern.to_vec(), how));
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Copies bytes one way, holding them while the gate says paused. With `trigger`, a read
/// that contains the armed pattern disarms it and marks the connection cut (and is
/// forwarded or dropped as armed); with either end, nothing else is forwarded once the
/// connection is cut.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut gate: watch::Receiver<bool>,
    trigger: Option<(&Armed, &watch::Sender<Option<Cut>>)>,
    cut: Option<watch::Receiver<Option<Cut>>>,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let Ok(read) = from.read(&mut buffer).await else {
            return;
        };
        if read == 0 {
            let _ = to.shutdown().await;
            return;
        }
        if gate.wait_for(|paused| !*paused).await.is_err() {
            return;
        }
        if let Some((armed, cut)) = trigger {
            let mut armed = armed.lock();
            let hit = armed.front().and_then(|(pattern, how)| {
                buffer[..read]
                    .windows(pattern.len())
                    .any(|window| window == pattern.as_slice())
                    .then_some(*how)
            });
            if let Some(how) = hit {
                armed.pop_front();
                cut.send_replace(Some(how));
                if how == Cut::Request {
                    continue;
                }
            } else if cut.borrow().is_some() {
                continue;
            }
        }
        if cut.as_ref().is_some_and(|cut| cut.borrow().is_some()) {
            continue;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}

/// One event of a contenders' run, in the order they happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Event {
    /// A contender became the holder with this token and found it may act.
    Acquired { who: usize, token: u64 },
    /// That holder stopped acting (recorded before it released the lock).
    Stopped { who: usize, token: u64 },
}

/// Checks a contenders' history against the sequential specification of a lock: holders
/// take turns (each one stops before the next acquires), and successive holders' tokens
/// strictly increase. Returns the tokens in order.
pub(crate) fn check_turns(history: &[Event]) -> Vec<u64> {
    let mut tokens = Vec::new();
    let mut acting: Option<(usize, u64)> = None;
    for (at, event) in history.iter().enumerate() {
        match *event {
            Event::Acquired { who, token } => {
                assert!(
                    acting.is_none(),
                    "event {at}: contender {who} acts with token {token} while {acting:?} still acts"
                );
                if let Some(&last) = tokens.last() {
                    assert!(
                        token > last,
                        "event {at}: token {token} does not exceed the previous leader's {last}"
                    );
                }
                tokens.push(token);
                acting = Some((who, token));
            }
            Event::Stopped { who, token } => {
                assert_eq!(
                    acting,
                    Some((who, token)),
                    "event {at}: contender {who} stops with token {token}, but {acting:?} acts"
                );
                acting = None;
            }
        }
    }
    tokens
}

#[test]
fn check_turns_refuses_overlapping_holders_and_regressing_tokens() {
    let ok = [
        Event::Acquired { who: 0, token: 5 },
        Event::Stopped { who: 0, token: 5 },
        Event::Acquired { who: 1, token: 9 },
        Event::Stopped { who: 1, token: 9 },
    ];
    assert_eq!(check_turns(&ok), vec![5, 9]);
    let overlap = [
        Event::Acquired { who: 0, token: 5 },
        Event::Acquired { who: 1, token: 9 },
    ];
    assert!(std::panic::catch_unwind(|| check_turns(&overlap)).is_err());
    let regress = [
        Event::Acquired { who: 0, token: 9 },
        Event::Stopped { who: 0, token: 9 },
        Event::Acquired { who: 1, token: 9 },
    ];
    assert!(std::panic::catch_unwind(|| check_turns(&regress)).is_err());
}
