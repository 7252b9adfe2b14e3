//! How a call's result becomes an [`Outcome`].

use super::Outcome;

/// Decides the [`Outcome`] of a call from its result.
///
/// A trait rather than a bare closure so that a service built with it has a nameable,
/// `Send + 'static` future: a layered service can be spawned. Closures
/// `Fn(&Result<T, E>) -> Outcome` implement it; [`ResultClassifier`] is the default.
///
/// # Examples
///
/// ```
/// use ward_backoff::breaker::{Classify, Outcome};
///
/// /// HTTP statuses: 5xx and transport errors are the dependency's failures, 4xx are not
/// /// its fault.
/// #[derive(Clone, Copy)]
/// struct Http;
/// impl<E> Classify<u16, E> for Http {
///     fn classify(&self, result: &Result<u16, E>) -> Outcome {
///         match result {
///             Ok(500..=599) | Err(_) => Outcome::Failure,
///             Ok(400..=499) => Outcome::Ignored,
///             Ok(_) => Outcome::Success,
///         }
///     }
/// }
/// assert_eq!(Classify::<u16, ()>::classify(&Http, &Ok(503)), Outcome::Failure);
/// assert_eq!(Classify::<u16, ()>::classify(&Http, &Ok(404)), Outcome::Ignored);
/// ```
pub trait Classify<T, E> {
    /// The outcome of `result`.
    fn classify(&self, result: &Result<T, E>) -> Outcome;
}

impl<T, E, F: Fn(&Result<T, E>) -> Outcome> Classify<T, E> for F {
    #[inline]
    fn classify(&self, result: &Result<T, E>) -> Outcome {
        self(result)
    }
}

/// The default classification: `Ok` is a success, `Err` a failure.
///
/// # Examples
///
/// ```
/// use ward_backoff::breaker::{Classify, Outcome, ResultClassifier};
/// assert_eq!(ResultClassifier.classify(&Ok::<u8, ()>(1)), Outcome::Success);
/// assert_eq!(ResultClassifier.classify(&Err::<u8, ()>(())), Outcome::Failure);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ResultClassifier;

impl<T, E> Classify<T, E> for ResultClassifier {
    #[inline]
    fn classify(&self, result: &Result<T, E>) -> Outcome {
        if result.is_ok() {
            Outcome::Success
        } else {
            Outcome::Failure
        }
    }
}
