//! `--html FILE`: one self-contained, well-formed page with one chart per scenario.

use std::process::Command;

use ward_examples::{Options, Primitive, Switches, html, scenarios};

/// Checks that every tag is closed, in order, and returns the names of the elements seen.
/// Void elements (`meta`) and self-closing tags (`<path ... />`) need no end tag.
fn check_well_formed(page: &str) -> Result<Vec<String>, String> {
    let mut stack: Vec<String> = Vec::new();
    let mut seen = Vec::new();
    let mut rest = page;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after
            .find('>')
            .ok_or_else(|| format!("unterminated tag near {:?}", &after[..after.len().min(40)]))?;
        let tag = &after[..end];
        rest = &after[end + 1..];
        if tag.starts_with('!') {
            continue; // <!DOCTYPE html>
        }
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim();
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if name.is_empty() {
            return Err(format!("not a tag: <{tag}>"));
        }
        seen.push(name.clone());
        if tag.ends_with('/') || name == "meta" {
            continue;
        }
        stack.push(name);
    }
    if stack.is_empty() {
        Ok(seen)
    } else {
        Err(format!("left open: {stack:?}"))
    }
}

#[test]
fn the_page_is_well_formed_with_one_chart_per_scenario() {
    // The checker itself refuses what it must.
    assert!(check_well_formed("<p><b></p></b>").is_err());
    assert!(check_well_formed("<section><p></p>").is_err());
    assert!(check_well_formed("<svg><path d=\"M0 0\"/></svg>").is_ok());
    let path = std::env::temp_dir().join(format!("ward-tour-{}.html", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_ward-examples"))
        .args(["--seed", "2", "--html"])
        .arg(&path)
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = std::fs::read_to_string(&path).expect("the page was written");
    let _ = std::fs::remove_file(&path);
    let tags = check_well_formed(&page).unwrap_or_else(|e| panic!("{e}"));
    let count = |name: &str| tags.iter().filter(|t| *t == name).count();
    let n = scenarios::all().len();
    assert_eq!(count("section"), n);
    assert_eq!(count("svg"), n, "one chart per scenario");
    assert_eq!(count("html"), 1);
    assert_eq!(count("script"), 0, "no scripts");
    assert!(count("table") >= n, "every scenario's tables");
    // Self-contained: the only URL is the SVG namespace.
    assert_eq!(
        page.matches("http").count(),
        page.matches("http://www.w3.org/2000/svg").count()
    );
    // Every chart has data drawn in it, not only axes.
    for section in page.split("<section").skip(1) {
        let svg = &section[section.find("<svg").expect("a chart")..];
        assert!(
            svg.contains("<polyline") || svg.contains("<circle"),
            "an empty chart: {}",
            &section[..80]
        );
    }
    // The text output is unchanged by --html.
    let plain = Command::new(env!("CARGO_BIN_EXE_ward-examples"))
        .args(["--seed", "2"])
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert_eq!(plain.stdout, out.stdout);
}

#[test]
fn text_is_escaped_and_a_failed_scenario_is_marked() {
    let s = scenarios::find("oversell").expect("the scenario");
    let options = Options {
        switches: Switches::default().without(Primitive::Fence),
        ..Options::with_seed(1)
    };
    let page = html::page(1, &[s.run(&options)]);
    check_well_formed(&page).unwrap_or_else(|e| panic!("{e}"));
    assert!(page.contains("NOT PREVENTED"));
    assert!(page.contains("Switched off for this run: fence."));
    // `Fenced<u64>` appears in a table and must be escaped.
    assert!(page.contains("Fenced&lt;u64&gt;"));
    assert!(!page.contains("Fenced<u64>"));
}

#[test]
fn the_charts_carry_the_runs_numbers() {
    let herd = scenarios::find("thundering-herd")
        .expect("the scenario")
        .run(&Options::with_seed(1));
    let chart = html::chart_for(&herd);
    let total: f64 = chart
        .series
        .iter()
        .find(|s| s.name.starts_with("full"))
        .expect("full jitter")
        .points
        .iter()
        .map(|p| p.1)
        .sum();
    // Full jitter finishes within the traced 10 s, so every call is in its curve.
    let calls = herd.details["runs"][2]["calls"].as_f64().expect("calls");
    assert_eq!(herd.details["runs"][2]["strategy"], "full_jitter");
    assert!((total - calls).abs() < 0.5, "{total} against {calls}");

    let reads = scenarios::find("stale-reads")
        .expect("the scenario")
        .run(&Options::with_seed(1));
    let pbs = html::chart_for(&reads);
    assert_eq!(pbs.series.len(), 2, "R=1 W=1 and R=2 W=2");
    let strict = &pbs.series[1];
    assert_eq!(strict.name, "R=2 W=2");
    assert!(
        strict.points.iter().all(|p| (p.1 - 1.0).abs() < 1e-9),
        "{strict:?}"
    );
    let loose = &pbs.series[0];
    assert!(loose.points[0].1 < 1.0 && loose.points.last().unwrap().1 > loose.points[0].1);

    let stampede = scenarios::find("cache-stampede")
        .expect("the scenario")
        .run(&Options::with_seed(1));
    let chart = html::chart_for(&stampede);
    assert_eq!(chart.series.len(), 4, "one line per strategy");
    for (series, run) in chart
        .series
        .iter()
        .zip(stampede.details["runs"].as_array().unwrap())
    {
        let made = series.points.last().expect("points").1;
        assert_eq!(Some(made), run["backend_calls"].as_f64(), "{}", series.name);
    }
    assert_eq!(chart.series[0].name, "none");
    let (_, from, to) = &chart.spans[0];
    assert!(
        (from - 10.0).abs() < 1e-9 && *to > 10.1 && *to < 10.2,
        "{from} {to}"
    );
}
