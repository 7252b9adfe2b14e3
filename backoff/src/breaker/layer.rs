//! A tower `Layer` that puts a circuit breaker in front of a service.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::{CallError, CircuitBreaker, NoObserver, Outcome, TransitionObserver};
use crate::clock::Clock;

/// Wraps services in a shared [`CircuitBreaker`].
///
/// Every request asks the breaker first: a rejected request fails at once with
/// [`CallError::Rejected`] without reaching the inner service; a permitted one is timed with
/// the breaker's clock and its result classified by `classify`. The response future is
/// boxed (one allocation per permitted request); dropping it before completion releases the
/// permit unused.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use tower::{Layer, Service};
/// use ward_backoff::MonotonicClock;
/// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker, Outcome};
///
/// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
/// let layer = BreakerLayer::new(Arc::clone(&breaker), |r: &Result<u32, ()>| {
///     if r.is_ok() { Outcome::Success } else { Outcome::Failure }
/// });
/// let mut svc = layer.layer(tower::service_fn(|x: u32| async move { Ok::<_, ()>(x + 1) }));
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let out = rt.block_on(svc.call(41));
/// assert_eq!(out, Ok(42));
/// assert_eq!(breaker.metrics().calls, 1);
/// ```
pub struct BreakerLayer<C, K, O = NoObserver> {
    breaker: Arc<CircuitBreaker<C, O>>,
    classify: K,
}

impl<C, K, O> BreakerLayer<C, K, O> {
    /// A layer sharing `breaker`, classifying results with `classify`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use ward_backoff::MonotonicClock;
    /// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker, Outcome};
    /// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
    /// let layer = BreakerLayer::new(breaker, |r: &Result<(), ()>| {
    ///     if r.is_ok() { Outcome::Success } else { Outcome::Failure }
    /// });
    /// let _same = layer.clone();
    /// ```
    pub const fn new(breaker: Arc<CircuitBreaker<C, O>>, classify: K) -> Self {
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
        }
    }
}

/// The service made by [`BreakerLayer`].
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use ward_backoff::MonotonicClock;
/// use ward_backoff::breaker::{BreakerConfig, BreakerLayer, CircuitBreaker, Outcome};
/// let breaker = Arc::new(CircuitBreaker::new(BreakerConfig::default(), MonotonicClock::new()));
/// let layer = BreakerLayer::new(breaker, |r: &Result<(), ()>| {
///     if r.is_ok() { Outcome::Success } else { Outcome::Failure }
/// });
/// use tower::Layer;
/// let _svc = layer.layer(tower::service_fn(|()| async { Ok::<(), ()>(()) }));
/// ```
pub struct BreakerService<S, C, K, O = NoObserver> {
    inner: S,
    breaker: Arc<CircuitBreaker<C, O>>,
    classify: K,
}

impl<S: Clone, C, K: Clone, O> Clone for BreakerService<S, C, K, O> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
            breaker: Arc::clone(&self.breaker),
            classify: self.classify.clone(),
        }
    }
}

impl<S, C, K, O> fmt::Debug for BreakerService<S, C, K, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BreakerService").finish_non_exhaustive()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<S, Req, C, K, O> tower::Service<Req> for BreakerService<S, C, K, O>
where
    S: tower::Service<Req>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: Send + 'static,
    C: Clock + Send + Sync + 'static,
    O: TransitionObserver + Send + Sync + 'static,
    K: Fn(&Result<S::Response, S::Error>) -> Outcome + Clone + Send + 'static,
{
    type Response = S::Response;
    type Error = CallError<S::Error>;
    type Future = BoxFuture<Result<S::Response, CallError<S::Error>>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(CallError::Inner)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        let permit = match CircuitBreaker::try_acquire_owned(&self.breaker) {
            Ok(p) => p,
            Err(r) => return Box::pin(core::future::ready(Err(CallError::Rejected(r)))),
        };
        let fut = self.inner.call(req);
        let breaker = Arc::clone(&self.breaker);
        let classify = self.classify.clone();
        Box::pin(async move {
            let start = breaker.clock.now();
            let result = fut.await;
            let elapsed = breaker.clock.now().saturating_sub(start);
            permit.record(classify(&result), elapsed);
            result.map_err(CallError::Inner)
        })
    }
}
