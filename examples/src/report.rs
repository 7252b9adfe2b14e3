//! What a scenario hands back: tables for people, a verdict, and the same facts as JSON.

use core::fmt::{self, Write as _};

use serde::Serialize;

/// An aligned table: a title, column headers and rows of already formatted cells.
///
/// The first column is left-aligned (it names the row); a later column is right-aligned
/// when every cell in it starts with a digit (numbers, durations, percentages), and
/// left-aligned otherwise.
///
/// # Examples
///
/// ```
/// use ward_examples::report::Table;
///
/// let mut table = Table::new("writes", ["store", "final value"]);
/// table.row(["naive", "stale"]);
/// assert_eq!(table.rows().len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    title: String,
    columns: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// Creates an empty table with a title and its column headers.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::report::Table;
    ///
    /// let table = Table::new("t", ["a", "b"]);
    /// assert_eq!(table.columns(), ["a", "b"]);
    /// ```
    pub fn new<I, S>(title: impl Into<String>, columns: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            title: title.into(),
            columns: columns.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row. Missing cells render empty; extra cells are kept and rendered.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::report::Table;
    ///
    /// let mut table = Table::new("t", ["a", "b"]);
    /// table.row(["1".to_string(), format!("{}", 2)]);
    /// assert_eq!(table.rows()[0], ["1", "2"]);
    /// ```
    pub fn row<I, S>(&mut self, cells: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// The table's title.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::report::Table;
    ///
    /// assert_eq!(Table::new("calls", ["x"]).title(), "calls");
    /// ```
    pub fn title(&self) -> &str {
        &self.title
    }

    /// The column headers.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::report::Table;
    ///
    /// assert_eq!(Table::new("t", ["x", "y"]).columns().len(), 2);
    /// ```
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The rows, as formatted cells.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::report::Table;
    ///
    /// assert!(Table::new("t", ["x"]).rows().is_empty());
    /// ```
    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }
}

impl fmt::Display for Table {
    /// Renders the title, then the header and rows with aligned columns, two spaces in.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width_of = |s: &str| s.chars().count();
        let ncols = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.columns.len()])
            .max()
            .unwrap_or(0);
        let mut widths = vec![0usize; ncols];
        for line in core::iter::once(&self.columns).chain(&self.rows) {
            for (i, cell) in line.iter().enumerate() {
                widths[i] = widths[i].max(width_of(cell));
            }
        }
        let numeric: Vec<bool> = (0..ncols)
            .map(|i| {
                i > 0
                    && self.rows.iter().all(|row| {
                        row.get(i).is_none_or(|c| {
                            c == "-"
                                || c.trim_start_matches('-')
                                    .starts_with(|ch: char| ch.is_ascii_digit())
                        })
                    })
            })
            .collect();
        writeln!(f, "  {}", self.title)?;
        let empty = String::new();
        for (n, line) in core::iter::once(&self.columns)
            .chain(&self.rows)
            .enumerate()
        {
            let mut out = String::from("    ");
            for (i, width) in widths.iter().enumerate() {
                let cell = line.get(i).unwrap_or(&empty);
                let pad = width - width_of(cell);
                if i > 0 {
                    out.push_str("  ");
                }
                if !numeric[i] {
                    out.push_str(cell);
                    out.extend(core::iter::repeat_n(' ', pad));
                } else {
                    out.extend(core::iter::repeat_n(' ', pad));
                    out.push_str(cell);
                }
            }
            writeln!(f, "{}", out.trim_end())?;
            if n == 0 {
                let rule: usize = widths.iter().sum::<usize>() + 2 * ncols.saturating_sub(1);
                let mut line = String::from("    ");
                line.extend(core::iter::repeat_n('-', rule));
                writeln!(f, "{line}")?;
            }
        }
        Ok(())
    }
}

