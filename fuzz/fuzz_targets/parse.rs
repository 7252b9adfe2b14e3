//! Every `FromStr` parser in the workspace: whatever parses displays and parses back to
//! the same value. The first byte picks the parser. The ZooKeeper sequential-node parsers
//! are checked too: a name that parses without its prefix parses to the same token with it,
//! and the name ZooKeeper would write for a parsed token parses back to that token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_fencing::{FencingToken, TokenError};
use ward_fuzz::check_parse;

/// Digits ZooKeeper appends to a sequential node's name.
const DIGITS: usize = 10;

fn check_zookeeper_name(name: &str) {
    let unprefixed = FencingToken::from_zookeeper_sequential(name);
    if let Ok(token) = unprefixed {
        // The last ten bytes were the digits, so the rest is the requested path.
        let prefix = &name[..name.len() - DIGITS];
        assert_eq!(
            FencingToken::from_zookeeper_sequential_with_prefix(name, prefix),
            Ok(token),
            "{name:?}: the prefixed parser disagrees"
        );
    }
    // Split anywhere on a character boundary: the prefixed parser never panics, and
    // whatever it accepts is what ZooKeeper would have written for that token.
    for (at, _) in name.char_indices().chain([(name.len(), ' ')]) {
        let prefix = &name[..at];
        match FencingToken::from_zookeeper_sequential_with_prefix(name, prefix) {
            Ok(token) => {
                assert!(token.get() <= i32::MAX as u64, "{name:?}: above i32::MAX");
                assert_eq!(
                    format!("{prefix}{:010}", token.get()),
                    name,
                    "{name:?}: not the name ZooKeeper writes"
                );
            }
            Err(TokenError::PrefixMismatch) => unreachable!("{prefix:?} is a prefix of {name:?}"),
            Err(_) => {}
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    match which % 5 {
        0 => check_parse::<ward_hlc::Timestamp>(text),
        1 => check_parse::<ward_hlc::Stamp>(text),
        2 => check_parse::<ward_fencing::FencingToken>(text),
        3 => check_zookeeper_name(text),
        _ => check_parse::<ward_quorum::levels::ConsistencyLevel>(text),
    }
});
