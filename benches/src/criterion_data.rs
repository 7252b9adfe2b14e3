//! Reading the estimates criterion saves under `target/criterion`.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::Path;
use std::time::SystemTime;

use serde::Deserialize;

/// One measured benchmark: its identity and its median time per iteration.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// The criterion group, e.g. `hlc_now`.
    pub group: String,
    /// The function inside the group, e.g. `ward_system`.
    pub function: String,
    /// The parameter, e.g. `32` for `BenchmarkId::new("ward", 32)`; empty when none.
    pub parameter: String,
    /// Median time per iteration, in nanoseconds.
    pub median_ns: f64,
    /// Lower and upper bound of the median's 95 % confidence interval, in nanoseconds.
    pub median_ci_ns: (f64, f64),
    /// Elements processed per iteration, when the group declared a throughput.
    pub elements_per_iter: Option<u64>,
}

impl Measurement {
    /// The id used in target specifications: `group/function` or `group/function/parameter`.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_benches::criterion_data::Measurement;
    /// let m = Measurement {
    ///     group: "vclock_merge".into(),
    ///     function: "ward".into(),
    ///     parameter: "32".into(),
    ///     median_ns: 10.0,
    ///     median_ci_ns: (9.0, 11.0),
    ///     elements_per_iter: None,
    /// };
    /// assert_eq!(m.id(), "vclock_merge/ward/32");
    /// ```
    pub fn id(&self) -> String {
        if self.parameter.is_empty() {
            format!("{}/{}", self.group, self.function)
        } else {
            format!("{}/{}/{}", self.group, self.function, self.parameter)
        }
    }

    /// Elements per second, when the group declared an element throughput.
    pub fn elements_per_sec(&self) -> Option<f64> {
        self.elements_per_iter
            .map(|n| n as f64 * 1e9 / self.median_ns)
    }
}

#[derive(Deserialize)]
struct BenchmarkFile {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
    throughput: Option<ThroughputFile>,
}

#[derive(Deserialize)]
enum ThroughputFile {
    Elements(u64),
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct EstimatesFile {
    median: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
    confidence_interval: Interval,
}

#[derive(Deserialize)]
struct Interval {
    lower_bound: f64,
    upper_bound: f64,
}

/// Every measurement found below `criterion_dir`, keyed by [`Measurement::id`].
///
/// A directory holding `new/benchmark.json` and `new/estimates.json` is one benchmark;
/// criterion's own `report/` directories are skipped. With `since`, only estimates written at
/// or after that moment count, so a report never mixes in groups left over from older runs.
///
/// # Errors
///
/// Returns an I/O error if a directory cannot be read, or an `InvalidData` error naming the
/// file if a JSON file does not have criterion's shape.
pub fn load(
    criterion_dir: &Path,
    since: Option<SystemTime>,
) -> io::Result<BTreeMap<String, Measurement>> {
    let mut out = BTreeMap::new();
    if criterion_dir.is_dir() {
        walk(criterion_dir, since, &mut out)?;
    }
    Ok(out)
}

fn walk(
    dir: &Path,
    since: Option<SystemTime>,
    out: &mut BTreeMap<String, Measurement>,
) -> io::Result<()> {
    let new = dir.join("new");
    let bench = new.join("benchmark.json");
    let estimates = new.join("estimates.json");
    let current = match since {
        Some(start) => estimates.is_file() && fs::metadata(&estimates)?.modified()? >= start,
        None => true,
    };
    if current && bench.is_file() && estimates.is_file() {
        let m = read_one(&bench, &estimates)?;
        out.insert(m.id(), m);
    }
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.is_dir() && name != "new" && name != "base" && name != "change" && name != "report"
        {
            walk(&path, since, out)?;
        }
    }
    Ok(())
}

fn parse<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<T> {
    let text = fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: {e}", path.display()),
        )
    })
}

fn read_one(bench: &Path, estimates: &Path) -> io::Result<Measurement> {
    let b: BenchmarkFile = parse(bench)?;
    let e: EstimatesFile = parse(estimates)?;
    Ok(Measurement {
        group: b.group_id,
        function: b.function_id.unwrap_or_default(),
        parameter: b.value_str.unwrap_or_default(),
        median_ns: e.median.point_estimate,
        median_ci_ns: (
            e.median.confidence_interval.lower_bound,
            e.median.confidence_interval.upper_bound,
        ),
        elements_per_iter: match b.throughput {
            Some(ThroughputFile::Elements(n)) => Some(n),
            _ => None,
        },
    })
}