/// The result of one scenario: what happened without Ward, what happened with it.
///
/// `anomaly_observed` says the naive design showed the anomaly in this run; `prevented`
/// says the Ward primitive kept it from happening. Both are computed from the run, never
/// set by hand. `details` holds the scenario's typed outcome as JSON, for `--json`.
///
/// # Examples
///
/// ```
/// use ward_examples::{Options, scenarios};
///
/// let report = scenarios::find("zombie-leader").unwrap().run(&Options::with_seed(3));
/// assert!(report.passed());
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The scenario's command-line name, such as `thundering-herd`.
    pub scenario: &'static str,
    /// Its position in the tour, from 1.
    pub number: u8,
    /// A short heading.
    pub title: &'static str,
    /// The Ward crate that prevents the anomaly.
    pub crate_name: &'static str,
    /// One sentence on the anomaly.
    pub anomaly: String,
    /// The tables, naive design first.
    pub tables: Vec<Table>,
    /// Explanations a person needs to read the tables.
    pub notes: Vec<String>,
    /// The naive design showed the anomaly in this run.
    pub anomaly_observed: bool,
    /// The Ward primitive prevented it in this run.
    pub prevented: bool,
    /// One line: what the numbers show.
    pub verdict: String,
    /// The scenario's typed outcome, as JSON.
    pub details: serde_json::Value,
    /// This scenario's primitives that were switched off for the run (`--without`).
    pub switched_off: Vec<crate::Primitive>,
}

impl Report {
    /// The scenario did its job: the anomaly appeared without Ward and not with it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Options, scenarios};
    ///
    /// let report = scenarios::find("thundering-herd").unwrap().run(&Options::with_seed(1));
    /// assert_eq!(report.passed(), report.anomaly_observed && report.prevented);
    /// ```
    pub fn passed(&self) -> bool {
        self.anomaly_observed && self.prevented
    }

    /// Renders the report for a person; `colour` adds ANSI bold and green/red.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Options, scenarios};
    ///
    /// let report = scenarios::find("zombie-leader").unwrap().run(&Options::with_seed(1));
    /// assert!(report.render(false).contains("verdict"));
    /// ```
    pub fn render(&self, colour: bool) -> String {
        let paint = |code: &str, text: &str| {
            if colour {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let mut out = String::new();
        let heading = format!("{}. {} ({})", self.number, self.title, self.crate_name);
        let _ = writeln!(out, "{}", paint("1", &heading));
        let _ = writeln!(out, "  {}", self.anomaly);
        if !self.switched_off.is_empty() {
            let names: Vec<&str> = self.switched_off.iter().map(|p| p.name()).collect();
            let _ = writeln!(
                out,
                "  switched off for this run: {} (the Ward side runs without it)",
                names.join(", ")
            );
        }
        for table in &self.tables {
            let _ = writeln!(out);
            let _ = write!(out, "{table}");
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for note in &self.notes {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        let _ = writeln!(out);
        let status = match (self.anomaly_observed, self.prevented) {
            (true, true) => paint("32;1", "shown, then prevented"),
            (false, true) => paint("33;1", "anomaly not reproduced"),
            (_, false) => paint("31;1", "NOT PREVENTED"),
        };
        let _ = writeln!(out, "  verdict: {status}: {}", self.verdict);
        out
    }
}

/// Formats a duration given in nanoseconds with a unit a person reads at a glance.
///
/// # Examples
///
/// ```
/// use ward_examples::report::human_nanos;
///
/// assert_eq!(human_nanos(1_500_000), "1.5 ms");
/// assert_eq!(human_nanos(2_250_000_000), "2.25 s");
/// ```
pub fn human_nanos(nanos: u64) -> String {
    const MS: u64 = 1_000_000;
    const S: u64 = 1_000_000_000;
    if nanos >= S {
        trim(format!("{:.2}", nanos as f64 / S as f64)) + " s"
    } else if nanos >= MS {
        trim(format!("{:.1}", nanos as f64 / MS as f64)) + " ms"
    } else {
        trim(format!("{:.1}", nanos as f64 / 1_000.0)) + " µs"
    }
}

/// Formats a ratio in `[0, 1]` as a percentage with one decimal.
///
/// # Examples
///
/// ```
/// use ward_examples::report::percent;
///
/// assert_eq!(percent(0.5), "50.0 %");
/// ```
pub fn percent(ratio: f64) -> String {
    format!("{:.1} %", ratio * 100.0)
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let mut t = Table::new("t", ["name", "n"]);
        t.row(["a", "1"]).row(["long name", "1234"]);
        let s = t.to_string();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(lines[1], "    name          n");
        assert_eq!(lines[3], "    a             1");
        assert_eq!(lines[4], "    long name  1234");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(human_nanos(999), "1 µs");
        assert_eq!(human_nanos(10_000_000), "10 ms");
        assert_eq!(human_nanos(1_000_000_000), "1 s");
    }
}
