//! Writes `BENCHMARKS.md` from criterion's saved estimates and the `memory` binary's output.
//!
//! ```text
//! cargo bench -p ward-benches --bench '*'
//! cargo run --release -p ward-benches --bin memory > target/memory.txt
//! cargo run --release -p ward-benches --bin report
//! ```
//!
//! Options: `--criterion DIR` (default `target/criterion`), `--memory FILE` (default
//! `target/memory.txt`), `--run FILE` (default `target/bench-run.txt`, written by
//! `benches/run.sh`: when the run started and the command it used; only estimates written
//! by that run are reported, and the reproduce section shows that command), `--out FILE` (default `BENCHMARKS.md`), `--readme FILE` (default
//! `README.md`: the part between the benchmark markers is replaced by the short version),
//! `--no-readme`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ward_benches::criterion_data::{self, Measurement};
use ward_benches::memory::{self, MemoryLine};
use ward_benches::targets::{SPECS, Verdict, human};

const README_START: &str = "<!-- benchmarks:start -->";
const README_END: &str = "<!-- benchmarks:end -->";

struct Options {
    criterion: PathBuf,
    memory: PathBuf,
    run: PathBuf,
    out: PathBuf,
    readme: Option<PathBuf>,
}

/// What `benches/run.sh` recorded about the run: when it started and the command it used.
struct RunInfo {
    started: SystemTime,
    command: String,
}

