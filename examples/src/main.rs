//! The Ward anomaly tour: `cargo run --release -p ward-examples -- --help`.

use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use serde::Serialize;
use ward_examples::cli::{self, Command, USAGE};
use ward_examples::{Report, scenarios};

/// The `--json` document: the whole run.
#[derive(Serialize)]
struct Run<'a> {
    seed: u64,
    passed: bool,
    scenarios: &'a [Report],
}

fn main() -> ExitCode {
    let command = match cli::parse(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(err) => {
            eprintln!("ward-examples: {err}");
            return ExitCode::from(2);
        }
    };
    let (only, options, json, html) = match command {
        Command::Help => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Command::Service(service) => {
            return match ward_examples::scenarios::zombie_leader::run_against(&service) {
                Ok(lines) => {
                    for line in lines {
                        println!("{line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("ward-examples: {err}");
                    ExitCode::FAILURE
                }
            };
        }
        Command::List => {
            for s in scenarios::all() {
                println!("{}. {:<18} {}", s.number, s.name, s.summary);
            }
            return ExitCode::SUCCESS;
        }
        Command::Run {
            only,
            options,
            json,
            html,
        } => (only, options, json, html),
    };
    let selected: Vec<_> = match only {
        Some(s) => vec![s],
        None => scenarios::all().iter().collect(),
    };
    let colour = !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut stdout = std::io::stdout().lock();
    let mut reports = Vec::with_capacity(selected.len());
    if !json {
        let _ = writeln!(stdout, "Ward anomaly tour (seed {})\n", options.seed);
    }
    for scenario in selected {
        let report = scenario.run(&options);
        if !json {
            let _ = writeln!(stdout, "{}", report.render(colour));
            let _ = stdout.flush();
        }
        reports.push(report);
    }
    let passed = reports.iter().all(Report::passed);
    if let Some(file) = html {
        let page = ward_examples::html::page(options.seed, &reports);
        if let Err(err) = std::fs::write(&file, page) {
            eprintln!("ward-examples: could not write {file}: {err}");
            return ExitCode::FAILURE;
        }
    }
    if json {
        let run = Run {
            seed: options.seed,
            passed,
            scenarios: &reports,
        };
        match serde_json::to_string_pretty(&run) {
            Ok(text) => {
                let _ = writeln!(stdout, "{text}");
            }
            Err(err) => {
                eprintln!("ward-examples: could not encode the run as JSON: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        let ok = reports.iter().filter(|r| r.passed()).count();
        let _ = writeln!(
            stdout,
            "{ok} of {} scenarios: anomaly shown without Ward, prevented with it",
            reports.len()
        );
        for r in reports.iter().filter(|r| !r.passed()) {
            let _ = writeln!(stdout, "  failed: {}. {}", r.number, r.scenario);
        }
    }
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
