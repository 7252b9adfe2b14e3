//! The tour's command line, parsed by hand: a handful of flags do not justify a parser
//! dependency.

use core::fmt;

use crate::scenarios::{self, Scenario};
use crate::{Options, Primitive};

/// The usage text printed by `--help`.
pub const USAGE: &str = "\
The Ward anomaly tour: every anomaly shown under a naive design, then prevented.

Usage: ward-examples [SCENARIO] [--seed N] [--json] [--html FILE] [--sweep]
                     [--without PRIMITIVE]...
       ward-examples zombie-leader --etcd URL | --zookeeper HOST:PORT
       ward-examples --list | --help

Runs every scenario in order, or only SCENARIO. Exits 1 if any Ward primitive failed to
prevent its anomaly (or a naive run failed to show it), 2 on a usage error.

Options:
  --seed N   seed of every random draw (default 1); the same seed gives the same output
  --json     print one JSON document for the whole run instead of tables
  --html FILE
             also write the run as one self-contained HTML page with a chart per
             scenario (no network or scripts needed to read it)
  --sweep    thundering herd: also sweep over client counts
  --without PRIMITIVE
             run with a Ward primitive switched off (repeatable): fence, hlc,
             causal-buffer, quorum, or-set, backoff, breaker, retry-budget,
             session, commit-gate, commit-wait, coalesce, early-expiration; the
             scenarios that rely on it then fail and the tour exits 1
  --etcd URL, --zookeeper HOST:PORT
             zombie leader against a real etcd or ZooKeeper (builds with the
             ward-examples feature of the same name)
  --list     list the scenarios
  -h, --help print this text
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Run the scenarios (one, or all when `only` is `None`).
    Run {
        /// The one scenario to run, if any.
        only: Option<&'static Scenario>,
        /// Seed and sweep.
        options: Options,
        /// Print JSON instead of tables.
        json: bool,
        /// Also write the run as an HTML page to this file.
        html: Option<String>,
    },
    /// Run the zombie-leader scenario against a real coordination service.
    Service(crate::scenarios::zombie_leader::Service),
    /// Print the list of scenarios.
    List,
    /// Print the usage text.
    Help,
}

/// A command line the tour does not understand.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CliError {
    /// An argument that is neither a flag nor a scenario name.
    Unknown(String),
    /// `--seed` without a value.
    MissingSeed,
    /// `--seed` with a value that is not an unsigned 64-bit integer.
    BadSeed(String),
    /// Two scenario names were given.
    TwoScenarios(String, String),
    /// `--without` without a value.
    MissingPrimitive,
    /// `--without` with a name that is not a primitive of the tour.
    UnknownPrimitive(String),
    /// `--html` without a file name.
    MissingHtmlFile,
    /// `--etcd` or `--zookeeper` without an address.
    MissingAddress(&'static str),
    /// `--etcd` or `--zookeeper` with a scenario other than the zombie leader.
    ServiceWithoutZombie(String),
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unknown(arg) => write!(f, "unknown argument `{arg}` (try --list or --help)"),
            Self::MissingSeed => write!(f, "--seed needs a value"),
            Self::BadSeed(v) => write!(f, "--seed takes an unsigned integer, got `{v}`"),
            Self::TwoScenarios(a, b) => {
                write!(f, "one scenario at a time, got `{a}` and `{b}`")
            }
            Self::MissingPrimitive => write!(f, "--without needs a primitive"),
            Self::MissingHtmlFile => write!(f, "--html needs a file name"),
            Self::MissingAddress(flag) => write!(f, "{flag} needs an address"),
            Self::ServiceWithoutZombie(name) => write!(
                f,
                "--etcd and --zookeeper run only the zombie-leader scenario, not `{name}`"
            ),
            Self::UnknownPrimitive(p) => {
                let names: Vec<&str> = Primitive::ALL.iter().map(|p| p.name()).collect();
                write!(f, "unknown primitive `{p}` (one of {})", names.join(", "))
            }
        }
    }
}

impl std::error::Error for CliError {}

