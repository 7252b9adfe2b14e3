//! Every scenario fails when a primitive it relies on is switched off: the verdict says
//! "NOT PREVENTED", the process exits 1, and the verdict's claims come from that run.

use std::process::Command;

use ward_examples::{Options, Primitive, Switches, scenarios};

fn tour(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ward-examples"))
        .args(args)
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .output()
        .expect("the binary runs")
}

/// The output with every run of whitespace made one space, so a claim wrapped across lines
/// is still found.
fn flat(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn each_scenario_fails_with_each_of_its_primitives_switched_off() {
    for s in scenarios::all() {
        for p in s.primitives {
            for seed in ["1", "2", "3"] {
                let out = tour(&[s.name, "--without", p.name(), "--seed", seed]);
                let text = String::from_utf8_lossy(&out.stdout);
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{} without {p}:\n{text}",
                    s.name
                );
                assert!(
                    text.contains("NOT PREVENTED"),
                    "{} without {p}:\n{text}",
                    s.name
                );
                assert!(
                    text.contains(&format!("switched off for this run: {p}")),
                    "{text}"
                );
                assert!(text.contains(&format!("failed: {}. {}", s.number, s.name)));
            }
            // The library says the same: the anomaly still shows, the protection is gone.
            let options = Options {
                switches: Switches::default().without(*p),
                ..Options::with_seed(4)
            };
            let report = s.run(&options);
            assert!(report.anomaly_observed, "{} without {p}", s.name);
            assert!(!report.prevented, "{} without {p}", s.name);
            assert_eq!(report.switched_off, [*p]);
        }
    }
}

#[test]
fn a_primitive_a_scenario_does_not_use_changes_nothing() {
    let on = tour(&["zombie-leader", "--seed", "5"]);
    let off = tour(&["zombie-leader", "--seed", "5", "--without", "hlc"]);
    assert!(off.status.success());
    assert_eq!(on.stdout, off.stdout);
}

#[test]
fn regression_clock_skew_verdict_without_hlc_claims_no_refusal() {
    // The verdict once said "B refused A's stamp, measuring 0.000 s of drift" with the HLC
    // broken; every claim must come from the run.
    let out = tour(&["clock-skew", "--without", "hlc"]);
    let text = flat(&out);
    let verdict = &text[text.find("verdict:").expect("a verdict")..];
    assert!(!verdict.contains("refused"), "{verdict}");
    assert!(!verdict.contains("0.000 s"), "{verdict}");
    assert!(
        verdict.contains("HLC LWW kept old@example.com"),
        "{verdict}"
    );
    assert!(verdict.contains("accepted A's stamp"), "{verdict}");
}

#[test]
fn verdicts_without_the_primitive_do_not_claim_the_protection() {
    let claims = [
        ("zombie-leader", "fence", "the fence kept"),
        ("causality", "causal-buffer", "showed none early"),
        ("stale-reads", "quorum", "returned one never"),
        ("shopping-cart", "or-set", "converged on both sides"),
        ("oversell", "fence", "refused the stale write"),
        (
            "cascading-failure",
            "breaker",
            "with breakers and a retry budget",
        ),
        (
            "cascading-failure",
            "retry-budget",
            "with breakers and a retry budget",
        ),
        (
            "read-your-writes",
            "session",
            "with the read-your-writes token 0 did",
        ),
        (
            "torn-transfer",
            "commit-gate",
            "behind the commit gate 0 were torn",
        ),
        ("commit-wait", "commit-wait", "with commit-wait 0 were"),
        (
            "cache-stampede",
            "coalesce",
            "with request coalescing 1 backend call, at most 1 at once",
        ),
        (
            "cache-stampede",
            "early-expiration",
            "before the expiry, and 0 requests found the key expired",
        ),
    ];
    for (scenario, primitive, claim) in claims {
        assert!(Primitive::from_name(primitive).is_some());
        // Whitespace flattened, so a claim wrapped across lines is still found.
        let text = flat(&tour(&[scenario, "--without", primitive]));
        assert!(
            !text.contains(claim),
            "{scenario} without {primitive}:\n{text}"
        );
        let on = flat(&tour(&[scenario]));
        assert!(on.contains(claim), "{scenario} with {primitive}:\n{on}");
    }
}
