//! A tower `Layer` that puts a circuit breaker in front of a service.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{
    CallError, CircuitBreaker, Classify, NoObserver, OwnedPermit, Rejected, ResultClassifier,
    TransitionObserver,
};
use crate::clock::Clock;

/// Wraps services in a shared [`CircuitBreaker`].
///
/// - **Readiness.** While the breaker is open, [`poll_ready`](tower::Service::poll_ready)
///   is pending until the open wait has passed (a tokio timer wakes the task; the breaker's
///   own clock decides), so load-shedding and balancing layers see an open breaker as an
///   unavailable service. Outside a tokio runtime it reports the inner service's readiness
///   and the call is rejected instead. Needs tokio's time driver when polled inside a tokio
///   runtime.
/// - **Calls.** Every request asks the breaker first: a rejected request fails at once with
///   [`CallError::Rejected`] (carrying the remaining open time) without reaching the inner
///   service; a permitted one is timed with the breaker's clock **from the call**, not from
///   the response future's first poll, and its result classified by a [`Classify`]
///   ([`ResultClassifier`] unless set with [`BreakerLayer::with_classifier`]).
/// - **Futures.** The response future, [`ResponseFuture`], is a named type that is `Send`
///   whenever the inner future, the classifier and the breaker are, with no `'static`
///   bound on the response or error types, so layered services can be spawned (also with
///   a `Box<dyn Error + Send + Sync>` error). It boxes the inner future (one allocation per
///   permitted request); dropping it before completion releases the permit unused.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use tower::{Layer, Service};
/// use ward_backoff::MonotonicClock;
/// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker};
///
/// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
/// let layer = BreakerLayer::new(Arc::clone(&breaker));
/// let mut svc = layer.layer(tower::service_fn(|x: u32| async move { Ok::<_, ()>(x + 1) }));
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// let out = rt.block_on(svc.call(41));
/// assert_eq!(out, Ok(42));
/// assert_eq!(breaker.metrics().calls, 1);
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub struct BreakerLayer<C, K = ResultClassifier, O = NoObserver> {
    breaker: Arc<CircuitBreaker<C, O>>,
    classify: K,
}

impl<C, O> BreakerLayer<C, ResultClassifier, O> {
    /// A layer sharing `breaker`, classifying `Ok` as success and `Err` as failure.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ward_backoff::MonotonicClock;
    /// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker};
    /// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
    /// let layer = BreakerLayer::new(breaker);
    /// let _same = layer.clone();
    /// ```
    pub const fn new(breaker: Arc<CircuitBreaker<C, O>>) -> Self {
        Self {
            breaker,
            classify: ResultClassifier,
        }
    }
}

impl<C, K, O> BreakerLayer<C, K, O> {
    /// A layer sharing `breaker`, classifying results with `classify` (a [`Classify`]
    /// type or a closure `Fn(&Result<T, E>) -> Outcome`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use tower::{Layer, Service};
    /// use ward_backoff::MonotonicClock;
    /// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker, Outcome};
    /// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
    /// // A 404 is the caller's problem, not the dependency's.
    /// let layer = BreakerLayer::with_classifier(Arc::clone(&breaker), |r: &Result<u16, ()>| match r {
    ///     Ok(404) => Outcome::Ignored,
    ///     Ok(s) if *s >= 500 => Outcome::Failure,
    ///     Ok(_) => Outcome::Success,
    ///     Err(()) => Outcome::Failure,
    /// });
    /// let mut svc = layer.layer(tower::service_fn(|s: u16| async move { Ok::<_, ()>(s) }));
    /// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
    /// assert_eq!(rt.block_on(svc.call(404)), Ok(404));
    /// assert_eq!(breaker.metrics().calls, 0);
    /// ```
    pub const fn with_classifier(breaker: Arc<CircuitBreaker<C, O>>, classify: K) -> Self {
        Self { breaker, classify }
    }
}

impl<C, K: Clone, O> Clone for BreakerLayer<C, K, O> {
    fn clone(&self) -> Self {
        Self {
            breaker: Arc::clone(&self.breaker),
            classify: self.classify.clone(),
        }
    }
}

impl<C, K, O> fmt::Debug for BreakerLayer<C, K, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerLayer").finish_non_exhaustive()
    }
}

impl<S, C, K: Clone, O> tower::Layer<S> for BreakerLayer<C, K, O> {
    type Service = BreakerService<S, C, K, O>;

    fn layer(&self, inner: S) -> Self::Service {
        BreakerService {
            inner,
            breaker: Arc::clone(&self.breaker),
            classify: self.classify.clone(),
            sleep: None,
        }
    }
}

