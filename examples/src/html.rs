//! `--html FILE`: the whole run as one self-contained page. Each scenario gets its verdict,
//! its tables and notes, and one chart drawn by `plotters` into inline SVG. The page needs
//! no network and no scripts.
//!
//! The charts are drawn from each report's `details` (the scenario's typed outcome as
//! JSON), so a chart shows exactly the run that the tables describe.

use core::fmt::Write as _;

use plotters::prelude::*;
use serde_json::Value;

use crate::Report;
use crate::report::Table;

/// Chart size in pixels.
const SIZE: (u32, u32) = (760, 340);

/// One chart: titled axes and a few series.
///
/// # Examples
///
/// ```
/// use ward_examples::html::{Chart, Mark, Series};
///
/// let chart = Chart {
///     title: "calls".into(),
///     x_label: "time (s)".into(),
///     y_label: "calls".into(),
///     series: vec![Series { name: "a".into(), points: vec![(0.0, 3.0)], mark: Mark::Dots }],
///     spans: vec![("partition".into(), 0.5, 1.5)],
/// };
/// assert_eq!(chart.series[0].mark, Mark::Dots);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The caption.
    pub title: String,
    /// The horizontal axis.
    pub x_label: String,
    /// The vertical axis.
    pub y_label: String,
    /// The series, drawn in order.
    pub series: Vec<Series>,
    /// Shaded spans of the horizontal axis, with a name for the legend (a partition, a
    /// stall).
    pub spans: Vec<(String, f64, f64)>,
}

/// How a series is drawn.
///
/// # Examples
///
/// ```
/// use ward_examples::html::{Chart, Mark, Series};
///
/// let chart = Chart {
///     title: "calls".into(),
///     x_label: "time (s)".into(),
///     y_label: "calls".into(),
///     series: vec![Series { name: "a".into(), points: vec![(0.0, 3.0)], mark: Mark::Dots }],
///     spans: vec![("partition".into(), 0.5, 1.5)],
/// };
/// assert_eq!(chart.series[0].mark, Mark::Dots);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// A polyline through the points.
    Line,
    /// A dot per point.
    Dots,
    /// A polyline with a dot per point.
    LineDots,
}

/// A named series of points.
///
/// # Examples
///
/// ```
/// use ward_examples::html::{Chart, Mark, Series};
///
/// let chart = Chart {
///     title: "calls".into(),
///     x_label: "time (s)".into(),
///     y_label: "calls".into(),
///     series: vec![Series { name: "a".into(), points: vec![(0.0, 3.0)], mark: Mark::Dots }],
///     spans: vec![("partition".into(), 0.5, 1.5)],
/// };
/// assert_eq!(chart.series[0].mark, Mark::Dots);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend's name.
    pub name: String,
    /// The points, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// How the points are drawn.
    pub mark: Mark,
}

impl Series {
    fn new(name: impl Into<String>, points: Vec<(f64, f64)>, mark: Mark) -> Self {
        Self {
            name: name.into(),
            points,
            mark,
        }
    }
}

/// Escapes text for HTML element content and attribute values.
///
/// # Examples
///
/// ```
/// assert_eq!(ward_examples::html::escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
/// ```
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The page for a run: a heading with the seed and the overall result, then one section per
/// report with its verdict, tables, notes and chart.
///
/// # Examples
///
/// ```
/// use ward_examples::{Options, html, scenarios};
///
/// let reports: Vec<_> = scenarios::all()
///     .iter()
///     .filter(|s| s.name == "oversell")
///     .map(|s| s.run(&Options::with_seed(1)))
///     .collect();
/// let page = html::page(1, &reports);
/// assert!(page.starts_with("<!DOCTYPE html>"));
/// assert_eq!(page.matches("<svg").count(), 1);
/// ```
pub fn page(seed: u64, reports: &[Report]) -> String {
    let passed = reports.iter().filter(|r| r.passed()).count();
    let mut out = String::new();
    out.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>Ward anomaly tour</title>\n<style>\n\
         body { font-family: sans-serif; max-width: 62rem; margin: 2rem auto; padding: 0 1rem; \
         color: #222; }\n\
         table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }\n\
         th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem; text-align: left; \
         vertical-align: top; }\n\
         caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }\n\
         .ok { color: #176c2c; } .bad { color: #b00020; }\n\
         figure { margin: 1rem 0; } svg { max-width: 100%; height: auto; }\n\
         section { border-top: 2px solid #888; margin-top: 2rem; }\n\
         </style>\n</head>\n<body>\n",
    );
    let _ = writeln!(
        out,
        "<h1>Ward anomaly tour</h1>\n<p>Seed {seed}: {passed} of {} scenarios showed their \
         anomaly without Ward and prevented it with it.</p>",
        reports.len()
    );
    for report in reports {
        section(&mut out, report);
    }
    out.push_str("</body>\n</html>\n");
    out
}

