//! Scenario 1: the zombie's write lands in the naive store; the fence refuses it, also
//! after a storage restart.

use ward_examples::scenarios::zombie_leader::run;

#[test]
fn zombie_write_lands_naively_and_is_fenced_with_ward() {
    for seed in [1, 2, 3, 99] {
        let o = run(seed).expect("scratch directory usable");
        assert!(o.anomaly_observed(), "seed {seed}: {o:#?}");
        assert!(o.prevented(), "seed {seed}: {o:#?}");
        assert!(o.leader_token > o.zombie_token);
        assert!(o.zombie_lease_ok_before_pause);
        assert!(o.restart.memory_only_admitted);
        let refusal = o.restart.refused.as_ref().expect("refused after restart");
        assert_eq!(
            refusal.message,
            format!(
                "stale fencing token {}: the high-water mark is {}",
                o.zombie_token, o.leader_token
            )
        );
    }
}

#[test]
fn scratch_directories_are_removed() {
    let before = leftover();
    run(5).unwrap();
    assert_eq!(leftover(), before);
}

fn leftover() -> usize {
    let prefix = format!("ward-tour-zombie-{}-5-", std::process::id());
    std::fs::read_dir(std::env::temp_dir())
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
                .count()
        })
        .unwrap_or(0)
}