/// Reads `started <unix seconds>` and `command <text>` lines.
fn read_run_info(path: &Path) -> Result<RunInfo, String> {
    let text = fs::read_to_string(path).map_err(|e| {
        format!(
            "{}: {e}; run the suite with `benches/run.sh`, which records the run",
            path.display()
        )
    })?;
    let mut started = None;
    let mut command = None;
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("started ") {
            let secs: u64 = v
                .trim()
                .parse()
                .map_err(|e| format!("{}: bad start time {v:?}: {e}", path.display()))?;
            started = Some(UNIX_EPOCH + Duration::from_secs(secs));
        } else if let Some(v) = line.strip_prefix("command ") {
            command = Some(v.trim().to_owned());
        }
    }
    match (started, command) {
        (Some(started), Some(command)) => Ok(RunInfo { started, command }),
        _ => Err(format!(
            "{}: needs a `started` and a `command` line",
            path.display()
        )),
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn parse_args() -> Result<Options, String> {
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let mut o = Options {
        criterion: target.join("criterion"),
        memory: target.join("memory.txt"),
        run: target.join("bench-run.txt"),
        out: root.join("BENCHMARKS.md"),
        readme: Some(root.join("README.md")),
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .map(PathBuf::from)
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match arg.as_str() {
            "--criterion" => o.criterion = value("--criterion")?,
            "--memory" => o.memory = value("--memory")?,
            "--run" => o.run = value("--run")?,
            "--out" => o.out = value("--out")?,
            "--readme" => o.readme = Some(value("--readme")?),
            "--no-readme" => o.readme = None,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("report: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let o = parse_args()?;
    let info = read_run_info(&o.run)?;
    // Criterion writes each estimate after the run starts; a second of slack covers file
    // systems that keep whole seconds.
    let since = info.started - Duration::from_secs(1);
    let run = criterion_data::load(&o.criterion, Some(since)).map_err(|e| e.to_string())?;
    if run.is_empty() {
        return Err(format!(
            "no criterion estimates under {} written by the run that started at {}",
            o.criterion.display(),
            info.started
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or(0)
        ));
    }
    let memory = match fs::read_to_string(&o.memory) {
        Ok(text) => memory::parse_lines(&text)?,
        Err(e) => {
            eprintln!(
                "report: no memory figures ({}: {e}); memory targets will show as missing",
                o.memory.display()
            );
            BTreeMap::new()
        }
    };
    let (summary, met, total) = targets_table(&run, &memory);
    let full = full_report(&run, &memory, &summary, met, total, &info.command);
    fs::write(&o.out, full).map_err(|e| format!("{}: {e}", o.out.display()))?;
    println!("wrote {} ({met} of {total} targets met)", o.out.display());
    if let Some(readme) = &o.readme {
        update_readme(readme, &summary, met, total)?;
    }
    Ok(())
}

fn fmt_ns(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.3} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.3} µs", ns / 1e3)
    } else {
        format!("{ns:.2} ns")
    }
}

fn targets_table(
    run: &BTreeMap<String, Measurement>,
    memory: &BTreeMap<String, MemoryLine>,
) -> (String, usize, usize) {
    let mut s = String::new();
    let mut met = 0;
    s.push_str("| crate | target | measured | verdict |\n|---|---|---|---|\n");
    for spec in SPECS {
        let verdict = spec.target.judge(run, memory);
        let (measured, word) = match &verdict {
            Verdict::Met(x) => (figure(&spec.target, *x), "met"),
            Verdict::NotMet(x) => (figure(&spec.target, *x), "**not met**"),
            Verdict::Missing(id) => (format!("no figure for `{id}`"), "**not measured**"),
        };
        if verdict.is_met() {
            met += 1;
        }
        let _ = writeln!(
            s,
            "| {} | {} | {measured} | {word} |",
            spec.krate, spec.target
        );
    }
    (s, met, SPECS.len())
}

fn figure(target: &ward_benches::targets::Target, x: f64) -> String {
    use ward_benches::targets::Target;
    match target {
        Target::MaxNs { .. } => fmt_ns(x),
        Target::Faster { .. } => format!("{x:.2} ×"),
        Target::WithinFloor { .. } => format!("{x:.2} × the floor"),
        Target::MinThroughput { .. } => format!("{}/s", human(x)),
        Target::MaxMemory { .. } => format!("{x:.1}"),
    }
}

fn group_tables(run: &BTreeMap<String, Measurement>) -> String {
    let mut groups: BTreeMap<&str, Vec<&Measurement>> = BTreeMap::new();
    for m in run.values() {
        groups.entry(m.group.as_str()).or_default().push(m);
    }
    let mut s = String::new();
    for (group, ms) in groups {
        let params: BTreeSet<&str> = ms.iter().map(|m| m.parameter.as_str()).collect();
        let mut params: Vec<&str> = params.into_iter().collect();
        params.sort_by_key(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_string()));
        let ward_fns: BTreeSet<&str> = ms
            .iter()
            .filter(|m| m.function.starts_with("ward"))
            .map(|m| m.function.as_str())
            .collect();
        let has_tp = ms.iter().any(|m| m.elements_per_iter.is_some());
        let _ = writeln!(s, "### `{group}`\n");
        match ward_benches::groups::work(group) {
            Some(work) => {
                let _ = writeln!(s, "Work on every side: {work}.\n");
            }
            None => s.push_str("Work on every side: not described.\n\n"),
        }
        s.push_str("| implementation | parameter | median | 95 % CI of the median |");
        if has_tp {
            s.push_str(" throughput |");
        }
        for w in &ward_fns {
            let _ = write!(s, " ÷ `{w}` |");
        }
        s.push_str("\n|---|---|---|---|");
        if has_tp {
            s.push_str("---|");
        }
        for _ in &ward_fns {
            s.push_str("---|");
        }
        s.push('\n');
        for p in &params {
            let mut row: Vec<&&Measurement> = ms.iter().filter(|m| m.parameter == *p).collect();
            row.sort_by(|a, b| a.median_ns.total_cmp(&b.median_ns));
            for m in row {
                let _ = write!(
                    s,
                    "| `{}` | {} | {} | {} – {} |",
                    shown_name(&m.function),
                    if p.is_empty() { "-" } else { p },
                    fmt_ns(m.median_ns),
                    fmt_ns(m.median_ci_ns.0),
                    fmt_ns(m.median_ci_ns.1)
                );
                if has_tp {
                    match m.elements_per_sec() {
                        Some(x) => {
                            let _ = write!(s, " {}/s |", human(x));
                        }
                        None => s.push_str(" - |"),
                    }
                }
                for w in &ward_fns {
                    let ward = ms
                        .iter()
                        .find(|x| x.function == *w && x.parameter == m.parameter);
                    match ward {
                        Some(ward) if ward.function != m.function => {
                            let _ = write!(s, " {:.2} |", m.median_ns / ward.median_ns);
                        }
                        _ => s.push_str(" - |"),
                    }
                }
                s.push('\n');
            }
        }
        s.push('\n');
        s.push_str(&growth_lines(&ms));
    }
    s.push_str(
        "A figure in a `÷ ward…` column is that row's median divided by the Ward function's \
         median at the same parameter: above 1, Ward is faster by that factor.\n",
    );
    s
}