fn section(out: &mut String, r: &Report) {
    let _ = writeln!(
        out,
        "<section id=\"{}\">\n<h2>{}. {} ({})</h2>\n<p>{}</p>",
        escape(r.scenario),
        r.number,
        escape(r.title),
        escape(r.crate_name),
        escape(&r.anomaly)
    );
    if !r.switched_off.is_empty() {
        let names: Vec<&str> = r.switched_off.iter().map(|p| p.name()).collect();
        let _ = writeln!(
            out,
            "<p>Switched off for this run: {}.</p>",
            escape(&names.join(", "))
        );
    }
    let (class, status) = match (r.anomaly_observed, r.prevented) {
        (true, true) => ("ok", "shown, then prevented"),
        (false, true) => ("bad", "anomaly not reproduced"),
        (_, false) => ("bad", "NOT PREVENTED"),
    };
    let _ = writeln!(
        out,
        "<p><strong class=\"{class}\">{status}</strong>: {}</p>",
        escape(&r.verdict)
    );
    let chart = chart_for(r);
    let _ = writeln!(out, "<figure>");
    match render(&chart) {
        Ok(svg) => out.push_str(&svg),
        Err(e) => {
            // Still one <svg> per scenario, saying why the chart is missing.
            let _ = write!(
                out,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"40\">\
                 <text x=\"10\" y=\"25\">chart not drawn: {}</text></svg>",
                escape(&e)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n<figcaption>{}</figcaption>\n</figure>",
        escape(&chart.title)
    );
    for t in &r.tables {
        table(out, t);
    }
    if !r.notes.is_empty() {
        out.push_str("<ul>\n");
        for n in &r.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn table(out: &mut String, t: &Table) {
    let _ = writeln!(out, "<table>\n<caption>{}</caption>", escape(t.title()));
    out.push_str("<tr>");
    for c in t.columns() {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr>\n");
    for row in t.rows() {
        out.push_str("<tr>");
        for c in row {
            let _ = write!(out, "<td>{}</td>", escape(c));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
}

/// Draws `chart` as an SVG document (one `<svg>` element).
///
/// # Errors
///
/// The drawing backend's error, as text (an empty chart is drawn with unit ranges, not
/// refused).
///
/// # Examples
///
/// ```
/// use ward_examples::html::{Chart, Mark, Series, render};
///
/// let chart = Chart {
///     title: "t".into(),
///     x_label: "x".into(),
///     y_label: "y".into(),
///     series: vec![Series { name: "s".into(), points: vec![(0.0, 1.0), (1.0, 2.0)], mark: Mark::Line }],
///     spans: vec![],
/// };
/// let svg = render(&chart).unwrap();
/// assert!(svg.starts_with("<svg"));
/// ```
pub fn render(chart: &Chart) -> Result<String, String> {
    let mut svg = String::new();
    draw(chart, &mut svg)?;
    Ok(svg)
}

fn text<E: core::fmt::Display>(e: E) -> String {
    e.to_string()
}

const PALETTE: [RGBColor; 6] = [
    RGBColor(0xb0, 0x00, 0x20),
    RGBColor(0x17, 0x6c, 0x2c),
    RGBColor(0x1f, 0x4e, 0xb4),
    RGBColor(0xd9, 0x82, 0x00),
    RGBColor(0x6a, 0x3d, 0x9a),
    RGBColor(0x33, 0x33, 0x33),
];

fn draw(chart: &Chart, svg: &mut String) -> Result<(), String> {
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for (x, y) in chart.series.iter().flat_map(|s| s.points.iter().copied()) {
        if x.is_finite() && y.is_finite() {
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
        }
    }
    for (_, a, b) in &chart.spans {
        x0 = x0.min(*a);
        x1 = x1.max(*b);
    }
    if x0 > x1 {
        (x0, x1) = (0.0, 1.0);
    }
    if y0 > y1 {
        (y0, y1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.08).max(0.5);
    let (y0, y1) = (if y0 >= 0.0 { 0.0_f64.min(y0) } else { y0 - pad }, y1 + pad);
    let root = SVGBackend::with_string(svg, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(text)?;
    let mut c = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(text)?;
    c.configure_mesh()
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(text)?;
    for (name, a, b) in &chart.spans {
        c.draw_series(core::iter::once(Rectangle::new(
            [(*a, y0), (*b, y1)],
            RGBColor(0x88, 0x88, 0x88).mix(0.15).filled(),
        )))
        .map_err(text)?
        .label(name.as_str())
        .legend(|(x, y)| {
            Rectangle::new(
                [(x, y - 5), (x + 16, y + 5)],
                RGBColor(0x88, 0x88, 0x88).mix(0.3).filled(),
            )
        });
    }
    for (i, s) in chart.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if matches!(s.mark, Mark::Line | Mark::LineDots) {
            c.draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(text)?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        }
        if matches!(s.mark, Mark::Dots | Mark::LineDots) {
            let dots = c
                .draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))
                .map_err(text)?;
            if s.mark == Mark::Dots {
                dots.label(s.name.as_str())
                    .legend(move |(x, y)| Circle::new((x + 8, y), 4, color.filled()));
            }
        }
    }
    c.configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.4))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(text)?;
    root.present().map_err(text)?;
    Ok(())
}

/// The chart of one scenario's report, from its `details`.
///
/// # Examples
///
/// ```
/// use ward_examples::{Options, html, scenarios};
///
/// let r = scenarios::find("thundering-herd").unwrap().run(&Options::with_seed(1));
/// let chart = html::chart_for(&r);
/// assert_eq!(chart.series.len(), 5); // one per strategy
/// ```
pub fn chart_for(r: &Report) -> Chart {
    let d = &r.details;
    let blank = |title: &str| Chart {
        title: title.into(),
        x_label: String::new(),
        y_label: String::new(),
        series: Vec::new(),
        spans: Vec::new(),
    };
    match r.scenario {
        "zombie-leader" => zombie(d),
        "clock-skew" => clock_skew(d),
        "causality" => causality(d),
        "stale-reads" => stale_reads(d),
        "shopping-cart" => cart(d),
        "oversell" => oversell(d),
        "thundering-herd" => herd(d),
        "cascading-failure" => cascading(d),
        "read-your-writes" => read_your_writes(d),
        "torn-transfer" => torn_transfer(d),
        "commit-wait" => commit_wait(d),
        "cache-stampede" => cache_stampede(d),
        _ => blank("no chart for this scenario"),
    }
}

fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn zombie(d: &Value) -> Chart {
    let (mut applied, mut refused) = (Vec::new(), Vec::new());
    for s in arr(&d["steps"]) {
        let p = (num(&s["at_ms"]) / 1000.0, num(&s["token"]));
        if s["refused"].is_null() {
            applied.push(p);
        } else {
            refused.push(p);
        }
    }
    let from = num(&d["paused_at_ms"]) / 1000.0;
    let to = from + num(&d["pause_ms"]) / 1000.0;
    Chart {
        title: "writes reaching the fenced store: token against arrival time".into(),
        x_label: "arrival (s)".into(),
        y_label: "fencing token".into(),
        series: vec![
            Series::new("admitted by the fence", applied, Mark::Dots),
            Series::new("refused by the fence", refused, Mark::Dots),
        ],
        spans: vec![("old leader paused".into(), from, to)],
    }
}

/// Seconds of the day in an RFC 3339 stamp's time part (`...T00:00:03.061000Z/...`).
fn seconds_of_day(stamp: &str) -> f64 {
    let Some(t) = stamp.split('T').nth(1) else {
        return f64::NAN;
    };
    let t = t.split(['Z', '/']).next().unwrap_or("");
    let parts: Vec<f64> = t
        .split(':')
        .map(|p| p.parse().unwrap_or(f64::NAN))
        .collect();
    match parts.as_slice() {
        [h, m, s] => h * 3600.0 + m * 60.0 + s,
        _ => f64::NAN,
    }
}

fn clock_skew(d: &Value) -> Chart {
    let writes = arr(&d["writes"]);
    let mut series = Vec::new();
    let start = writes
        .iter()
        .map(|w| num(&w["true_ms"]) / 1000.0)
        .fold(0.0_f64, f64::min);
    let end = writes
        .iter()
        .map(|w| num(&w["true_ms"]) / 1000.0)
        .fold(0.0_f64, f64::max);
    series.push(Series::new(
        "true time",
        vec![(start, start), (end, end)],
        Mark::Line,
    ));
    let wall: Vec<(f64, f64)> = writes
        .iter()
        .map(|w| {
            let micros = num(&w["wall_micros"]);
            (num(&w["true_ms"]) / 1000.0, (micros / 1e6) % 86_400.0)
        })
        .collect();
    series.push(Series::new("wall-clock stamp", wall, Mark::LineDots));
    let hlc: Vec<(f64, f64)> = writes
        .iter()
        .map(|w| {
            (
                num(&w["true_ms"]) / 1000.0,
                seconds_of_day(w["hlc"].as_str().unwrap_or("")),
            )
        })
        .collect();
    series.push(Series::new("HLC stamp", hlc, Mark::LineDots));
    Chart {
        title: "clock-skew timeline: each write's stamp against when it happened (A first, then B)"
            .into(),
        x_label: "true time (s)".into(),
        y_label: "stamp (s)".into(),
        series,
        spans: Vec::new(),
    }
}

fn causality(d: &Value) -> Chart {
    let mut series = Vec::new();
    for (key, name) in [("naive", "on arrival"), ("causal", "CausalBuffer")] {
        let (mut posts, mut replies) = (Vec::new(), Vec::new());
        for (i, s) in arr(&d[key]["carol"]).iter().enumerate() {
            let order = i as f64 + 1.0;
            let p = (order, num(&s["at_ms"]));
            if s["post"]["reply_to"].is_null() {
                posts.push(p);
            } else {
                replies.push(p);
            }
        }
        series.push(Series::new(format!("{name}: posts"), posts, Mark::Dots));
        series.push(Series::new(format!("{name}: replies"), replies, Mark::Dots));
    }
    Chart {
        title: "causality: what Carol is shown, in order, and when".into(),
        x_label: "position in Carol's feed".into(),
        y_label: "shown at (ms)".into(),
        series,
        spans: Vec::new(),
    }
}

fn stale_reads(d: &Value) -> Chart {
    let series = arr(&d["pbs"])
        .iter()
        // The two configurations the run compares: R=1 W=1 and R=2 W=2.
        .filter(|p| p["r"] == p["w"] && p["r"].as_u64().is_some_and(|r| r <= 2))
        .map(|p| {
            let points = arr(&p["curve"])
                .iter()
                .map(|pt| (num(&pt[0]), num(&pt[1])))
                .collect();
            Series::new(format!("R={} W={}", p["r"], p["w"]), points, Mark::Line)
        })
        .collect();
    Chart {
        title: "PBS: probability that a read is consistent, against time after the commit (N=3, LNKD-DISK)"
            .into(),
        x_label: "time after commit (ms)".into(),
        y_label: "P(consistent read)".into(),
        series,
        spans: Vec::new(),
    }
}

fn cart(d: &Value) -> Chart {
    let mut series = Vec::new();
    for (y, dc) in ["east", "west"].into_iter().enumerate() {
        for (op, name) in [("add", "add"), ("remove", "remove")] {
            let pts: Vec<(f64, f64)> = arr(&d["requests"])
                .iter()
                .filter(|r| r["dc"] == dc && !r["op"][op].is_null())
                .map(|r| (num(&r["at_ms"]) / 1000.0, y as f64 + 1.0))
                .collect();
            series.push(Series::new(format!("{dc}: {name}"), pts, Mark::Dots));
        }
    }
    let p = &d["partition_ms"];
    Chart {
        title: "shopping cart: requests at each datacenter (1 = east, 2 = west)".into(),
        x_label: "time (s)".into(),
        y_label: "datacenter".into(),
        series,
        spans: vec![("partition".into(), num(&p[0]) / 1000.0, num(&p[1]) / 1000.0)],
    }
}

fn oversell(d: &Value) -> Chart {
    let stock = num(&d["stock"]);
    let mut series = Vec::new();
    for (key, name) in [("plain", "plain number"), ("fenced", "Fenced<u64>")] {
        let mut points = vec![(0.0, stock)];
        let mut current = stock;
        for w in arr(&d[key]["writes"]) {
            let t = num(&w["at_ms"]);
            if w["refused_by_mark"].is_null() {
                points.push((t, current));
                current = num(&w["wrote"]);
                points.push((t, current));
            }
        }
        series.push(Series::new(format!("stock, {name}"), points, Mark::Line));
        let sold: Vec<(f64, f64)> = arr(&d[key]["writes"])
            .iter()
            .filter(|w| w["refused_by_mark"].is_null())
            .enumerate()
            .map(|(i, w)| (num(&w["at_ms"]), i as f64 + 1.0))
            .collect();
        series.push(Series::new(
            format!("units sold, {name}"),
            sold,
            Mark::LineDots,
        ));
    }
    let mut spans = Vec::new();
    if let Some(s) = d["stall"].as_array() {
        let from = num(&s[1]);
        spans.push(("seller stalled".into(), from, from + num(&s[2])));
    }
    Chart {
        title: "oversell: the database's stock and the sales confirmed, over time".into(),
        x_label: "time (ms)".into(),
        y_label: "units".into(),
        series,
        spans,
    }
}

fn herd(d: &Value) -> Chart {
    let series = arr(&d["calls_over_time"])
        .iter()
        .map(|c| {
            let bucket = num(&c["bucket_ms"]) / 1000.0;
            let points = arr(&c["calls"])
                .iter()
                .enumerate()
                .map(|(i, n)| (i as f64 * bucket, num(n)))
                .collect();
            Series::new(
                c["strategy"].as_str().unwrap_or("?").replace('_', " "),
                points,
                Mark::Line,
            )
        })
        .collect();
    Chart {
        title: "thundering herd: calls started per 100 ms, per strategy (first 10 s)".into(),
        x_label: "time (s)".into(),
        y_label: "calls per 100 ms".into(),
        series,
        spans: Vec::new(),
    }
}

fn cascading(d: &Value) -> Chart {
    let series = [
        ("naive", "naive, 3 retries"),
        ("no_retries", "no retries"),
        ("ward", "breakers + budget"),
    ]
    .into_iter()
    .map(|(key, name)| {
        let points = arr(&d[key]["load_per_second"])
            .iter()
            .enumerate()
            .map(|(s, n)| (s as f64, num(n)))
            .collect();
        Series::new(name, points, Mark::Line)
    })
    .collect();
    Chart {
        title: "cascading failure: attempts offered to the surviving replicas, per second".into(),
        x_label: "time (s)".into(),
        y_label: "attempts per second".into(),
        series,
        spans: Vec::new(),
    }
}

fn read_your_writes(d: &Value) -> Chart {
    let reloads = arr(&d["reloads"]);
    let pick = |key: &str, saw: bool| {
        reloads
            .iter()
            .filter(|r| r[key].as_bool() == Some(saw))
            .map(|r| {
                (
                    num(&r["reloaded_ms"]),
                    num(&r["position"]) - num(&r["applied_then"]),
                )
            })
            .collect::<Vec<_>>()
    };
    let waits = reloads
        .iter()
        .filter(|r| r["ward_waited_ms"].as_u64().is_some_and(|w| w > 0))
        .map(|r| (num(&r["reloaded_ms"]), num(&r["ward_waited_ms"]) / 10.0))
        .collect();
    Chart {
        title: "read-your-writes: how far behind the user's upload each replica was at the reload"
            .into(),
        x_label: "reload (ms)".into(),
        y_label: "log entries behind (waits: tens of ms)".into(),
        series: vec![
            Series::new(
                "saw the new avatar",
                pick("naive_saw_new", true),
                Mark::Dots,
            ),
            Series::new(
                "saw the old avatar (naive)",
                pick("naive_saw_new", false),
                Mark::Dots,
            ),
            Series::new("token: wait before serving", waits, Mark::Dots),
        ],
        spans: Vec::new(),
    }
}

fn torn_transfer(d: &Value) -> Chart {
    let series = [("naive", "rows on arrival"), ("gated", "commit gate")]
        .into_iter()
        .map(|(key, name)| {
            let points = arr(&d[key]["seen"])
                .iter()
                .map(|p| (num(&p[0]), num(&p[1])))
                .collect();
            Series::new(format!("{name}: total a report saw"), points, Mark::Dots)
        })
        .collect();
    Chart {
        title: format!(
            "torn transfer: the total each report saw on the replica (the bank holds ${})",
            d["total"]
        ),
        x_label: "report at (ms)".into(),
        y_label: "dollars".into(),
        series,
        spans: Vec::new(),
    }
}

fn commit_wait(d: &Value) -> Chart {
    let gap = |key: &str| {
        arr(&d["pairs"])
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64 + 1.0, (num(&p[key][1]) - num(&p[key][0])) / 1000.0))
            .collect::<Vec<_>>()
    };
    let n = arr(&d["pairs"]).len() as f64;
    Chart {
        title: "commit-wait: T2's timestamp minus T1's for each user (below zero: the photo \
                comes first)"
            .into(),
        x_label: "user".into(),
        y_label: "T2 - T1 (ms)".into(),
        series: vec![
            Series::new("physical clocks, ack at once", gap("naive"), Mark::Dots),
            Series::new("interval + commit-wait", gap("ward"), Mark::Dots),
            Series::new("zero", vec![(0.0, 0.0), (n + 1.0, 0.0)], Mark::Line),
        ],
        spans: Vec::new(),
    }
}

fn cache_stampede(d: &Value) -> Chart {
    let arrivals = arr(&d["arrivals"]);
    let (first, last) = match (arrivals.first(), arrivals.last()) {
        (Some(a), Some(b)) => (num(a) / 1e6, num(b) / 1e6),
        _ => (f64::NAN, f64::NAN),
    };
    // A step up at each call's start: (start, k - 1) then (start, k).
    let series = arr(&d["runs"])
        .iter()
        .map(|r| {
            let mut points = vec![(first, 0.0)];
            let mut made = 0.0;
            for call in arr(&r["calls"]) {
                let start = num(&call[0]) / 1e6;
                points.push((start, made));
                made += 1.0;
                points.push((start, made));
            }
            points.push((last, made));
            let name = r["strategy"].as_str().unwrap_or("?").replace('_', " ");
            Series::new(name, points, Mark::Line)
        })
        .collect();
    let expiry = d["expiry_micros"].as_f64().map_or(f64::NAN, |e| e / 1e6);
    let refreshed = arr(&d["runs"])
        .first()
        .and_then(|r| arr(&r["calls"]).first())
        .map_or(expiry, |c| num(&c[1]) / 1e6);
    Chart {
        title: "cache stampede: backend calls made so far, per strategy".into(),
        x_label: "time (s)".into(),
        y_label: "backend calls".into(),
        series,
        spans: vec![(
            "expired until the first refresh (none)".into(),
            expiry,
            refreshed,
        )],
    }
}
