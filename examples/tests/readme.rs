//! The README's sample output is real: every block in it appears verbatim in the tour's
//! output for the default seed.

use std::process::Command;

#[test]
fn readme_sample_matches_the_tour() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("## Sample output")
        .expect("the README has a sample section");
    let sample = &readme[start..];
    let body_start = sample.find("```text\n").expect("a text block") + "```text\n".len();
    let body_end = body_start + sample[body_start..].find("```").expect("closed block");
    let body = &sample[body_start..body_end];

    let out = Command::new(env!("CARGO_BIN_EXE_ward-examples"))
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the binary runs");
    assert!(out.status.success());
    let tour = String::from_utf8(out.stdout).expect("utf-8");
    // The sample is a selection of whole scenario blocks, separated by blank lines; each
    // scenario block must appear as is.
    let mut blocks = Vec::new();
    let mut current = String::new();
    for line in body.lines() {
        if line.starts_with(|c: char| c.is_ascii_digit()) && !current.is_empty() {
            blocks.push(std::mem::take(&mut current));
        }
        current.push_str(line);
        current.push('\n');
    }
    blocks.push(current);
    assert!(blocks.len() >= 3, "{blocks:?}");
    for block in &blocks {
        assert!(
            tour.contains(block.trim_end()),
            "README sample out of date; paste the current output of \
             `cargo run --release -p ward-examples` for this block:\n{block}"
        );
    }
}