/// Parses the arguments after the program name.
///
/// # Errors
///
/// Returns a [`CliError`] for an unknown argument, a missing or malformed seed, a missing
/// or unknown primitive after `--without`, a missing file after `--html`, or two scenario
/// names.
///
/// # Examples
///
/// ```
/// use ward_examples::cli::{Command, parse};
///
/// let cmd = parse(["thundering-herd", "--seed", "7", "--json"]).unwrap();
/// let Command::Run { only, options, json, .. } = cmd else { panic!() };
/// assert_eq!(only.unwrap().name, "thundering-herd");
/// assert_eq!(options.seed, 7);
/// assert!(json);
/// assert!(parse(["--seed"]).is_err());
/// assert!(parse(["--without", "paxos"]).is_err());
/// ```
pub fn parse<I, S>(args: I) -> Result<Command, CliError>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut options = Options::default();
    let mut json = false;
    let mut html = None;
    let mut only: Option<&'static Scenario> = None;
    let mut service = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.as_ref();
        match arg {
            "-h" | "--help" => return Ok(Command::Help),
            "--list" => return Ok(Command::List),
            "--json" => json = true,
            "--html" => {
                let file = args.next().ok_or(CliError::MissingHtmlFile)?;
                let file = file.as_ref();
                if file.is_empty() || file.starts_with("--") {
                    return Err(CliError::MissingHtmlFile);
                }
                html = Some(file.to_string());
            }
            "--sweep" => options.sweep = true,
            "--etcd" | "--zookeeper" => {
                let flag = if arg == "--etcd" {
                    "--etcd"
                } else {
                    "--zookeeper"
                };
                let address = args.next().ok_or(CliError::MissingAddress(flag))?;
                let address = address.as_ref();
                if address.is_empty() || address.starts_with("--") {
                    return Err(CliError::MissingAddress(flag));
                }
                service = Some(if flag == "--etcd" {
                    crate::scenarios::zombie_leader::Service::Etcd(address.to_string())
                } else {
                    crate::scenarios::zombie_leader::Service::ZooKeeper(address.to_string())
                });
            }
            "--seed" => {
                let value = args.next().ok_or(CliError::MissingSeed)?;
                options.seed = parse_seed(value.as_ref())?;
            }
            "--without" => {
                let value = args.next().ok_or(CliError::MissingPrimitive)?;
                options.switches = options.switches.without(parse_primitive(value.as_ref())?);
            }
            _ if arg.starts_with("--without=") => {
                let p = parse_primitive(&arg["--without=".len()..])?;
                options.switches = options.switches.without(p);
            }
            _ if arg.starts_with("--seed=") => {
                options.seed = parse_seed(&arg["--seed=".len()..])?;
            }
            _ => {
                let found = scenarios::find(arg).ok_or_else(|| CliError::Unknown(arg.into()))?;
                if let Some(previous) = only {
                    return Err(CliError::TwoScenarios(previous.name.into(), arg.into()));
                }
                only = Some(found);
            }
        }
    }
    if let Some(service) = service {
        return match only {
            Some(s) if s.name != "zombie-leader" => {
                Err(CliError::ServiceWithoutZombie(s.name.into()))
            }
            _ => Ok(Command::Service(service)),
        };
    }
    Ok(Command::Run {
        only,
        options,
        json,
        html,
    })
}

fn parse_primitive(value: &str) -> Result<Primitive, CliError> {
    Primitive::from_name(value).ok_or_else(|| CliError::UnknownPrimitive(value.to_string()))
}

fn parse_seed(value: &str) -> Result<u64, CliError> {
    value
        .parse()
        .map_err(|_| CliError::BadSeed(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_run_everything_with_seed_one() {
        let cmd = parse(Vec::<String>::new()).unwrap();
        assert_eq!(
            cmd,
            Command::Run {
                only: None,
                options: Options::default(),
                json: false,
                html: None,
            }
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(parse(["--seed", "x"]), Err(CliError::BadSeed("x".into())));
        assert_eq!(parse(["--seed=-1"]), Err(CliError::BadSeed("-1".into())));
        assert_eq!(
            parse(["--frobnicate"]),
            Err(CliError::Unknown("--frobnicate".into()))
        );
        assert_eq!(parse(["--help", "--frobnicate"]), Ok(Command::Help));
        assert_eq!(parse(["--without"]), Err(CliError::MissingPrimitive));
        assert_eq!(parse(["--html"]), Err(CliError::MissingHtmlFile));
        assert_eq!(parse(["--html", "--json"]), Err(CliError::MissingHtmlFile));
        let Ok(Command::Run { html, .. }) = parse(["--html", "tour.html"]) else {
            panic!("a run")
        };
        assert_eq!(html.as_deref(), Some("tour.html"));
        assert_eq!(
            parse(["--without", "paxos"]),
            Err(CliError::UnknownPrimitive("paxos".into()))
        );
        let Ok(Command::Run { options, .. }) = parse(["--without", "hlc", "--without=fence"])
        else {
            panic!("a run")
        };
        let off: Vec<Primitive> = options.switches.off().collect();
        assert_eq!(off, [Primitive::Fence, Primitive::Hlc]);
    }

    #[test]
    fn usage_names_every_primitive() {
        let without = &USAGE[USAGE.find("--without PRIMITIVE\n").expect("the flag")..];
        let listed: String = without[..without.find("--etcd").expect("the next flag")]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        for p in Primitive::ALL {
            assert!(
                listed.contains(&format!(" {p},")) || listed.contains(&format!(" {p};")),
                "{p} missing from: {listed}"
            );
        }
    }

    #[test]
    fn real_services_run_only_the_zombie_leader() {
        use crate::scenarios::zombie_leader::Service;
        assert_eq!(
            parse(["zombie-leader", "--etcd", "http://127.0.0.1:2379"]),
            Ok(Command::Service(Service::Etcd(
                "http://127.0.0.1:2379".into()
            )))
        );
        assert_eq!(
            parse(["--zookeeper", "127.0.0.1:2181"]),
            Ok(Command::Service(Service::ZooKeeper(
                "127.0.0.1:2181".into()
            )))
        );
        assert_eq!(parse(["--etcd"]), Err(CliError::MissingAddress("--etcd")));
        assert_eq!(
            parse(["--zookeeper", "--json"]),
            Err(CliError::MissingAddress("--zookeeper"))
        );
        assert_eq!(
            parse(["oversell", "--etcd", "http://127.0.0.1:2379"]),
            Err(CliError::ServiceWithoutZombie("oversell".into()))
        );
    }
}
