//! Stopping cleanly: on SIGTERM or Ctrl-C the server stops accepting, lets
//! requests in flight finish, then waits for background jobs (related-list
//! refreshes, the stored-HTML fill), all within `--shutdown-timeout`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::related::RefreshQueue;

/// Background threads of one app that a stop waits for.
#[derive(Debug, Default)]
pub struct Background {
    stopping: Arc<AtomicBool>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Background {
    /// Runs `job` on a thread of its own; `job` gets a flag that turns true
    /// when the app is stopping, so a long job can end after its current step.
    pub fn spawn(&self, job: impl FnOnce(&AtomicBool) + Send + 'static) {
        let stopping = Arc::clone(&self.stopping);
        let handle = std::thread::spawn(move || job(&stopping));
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        threads.retain(|t| !t.is_finished());
        threads.push(handle);
    }

    /// Whether a stop has begun.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Asks the jobs to stop and waits until they and the related-list
    /// refreshes are done, or `deadline` passes. Returns whether all finished.
    pub fn finish(&self, related: &RefreshQueue, deadline: Instant) -> bool {
        self.stopping.store(true, Ordering::SeqCst);
        loop {
            let threads_done = self
                .threads
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .all(|t| t.is_finished());
            if threads_done && related.is_idle() {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Waits for SIGTERM or SIGINT (Ctrl-C), then starts a graceful stop of the
/// server; returns when the signal came.
pub async fn on_signal(server: actix_web::dev::ServerHandle) -> Instant {
    use actix_web::rt::signal::unix::{signal, SignalKind};
    let (mut term, mut int) = match (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) {
        (Ok(term), Ok(int)) => (term, int),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!("cannot listen for stop signals: {e}");
            return std::future::pending().await;
        }
    };
    let name = match futures_util::future::select(Box::pin(term.recv()), Box::pin(int.recv())).await
    {
        futures_util::future::Either::Left(_) => "SIGTERM",
        futures_util::future::Either::Right(_) => "SIGINT",
    };
    let at = Instant::now();
    tracing::info!("{name}: no longer accepting connections; finishing requests in flight");
    // Not awaited here: `stop` resolves only once the server has stopped.
    actix_web::rt::spawn(server.stop(true));
    at
}
