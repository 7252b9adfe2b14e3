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

impl Table {
    /// Renders the table within `width` columns: the title wraps, and when the natural
    /// layout is wider than `width` the widest text columns (and long headers) wrap onto
    /// more lines, never inside a word.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::report::Table;
    ///
    /// let mut table = Table::new("t", ["name", "a long explanation"]);
    /// table.row(["x", "one two three four five six seven eight nine ten"]);
    /// assert!(table.render(30).lines().all(|l| l.chars().count() <= 30));
    /// ```
    pub fn render(&self, width: usize) -> String {
        let ncols = self
            .rows
            .iter()
            .map(Vec::len)
            .chain([self.columns.len()])
            .max()
            .unwrap_or(0);
        let empty = String::new();
        let cell = |line: &'_ Vec<String>, i: usize| line.get(i).unwrap_or(&empty).clone();
        let numeric: Vec<bool> = (0..ncols)
            .map(|i| i > 0 && self.rows.iter().all(|row| is_numeric(&cell(row, i))))
            .collect();
        let mut widths = vec![0usize; ncols];
        let mut least = vec![1usize; ncols];
        for (n, line) in core::iter::once(&self.columns)
            .chain(&self.rows)
            .enumerate()
        {
            for i in 0..ncols {
                let c = cell(line, i);
                widths[i] = widths[i].max(width_of(&c));
                // Numbers never wrap; text and headers wrap between words.
                let unbreakable = if numeric[i] && n > 0 {
                    width_of(&c)
                } else {
                    c.split(' ').map(width_of).max().unwrap_or(0)
                };
                least[i] = least[i].max(unbreakable);
            }
        }
        let total = |w: &[usize]| 4 + w.iter().sum::<usize>() + 2 * ncols.saturating_sub(1);
        // First wrap headers that are wider than their column's cells, then the widest
        // text columns.
        let body: Vec<usize> = (0..ncols)
            .map(|i| {
                self.rows
                    .iter()
                    .map(|r| width_of(&cell(r, i)))
                    .max()
                    .unwrap_or(0)
                    .max(least[i])
            })
            .collect();
        while total(&widths) > width {
            let Some(i) = (0..ncols)
                .filter(|&i| widths[i] > body[i])
                .max_by_key(|&i| (widths[i] - body[i], i))
            else {
                break;
            };
            widths[i] -= 1;
        }
        while total(&widths) > width {
            let Some(i) = (0..ncols)
                .filter(|&i| widths[i] > least[i])
                .max_by_key(|&i| (widths[i], i))
            else {
                break;
            };
            widths[i] -= 1;
        }
        let mut out = String::new();
        for line in wrap(&self.title, width.saturating_sub(2).max(1)) {
            out.push_str("  ");
            out.push_str(&line);
            out.push('\n');
        }
        for (n, line) in core::iter::once(&self.columns)
            .chain(&self.rows)
            .enumerate()
        {
            let cells: Vec<Vec<String>> = (0..ncols)
                .map(|i| wrap(&cell(line, i), widths[i]))
                .collect();
            let height = cells.iter().map(Vec::len).max().unwrap_or(1);
            for k in 0..height {
                let mut text = String::from("    ");
                for (i, w) in widths.iter().enumerate() {
                    let part = cells[i].get(k).map_or("", String::as_str);
                    let pad = w.saturating_sub(width_of(part));
                    if i > 0 {
                        text.push_str("  ");
                    }
                    if numeric[i] {
                        text.extend(core::iter::repeat_n(' ', pad));
                        text.push_str(part);
                    } else {
                        text.push_str(part);
                        text.extend(core::iter::repeat_n(' ', pad));
                    }
                }
                out.push_str(text.trim_end());
                out.push('\n');
            }
            if n == 0 {
                let rule = total(&widths).min(width.max(5)) - 4;
                out.push_str("    ");
                out.extend(core::iter::repeat_n('-', rule));
                out.push('\n');
            }
        }
        out
    }
}

/// The number of characters a terminal shows for `s`.
fn width_of(s: &str) -> usize {
    s.chars().count()
}

