//! A loop of timeouts that ends with the component that started it: the QR code refreshes
//! when the server says, the live list every few seconds, and nothing keeps running (or
//! fetching) after the page is left.

use std::{
    future::Future,
    rc::Rc,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use leptos::prelude::{TimeoutHandle, on_cleanup, set_timeout_with_handle};

/// Runs `tick` now, then again after the delay each run answers, until the current owner
/// (the component) is cleaned up. A run never overlaps the next: the delay starts when a run
/// has finished.
pub fn repeat<F, Fut>(tick: F)
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Duration> + 'static,
{
    let alive = Arc::new(AtomicBool::new(true));
    let pending: Arc<Mutex<Option<TimeoutHandle>>> = Arc::default();
    on_cleanup({
        let alive = Arc::clone(&alive);
        let pending = Arc::clone(&pending);
        move || {
            alive.store(false, Ordering::Relaxed);
            if let Some(handle) = pending.lock().ok().and_then(|mut h| h.take()) {
                handle.clear();
            }
        }
    });
    run(Rc::new(tick), alive, pending);
}

fn run<F, Fut>(tick: Rc<F>, alive: Arc<AtomicBool>, pending: Arc<Mutex<Option<TimeoutHandle>>>)
where
    F: Fn() -> Fut + 'static,
    Fut: Future<Output = Duration> + 'static,
{
    leptos::task::spawn_local(async move {
        if !alive.load(Ordering::Relaxed) {
            return;
        }
        let delay = tick().await;
        if !alive.load(Ordering::Relaxed) {
            return;
        }
        let next = {
            let (tick, alive, pending) =
                (Rc::clone(&tick), Arc::clone(&alive), Arc::clone(&pending));
            move || run(tick, alive, pending)
        };
        if let Ok(handle) = set_timeout_with_handle(next, delay)
            && let Ok(mut slot) = pending.lock()
        {
            *slot = Some(handle);
        }
    });
}
