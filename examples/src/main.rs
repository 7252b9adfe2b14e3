//! The Ward anomaly tour.
//!
//! Each scenario shows a distributed-data anomaly happening under a naive design, then
//! the same scenario with a Ward primitive preventing it.

/// The scenarios of the tour, in the order they run.
const SCENARIOS: [(&str, &str); 8] = [
    (
        "zombie-leader",
        "a paused leader writes after a new leader was elected",
    ),
    (
        "clock-skew",
        "last-write-wins by wall clock keeps the older write",
    ),
    (
        "causality",
        "a reply is delivered before the post it answers",
    ),
    (
        "stale-reads",
        "a read from a lagging replica returns an old value",
    ),
    (
        "shopping-cart",
        "partitioned datacenters overwrite each other's cart",
    ),
    ("oversell", "three regions sell the same last items"),
    (
        "thundering-herd",
        "synchronised retries overload a recovering server",
    ),
    (
        "cascading-failure",
        "retries against a failing replica take down the rest",
    ),
];

fn main() {
    println!("Ward anomaly tour");
    println!();
    println!("The scenarios are not built yet. They will run here, in this order:");
    for (i, (name, what)) in SCENARIOS.iter().enumerate() {
        println!("  {}. {name:<18} {what}", i + 1);
    }
}