/// The service made by [`BreakerLayer`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use tower::Layer;
/// use ward_backoff::MonotonicClock;
/// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, BreakerService, CircuitBreaker};
/// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
/// let svc = BreakerLayer::new(breaker).layer(tower::service_fn(|()| async { Ok::<(), ()>(()) }));
/// let _copy = svc.clone();
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub struct BreakerService<S, C, K = ResultClassifier, O = NoObserver> {
    inner: S,
    breaker: Arc<CircuitBreaker<C, O>>,
    classify: K,
    /// The timer that wakes a task waiting for an open breaker to accept calls again.
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S: Clone, C, K: Clone, O> Clone for BreakerService<S, C, K, O> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            breaker: Arc::clone(&self.breaker),
            classify: self.classify.clone(),
            sleep: None,
        }
    }
}

impl<S, C, K, O> fmt::Debug for BreakerService<S, C, K, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerService").finish_non_exhaustive()
    }
}

/// The response future of a [`BreakerService`]: rejected at once, or the inner call,
/// timed from the call and classified when it completes.
///
/// Dropping it before completion releases the call's permit unused.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use tower::{Layer, Service};
/// use ward_backoff::MonotonicClock;
/// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker, ResponseFuture};
/// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
/// let mut svc = BreakerLayer::new(breaker).layer(tower::service_fn(|x: u8| async move { Ok::<_, ()>(x) }));
/// let fut = svc.call(3);
/// fn is_send<T: Send>(_: &T) {}
/// is_send(&fut);
/// # let rt = tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap();
/// assert_eq!(rt.block_on(fut), Ok(3));
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
#[must_use = "futures do nothing unless polled"]
pub struct ResponseFuture<F, C: Clock, K, O: TransitionObserver = NoObserver> {
    state: Response<F, C, K, O>,
}

enum Response<F, C: Clock, K, O: TransitionObserver> {
    Rejected(Option<Rejected>),
    Running {
        fut: Pin<Box<F>>,
        permit: Option<OwnedPermit<C, O>>,
        classify: K,
        start: core::time::Duration,
    },
}

// Nothing is ever pinned in place but the inner future, which is boxed: moving the rest
// (the permit, the classifier) is fine.
impl<F, C: Clock, K, O: TransitionObserver> Unpin for ResponseFuture<F, C, K, O> {}

impl<F, C: Clock, K, O: TransitionObserver> fmt::Debug for ResponseFuture<F, C, K, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, T, E, C, K, O> Future for ResponseFuture<F, C, K, O>
where
    F: Future<Output = Result<T, E>>,
    C: Clock,
    K: Classify<T, E>,
    O: TransitionObserver,
{
    type Output = Result<T, CallError<E>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            Response::Rejected(r) => match r.take() {
                Some(r) => Poll::Ready(Err(CallError::Rejected(r))),
                None => Poll::Pending, // polled after completion
            },
            Response::Running {
                fut,
                permit,
                classify,
                start,
            } => {
                let result = match fut.as_mut().poll(cx) {
                    Poll::Ready(result) => result,
                    Poll::Pending => return Poll::Pending,
                };
                if let Some(p) = permit.take() {
                    let elapsed = p.breaker.call_time(*start);
                    p.record(classify.classify(&result), elapsed);
                }
                Poll::Ready(result.map_err(CallError::Inner))
            }
        }
    }
}

impl<S, Req, C, K, O> tower::Service<Req> for BreakerService<S, C, K, O>
where
    S: tower::Service<Req>,
    C: Clock,
    O: TransitionObserver,
    K: Classify<S::Response, S::Error> + Clone,
{
    type Response = S::Response;
    type Error = CallError<S::Error>;
    type Future = ResponseFuture<S::Future, C, K, O>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        while let Some(remaining) = self.breaker.remaining_open().filter(|r| !r.is_zero()) {
            if tokio::runtime::Handle::try_current().is_err() {
                break; // no timer to wake us: the call will be rejected instead
            }
            let at = tokio::time::Instant::now() + remaining;
            let sleep = match &mut self.sleep {
                Some(s) => {
                    s.as_mut().reset(at);
                    s
                }
                None => self.sleep.insert(Box::pin(tokio::time::sleep_until(at))),
            };
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        self.sleep = None;
        self.inner.poll_ready(cx).map_err(CallError::Inner)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        let permit = match CircuitBreaker::try_acquire_owned(&self.breaker) {
            Ok(p) => p,
            Err(r) => {
                return ResponseFuture {
                    state: Response::Rejected(Some(r)),
                };
            }
        };
        // The call starts now, whenever its future is first polled.
        let start = self.breaker.call_started();
        ResponseFuture {
            state: Response::Running {
                fut: Box::pin(self.inner.call(req)),
                permit: Some(permit),
                classify: self.classify.clone(),
                start,
            },
        }
    }
}
