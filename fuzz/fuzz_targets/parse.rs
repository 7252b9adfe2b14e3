//! Every `FromStr` parser in the workspace: whatever parses displays and parses back to
//! the same value. The first byte picks the parser.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ward_fuzz::check_parse;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = core::str::from_utf8(rest) else {
        return;
    };
    match which % 4 {
        0 => check_parse::<ward_hlc::Timestamp>(text),
        1 => check_parse::<ward_hlc::Stamp>(text),
        2 => check_parse::<ward_fencing::FencingToken>(text),
        _ => check_parse::<ward_quorum::levels::ConsistencyLevel>(text),
    }
});
