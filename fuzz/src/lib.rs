//! Shared checks for the fuzz targets.
//!
//! Every decoder target follows the same law: whatever a decoder accepts, encoding it and
//! decoding the encoding gives back an equal value, and encoding is canonical (the second
//! encoding is byte-for-byte the first). A decoder that accepts a state its own encoder
//! cannot reproduce, or that panics on any input, fails the target.

use core::fmt::Debug;
use core::str::FromStr;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Checks the parse/display law for one `FromStr` type on arbitrary text.
///
/// If `text` parses, the displayed form must parse back to an equal value and display the
/// same way again.
pub fn check_parse<T>(text: &str)
where
    T: FromStr + core::fmt::Display + PartialEq + Debug,
    T::Err: core::fmt::Display,
{
    let Ok(value) = text.parse::<T>() else {
        // A rejection must be explainable: rendering the error must not panic.
        if let Err(e) = text.parse::<T>() {
            let _ = e.to_string();
        }
        return;
    };
    let shown = value.to_string();
    let again: T = match shown.parse() {
        Ok(v) => v,
        Err(e) => panic!("{value:?} displays as {shown:?}, which does not parse: {e}"),
    };
    assert_eq!(again, value, "parse(display(x)) != x for {shown:?}");
    assert_eq!(again.to_string(), shown, "display is not stable for {value:?}");
}

/// Checks the serde laws for one type on arbitrary bytes, through JSON and CBOR.
///
/// Bytes that decode (as JSON, or as CBOR) give a value whose JSON and CBOR encodings both
/// decode back to an equal value; the JSON encoding is canonical.
pub fn check_serde<T>(bytes: &[u8])
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    if let Ok(value) = serde_json::from_slice::<T>(bytes) {
        roundtrip(&value);
    }
    if let Ok(value) = ciborium::from_reader::<T, _>(bytes) {
        roundtrip(&value);
    }
}

fn roundtrip<T>(value: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    let json = serde_json::to_vec(value).expect("an accepted value encodes as JSON");
    let back: T = match serde_json::from_slice(&json) {
        Ok(v) => v,
        Err(e) => panic!(
            "{value:?} encodes as {} which does not decode: {e}",
            String::from_utf8_lossy(&json)
        ),
    };
    assert_eq!(&back, value, "JSON decode(encode(x)) != x");
    let json2 = serde_json::to_vec(&back).expect("encodes");
    assert_eq!(json, json2, "JSON encoding is not canonical");

    let mut cbor = Vec::new();
    ciborium::into_writer(value, &mut cbor).expect("an accepted value encodes as CBOR");
    let back: T = match ciborium::from_reader(cbor.as_slice()) {
        Ok(v) => v,
        Err(e) => panic!("{value:?} encodes as CBOR {cbor:02x?} which does not decode: {e}"),
    };
    assert_eq!(&back, value, "CBOR decode(encode(x)) != x");
}
