//! Test support shared by the Ward crates' test suites. Not published: the crates list it
//! as a path-only dev-dependency, which packaging leaves out.
//!
//! [`Collect`] is a `tracing` subscriber that records every event as one line of text, so
//! a test of a crate's `tracing` feature can compare the exact events an operation emits.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A subscriber that records each event as `"target LEVEL message field=value ..."`, the
/// fields in the order they were written. [`Collect::only`] keeps one target's events and
/// leaves the target out of the line.
///
/// # Examples
///
/// ```
/// use ward_testkit::Collect;
///
/// let events = Collect::default().run(|| {
///     tracing::warn!(target: "ward_demo", seq = 3, "message refused");
/// });
/// assert_eq!(events, ["ward_demo WARN message refused seq=3"]);
///
/// let only = Collect::only("ward_demo").run(|| {
///     tracing::info!(target: "other", "ignored");
///     tracing::error!(target: "ward_demo", "kept");
/// });
/// assert_eq!(only, ["ERROR kept"]);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Collect {
    lines: Arc<Mutex<Vec<String>>>,
    target: Option<&'static str>,
}

impl Collect {
    /// A collector of the events of `target` alone, recorded as `"LEVEL message fields"`
    /// (the events of other targets, such as a client library's, are dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// let collect = ward_testkit::Collect::only("ward_demo");
    /// assert!(collect.take().is_empty());
    /// ```
    pub fn only(target: &'static str) -> Self {
        Self {
            lines: Arc::default(),
            target: Some(target),
        }
    }

    /// The events recorded so far, oldest first; the collector is empty afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use ward_testkit::Collect;
    ///
    /// let collect = Collect::default();
    /// tracing::subscriber::with_default(collect.clone(), || tracing::info!(target: "t", "one"));
    /// assert_eq!(collect.take(), ["t INFO one"]);
    /// assert!(collect.take().is_empty());
    /// ```
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lines.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// Runs `f` with this collector as the thread's subscriber and returns what it recorded.
    ///
    /// # Examples
    ///
    /// ```
    /// let events = ward_testkit::Collect::default().run(|| {});
    /// assert!(events.is_empty());
    /// ```
    pub fn run(&self, f: impl FnOnce()) -> Vec<String> {
        tracing::subscriber::with_default(self.clone(), f);
        self.take()
    }
}

/// The message and the other fields of one event, as text.
#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.rest.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
}

impl Subscriber for Collect {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = match self.target {
            Some(target) if meta.target() != target => return,
            Some(_) => format!("{} {}{}", meta.level(), fields.message, fields.rest),
            None => format!(
                "{} {} {}{}",
                meta.target(),
                meta.level(),
                fields.message,
                fields.rest
            ),
        };
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}
