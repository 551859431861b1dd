//! A request's body must arrive within `server.body_timeout_ms` of its headers: a client that
//! sends the headers and then stalls (or trickles) is answered 408 `request_timeout` instead of
//! holding a worker and, on writes, a database connection's turn indefinitely. Slow headers
//! already get 408 from actix-web's `client_request_timeout`.

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{Payload, ServiceRequest, ServiceResponse},
    error::PayloadError,
    middleware::Next,
    web,
};
use futures_util::Stream;
use std::{
    pin::Pin,
    task::{Context, Poll},
    time::Duration,
};

use crate::AppState;

/// Wraps the request's payload so that reading it past the deadline fails with `TimedOut`.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| Duration::from_millis(state.settings.server.body_timeout_ms));
    if let Some(limit) = limit {
        let inner = req.take_payload();
        let timed = Timed {
            inner,
            deadline: Box::pin(tokio::time::sleep(limit)),
        };
        req.set_payload(Payload::Stream {
            payload: Box::pin(timed),
        });
    }
    next.call(req).await
}

struct Timed {
    inner: Payload,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

/// The error a body read past its deadline ends in; `crate::error` answers it 408.
pub fn is_timeout(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}

impl Stream for Timed {
    type Item = Result<web::Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Pending => {}
            ready => return ready,
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body did not arrive in time",
            ))))),
            Poll::Pending => Poll::Pending,
        }
    }
}