/// A cell is a number when its first word is made of digits and number punctuation only
/// (`1.5`, `178/259`, `-4/-4/-4`, `23.5`), so a timestamp such as `2026-01-01T00:00:03Z`
/// is text and left-aligned.
fn is_numeric(cell: &str) -> bool {
    if cell == "-" || cell.is_empty() {
        return true;
    }
    let first = cell.split(' ').next().unwrap_or("");
    first.chars().any(|c| c.is_ascii_digit())
        && first
            .chars()
            .all(|c| c.is_ascii_digit() || ".,/-%()".contains(c))
}

/// Wraps `text` into lines of at most `width` characters, breaking between words; a word
/// longer than `width` stays whole on its own line.
///
/// # Examples
///
/// ```
/// use ward_examples::report::wrap;
///
/// assert_eq!(wrap("one two three", 7), ["one two", "three"]);
/// assert_eq!(wrap("", 7), [""]);
/// ```
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && width_of(&line) + 1 + width_of(word) > width {
            lines.push(core::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

/// The width to render for: `COLUMNS` when it holds a number of at least 40, else 100.
///
/// # Examples
///
/// ```
/// use ward_examples::report::terminal_width;
///
/// assert!(terminal_width() >= 40);
/// ```
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c >= 40)
        .unwrap_or(100)
}

impl fmt::Display for Table {
    /// Renders the title, then the header and rows with aligned columns, two spaces in,
    /// without a width limit (see [`Table::render`] for one).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(usize::MAX))
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
        self.render_width(colour, terminal_width())
    }

    /// Renders the report within `width` columns: notes, verdict and table titles wrap,
    /// tables wrap their text columns (see [`Table::render`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_examples::{Options, scenarios};
    ///
    /// let report = scenarios::find("zombie-leader").unwrap().run(&Options::with_seed(1));
    /// let text = report.render_width(false, 80);
    /// assert!(text.lines().all(|l| l.chars().count() <= 80));
    /// ```
    pub fn render_width(&self, colour: bool, width: usize) -> String {
        let paint = |code: &str, text: &str| {
            if colour {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        // Writes `first` then `text`, wrapped to the width; later lines start at `indent`.
        let para = |out: &mut String, first: &str, text: &str, indent: usize| {
            let lead = first.len() - first.trim_start().len();
            let body = format!("{}{text}", first.trim_start());
            let lines = wrap(&body, width.saturating_sub(indent).max(1));
            for (k, line) in lines.iter().enumerate() {
                let pad = if k == 0 { lead } else { indent };
                out.extend(core::iter::repeat_n(' ', pad));
                out.push_str(line);
                out.push('\n');
            }
        };
        let mut out = String::new();
        let heading = format!("{}. {} ({})", self.number, self.title, self.crate_name);
        let _ = writeln!(out, "{}", paint("1", &heading));
        para(&mut out, "  ", &self.anomaly, 2);
        if !self.switched_off.is_empty() {
            let names: Vec<&str> = self.switched_off.iter().map(|p| p.name()).collect();
            para(
                &mut out,
                "  switched off for this run: ",
                &format!("{} (the Ward side runs without it)", names.join(", ")),
                4,
            );
        }
        for table in &self.tables {
            let _ = writeln!(out);
            out.push_str(&table.render(width));
        }
        if !self.notes.is_empty() {
            let _ = writeln!(out);
            for note in &self.notes {
                para(&mut out, "  note: ", note, 8);
            }
        }
        let _ = writeln!(out);
        let (code, status) = match (self.anomaly_observed, self.prevented) {
            (true, true) => ("32;1", "shown, then prevented"),
            (false, true) => ("33;1", "anomaly not reproduced"),
            (_, false) => ("31;1", "NOT PREVENTED"),
        };
        let mut verdict = String::new();
        para(
            &mut verdict,
            "  verdict: ",
            &format!("{status}: {}", self.verdict),
            4,
        );
        out.push_str(&verdict.replacen(status, &paint(code, status), 1));
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
