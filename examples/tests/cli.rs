//! The binary: exit status, `--json`, `--help`, usage errors.

use std::process::Command;

fn tour(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ward-examples"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

#[test]
fn json_output_parses_and_says_every_scenario_passed() {
    let out = tour(&["--json", "--seed", "3"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["seed"], 3);
    assert_eq!(doc["passed"], true);
    let scenarios = doc["scenarios"].as_array().expect("an array of scenarios");
    assert_eq!(scenarios.len(), ward_examples::scenarios::all().len());
    for s in scenarios {
        assert_eq!(s["anomaly_observed"], true, "{}", s["scenario"]);
        assert_eq!(s["prevented"], true, "{}", s["scenario"]);
        assert!(s["tables"].as_array().is_some_and(|t| !t.is_empty()));
        assert!(s["details"].is_object());
    }
}

#[test]
fn one_scenario_with_sweep_as_json() {
    let out = tour(&["thundering-herd", "--seed", "7", "--json", "--sweep"]);
    assert!(out.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    let s = &doc["scenarios"][0];
    assert_eq!(s["scenario"], "thundering-herd");
    assert_eq!(s["tables"].as_array().map(Vec::len), Some(3));
    assert!(
        s["details"]["sweep"]
            .as_array()
            .is_some_and(|v| !v.is_empty())
    );
}

#[test]
fn human_output_has_a_heading_a_table_and_a_verdict_per_scenario() {
    let out = tour(&[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert!(!text.contains('\x1b'), "no colour when not a terminal");
    for s in ward_examples::scenarios::all() {
        assert!(text.contains(&format!("{}. ", s.number)), "{}", s.name);
    }
    let verdicts = text.matches("verdict: shown, then prevented").count();
    assert_eq!(verdicts, ward_examples::scenarios::all().len());
}

#[test]
fn same_seed_same_output() {
    let a = tour(&["--seed", "11"]);
    let b = tour(&["--seed", "11"]);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn usage_errors_exit_with_two_and_help_with_zero() {
    let out = tour(&["--seed", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--seed takes an unsigned integer"));
    assert_eq!(tour(&["no-such-scenario"]).status.code(), Some(2));
    let help = tour(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: ward-examples"));
    let list = tour(&["--list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("thundering-herd"));
}

#[test]
fn reports_can_cross_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<ward_examples::Report>();
    assert_send_sync::<ward_examples::Options>();
    assert_send_sync::<ward_examples::scenarios::Scenario>();
}

#[test]
fn no_line_is_wider_than_the_terminal() {
    for (columns, width) in [(None, 100), (Some("80"), 80), (Some("120"), 120)] {
        for args in [
            &["--seed", "1"][..],
            &["--seed", "7"][..],
            &["thundering-herd", "--sweep"][..],
            &["--without", "quorum", "--without", "breaker"][..],
        ] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_ward-examples"));
            cmd.args(args).env("NO_COLOR", "1").env_remove("COLUMNS");
            if let Some(c) = columns {
                cmd.env("COLUMNS", c);
            }
            let out = cmd.output().expect("the binary runs");
            let text = String::from_utf8(out.stdout).expect("utf-8");
            assert!(text.lines().count() > 20);
            for line in text.lines() {
                assert!(
                    line.chars().count() <= width,
                    "{args:?} at {width}: {} chars: {line}",
                    line.chars().count()
                );
            }
        }
    }
}