/// How each implementation's cost grows with a numeric parameter (actors, elements, keys):
/// the exponent `k` of the least-squares fit `median ∝ parameter^k` on a log-log scale, with
/// a plain-words reading. Empty when a group has fewer than three numeric parameters.
fn growth_lines(ms: &[&Measurement]) -> String {
    let mut by_fn: BTreeMap<&str, Vec<(f64, f64)>> = BTreeMap::new();
    for m in ms {
        if let Ok(n) = m.parameter.parse::<u64>()
            && n > 0
            && m.median_ns > 0.0
        {
            by_fn
                .entry(m.function.as_str())
                .or_default()
                .push(((n as f64).ln(), m.median_ns.ln()));
        }
    }
    let mut s = String::new();
    for (function, points) in by_fn {
        if points.len() < 3 {
            continue;
        }
        let k = slope(&points);
        let _ = writeln!(
            s,
            "Growth of `{}`: cost ∝ parameter^{k:.2} ({}).",
            shown_name(function),
            growth_words(k)
        );
    }
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

/// The name a row shows: a group that measures Ward alone names its benchmarks by
/// parameter only (`causal_deliver/64`), so an empty function name is Ward's.
fn shown_name(function: &str) -> &str {
    if function.is_empty() {
        "ward"
    } else {
        function
    }
}

/// Least-squares slope of `y` on `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
    let my = points.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = points.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    if sxx == 0.0 { 0.0 } else { sxy / sxx }
}

/// A reading of a fitted growth exponent. Over three decades `n log n` fits an exponent of
/// about 1.1 to 1.2, so that band is named as such rather than as linear.
fn growth_words(k: f64) -> &'static str {
    if k < 0.15 {
        "about constant"
    } else if k < 0.85 {
        "sub-linear"
    } else if k < 1.08 {
        "linear"
    } else if k < 1.25 {
        "log-linear"
    } else {
        "super-linear"
    }
}

fn memory_table(memory: &BTreeMap<String, MemoryLine>) -> String {
    if memory.is_empty() {
        return "No memory figures were supplied.\n".to_owned();
    }
    let mut s = String::from("```text\n");
    for line in memory.values() {
        let _ = writeln!(s, "{line}");
    }
    s.push_str("```\n");
    s
}

fn command_output(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn machine() -> String {
    let cpu = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get().to_string())
        .unwrap_or_else(|_| "unknown".to_owned());
    let os = fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("PRETTY_NAME="))
                .map(|v| v.trim_matches('"').to_owned())
        })
        .unwrap_or_else(|| std::env::consts::OS.to_owned());
    let rustc = command_output("rustc", &["-V"]).unwrap_or_else(|| "unknown".to_owned());
    format!(
        "- CPU: {cpu}, {cores} logical cores available\n- OS: {os} ({})\n- Compiler: {rustc}\n",
        std::env::consts::ARCH
    )
}

/// `YYYY-MM-DD` for a count of days since 1970-01-01 (proleptic Gregorian calendar).
fn civil_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

