//! Every serde type in the workspace: whatever decodes (JSON or CBOR) re-encodes and decodes
//! to an equal value. The first byte picks the type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_fuzz::check_serde;

type Actor = String;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 20 {
        0 => check_serde::<ward_hlc::Timestamp>(rest),
        1 => check_serde::<ward_hlc::Stamp>(rest),
        2 => check_serde::<ward_vclock::Dot<Actor>>(rest),
        3 => check_serde::<ward_vclock::VClock<Actor>>(rest),
        4 => check_serde::<ward_vclock::DotContext<Actor>>(rest),
        5 => check_serde::<ward_vclock::Message<Actor, String>>(rest),
        6 => check_serde::<ward_crdt::GCounter<Actor>>(rest),
        7 => check_serde::<ward_crdt::PnCounter<Actor>>(rest),
        8 => check_serde::<ward_crdt::LwwRegister<String, u64>>(rest),
        9 => check_serde::<ward_crdt::MvRegister<String, Actor>>(rest),
        10 => check_serde::<ward_crdt::OrSet<String, Actor>>(rest),
        11 => check_serde::<ward_fencing::FencingToken>(rest),
        12 => check_serde::<ward_backoff::Strategy>(rest),
        13 => check_serde::<ward_backoff::RetryPolicy>(rest),
        14 => check_serde::<ward_backoff::breaker::BreakerConfig>(rest),
        15 => check_serde::<ward_quorum::levels::ConsistencyLevel>(rest),
        16 => check_serde::<ward_quorum::levels::Topology>(rest),
        17 => check_serde::<ward_quorum::QuorumConfig>(rest),
        18 => check_serde::<ward_quorum::FlexiblePaxos>(rest),
        _ => check_serde::<ward_quorum::WeightedVoting>(rest),
    }
});
