//! Two nodes exchange HLC-stamped messages over TCP on loopback.
//!
//! Node B's clock is set 300 ms behind node A's. Each message carries the sender's
//! `Stamp` in its text form; the receiver merges it with `receive`, so every reply is
//! stamped after the message it answers, even though B's wall clock says otherwise.
//!
//! Run with `cargo run -p ward-hlc --example two_nodes`. Every socket wait is bounded.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use ward_hlc::{Hlc, NodeHlc, PhysicalClock, Stamp, SystemClock};

/// The system clock shifted by a fixed offset, to play a node whose clock is wrong.
#[derive(Debug)]
struct Skewed {
    behind_micros: u64,
}

impl PhysicalClock for Skewed {
    fn now_micros(&self) -> u64 {
        SystemClock.now_micros().saturating_sub(self.behind_micros)
    }
}

const ROUNDS: usize = 5;
const TIMEOUT: Duration = Duration::from_secs(5);

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;

    // Node B: answers every message, stamped by its own (slow) clock.
    let b = Arc::new(NodeHlc::new(
        Hlc::new(Skewed {
            behind_micros: 300_000,
        }),
        2,
    ));
    let server = {
        let b = Arc::clone(&b);
        thread::spawn(move || -> Result<(), String> {
            let (stream, _) = listener.accept().map_err(|e| e.to_string())?;
            stream
                .set_read_timeout(Some(TIMEOUT))
                .map_err(|e| e.to_string())?;
            let mut writer = stream.try_clone().map_err(|e| e.to_string())?;
            let reader = BufReader::new(stream);
            for line in reader.lines().take(ROUNDS) {
                let line = line.map_err(|e| e.to_string())?;
                let (stamp, body) = line.split_once(' ').ok_or("no stamp")?;
                let sent: Stamp = stamp.parse().map_err(|e| format!("{e}"))?;
                let received = b.receive(sent).map_err(|e| e.to_string())?;
                println!("B  got {body:?} stamped {sent}, receive at {received}");
                let reply = b.now().map_err(|e| e.to_string())?;
                writeln!(writer, "{reply} ack:{body}").map_err(|e| e.to_string())?;
            }
            Ok(())
        })
    };

    // Node A: sends, then merges each reply.
    let a = NodeHlc::new(Hlc::new(SystemClock), 1);
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    let mut writer = stream.try_clone()?;
    let mut replies = BufReader::new(stream).lines();
    for round in 0..ROUNDS {
        let sent = a.now()?;
        writeln!(writer, "{sent} msg{round}")?;
        let line = replies.next().ok_or("connection closed")??;
        let (stamp, body) = line.split_once(' ').ok_or("no stamp")?;
        let reply: Stamp = stamp.parse()?;
        let merged = a.receive(reply)?;
        println!("A  got {body:?} stamped {reply}, receive at {merged}");
        // Causality holds across the skew: send < reply < the merge of the reply.
        assert!(sent < reply && reply < merged, "{sent} {reply} {merged}");
    }
    server.join().map_err(|_| "node B panicked")??;
    println!("{ROUNDS} round trips, every reply ordered after its message");
    Ok(())
}