fn today() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    civil_date(i64::try_from(secs / 86_400).unwrap_or(0))
}

/// The reproduce section: the bench command the run used, then the memory and report steps.
fn reproduce(command: &str) -> String {
    format!(
        "```text\n{command}\ncargo run --release -p ward-benches --bin memory > target/memory.txt\n\
         cargo run --release -p ward-benches --bin report\n```\n\n\
         `benches/run.sh` runs all three (`benches/run.sh quick` with short warm-up and \
         measurement times).\n"
    )
}

fn full_report(
    run: &BTreeMap<String, Measurement>,
    memory: &BTreeMap<String, MemoryLine>,
    summary: &str,
    met: usize,
    total: usize,
    command: &str,
) -> String {
    let mut s = String::new();
    s.push_str("# Ward benchmarks\n\n");
    let _ = writeln!(
        s,
        "Ward against its peer crates, measured side by side in one run on {}. \
         Generated by the `report` binary of `ward-benches` from criterion's estimates; \
         do not edit by hand.\n",
        today()
    );
    s.push_str("## Machine\n\n");
    s.push_str(&machine());
    s.push_str(
        "\nMedians are quoted because this machine's two cores are shared and noisy; the \
         figure that counts is the ratio within one run.\n\n",
    );
    s.push_str("## Reproduce\n\n");
    s.push_str(&reproduce(command));
    let _ = writeln!(s, "\n## Targets: {met} of {total} met\n");
    s.push_str(summary);
    s.push_str("\n## Groups\n\n");
    s.push_str(&group_tables(run));
    s.push_str("\n## Memory\n\n");
    s.push_str(
        "Heap bytes measured with a counting global allocator by the `memory` binary, one line \
         per metric in the form `<metric> <impl>=<value> ...`.\n\n",
    );
    s.push_str(&memory_table(memory));
    s
}

fn update_readme(path: &Path, summary: &str, met: usize, total: usize) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (Some(start), Some(end)) = (text.find(README_START), text.find(README_END)) else {
        eprintln!(
            "report: {} has no benchmark markers; left unchanged",
            path.display()
        );
        return Ok(());
    };
    if end < start {
        return Err(format!(
            "{}: benchmark markers out of order",
            path.display()
        ));
    }
    let mut new = String::with_capacity(text.len() + summary.len());
    new.push_str(&text[..start + README_START.len()]);
    let _ = write!(
        new,
        "\n{met} of {total} performance targets met in the last recorded run \
         ({}); the full report with every group and ratio is in \
         [`BENCHMARKS.md`](BENCHMARKS.md).\n\n{summary}",
        today()
    );
    new.push_str(&text[end..]);
    fs::write(path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("updated the benchmark summary in {}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{civil_date, growth_words, shown_name, slope};

    #[test]
    fn civil_dates_known_days() {
        assert_eq!(civil_date(0), "1970-01-01");
        assert_eq!(civil_date(11_016), "2000-02-29");
        assert_eq!(civil_date(20_783), "2026-11-26");
    }

    #[test]
    fn a_benchmark_without_a_function_name_is_wards() {
        assert_eq!(shown_name(""), "ward");
        assert_eq!(shown_name("crdts"), "crdts");
    }

    #[test]
    fn slope_fits_a_line_and_a_flat_set() {
        assert!((slope(&[(0.0, 1.0), (1.0, 3.0), (2.0, 5.0)]) - 2.0).abs() < 1e-12);
        assert_eq!(slope(&[(1.0, 4.0), (1.0, 9.0)]), 0.0);
    }

    #[test]
    fn growth_words_name_each_band_at_its_edges() {
        assert_eq!(growth_words(0.149), "about constant");
        assert_eq!(growth_words(0.15), "sub-linear");
        assert_eq!(growth_words(0.85), "linear");
        assert_eq!(growth_words(1.08), "log-linear");
        assert_eq!(growth_words(1.25), "super-linear");
    }
}
