//! The line format of the `memory` binary: `<metric> <impl>=<value> <impl>=<value> ...`.

use std::collections::BTreeMap;

/// One metric line: its name and the value measured for each implementation, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryLine {
    /// The metric, e.g. `orset_bytes_per_element/10000`.
    pub metric: String,
    /// `(implementation, value)` pairs in the order printed.
    pub values: Vec<(String, f64)>,
}

impl MemoryLine {
    /// The value measured for `implementation`, if the line has one.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_benches::memory::parse_lines;
    /// let lines = parse_lines("vclock_bytes/4 ward=96 crdts=240\n").unwrap();
    /// assert_eq!(lines["vclock_bytes/4"].value("crdts"), Some(240.0));
    /// ```
    pub fn value(&self, implementation: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(name, _)| name == implementation)
            .map(|(_, v)| *v)
    }
}

impl std::fmt::Display for MemoryLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.metric)?;
        for (name, value) in &self.values {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                write!(f, " {name}={value:.0}")?;
            } else {
                write!(f, " {name}={value:.2}")?;
            }
        }
        Ok(())
    }
}

/// Parses the memory binary's output; blank lines and lines starting with `#` are skipped.
///
/// # Errors
///
/// Returns a message naming the line when a line has no metric, a pair without `=`, or a
/// value that is not a finite number.
///
/// # Examples
///
/// ```
/// use ward_benches::memory::parse_lines;
/// assert!(parse_lines("orset ward=oops").is_err());
/// ```
pub fn parse_lines(text: &str) -> Result<BTreeMap<String, MemoryLine>, String> {
    let mut out = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let metric = words
            .next()
            .ok_or_else(|| format!("line {}: no metric", number + 1))?;
        let mut values = Vec::new();
        for pair in words {
            let (name, value) = pair
                .split_once('=')
                .ok_or_else(|| format!("line {}: `{pair}` is not impl=value", number + 1))?;
            let value: f64 = value
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .ok_or_else(|| format!("line {}: `{value}` is not a number", number + 1))?;
            values.push((name.to_owned(), value));
        }
        out.insert(
            metric.to_owned(),
            MemoryLine {
                metric: metric.to_owned(),
                values,
            },
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_display() {
        let text = "orset_bytes_per_element/1000 ward=40 crdts=198.50\n";
        let lines = parse_lines(text).unwrap();
        let line = &lines["orset_bytes_per_element/1000"];
        assert_eq!(line.value("ward"), Some(40.0));
        assert_eq!(line.value("crdts"), Some(198.5));
        assert_eq!(format!("{line}\n"), text);
    }

    #[test]
    fn rejects_non_finite_and_malformed() {
        assert!(parse_lines("m ward=inf").is_err());
        assert!(parse_lines("m ward").is_err());
        assert!(parse_lines("# comment\n\n").unwrap().is_empty());
    }
}
