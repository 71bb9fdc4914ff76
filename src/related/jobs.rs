//! Background refreshes: one worker thread per app instance. A change is
//! written as a job row (`related_jobs`); the worker claims jobs (on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so with several instances each
//! job is done once), recomputes the lists each change affects, and deletes
//! the job in the transaction that stores them. A refresh that dies midway
//! leaves its job claimed; once the claim is older than `LEASE` any instance
//! takes it again, at start-up or on its next poll.

use std::sync::{Arc, Condvar, Mutex, Weak};
use std::time::{Duration, Instant};

use crate::db::DbPool;
use crate::error::AppError;
use crate::models::related_index as jobs;

/// How long a claim holds before another instance may take the job over: far
/// longer than a refresh takes (well under a second).
pub const LEASE: chrono::Duration = chrono::Duration::minutes(10);

/// How often an idle worker looks for jobs other instances queued or
/// abandoned.
const POLL: Duration = Duration::from_secs(30);

/// Jobs claimed at a time.
const CLAIM: i64 = 16;

/// Never-computed lists looked for per query of the start-up sweep.
const SWEEP_BATCH: i64 = 1_000;

/// The background refreshes of one app.
#[derive(Debug, Default)]
pub struct RefreshQueue {
    state: Mutex<QueueState>,
    wake: Condvar,
}

#[derive(Debug, Default)]
struct QueueState {
    /// Asked to look for jobs now.
    poked: bool,
    /// The worker is working.
    busy: bool,
    /// Jobs this instance has done (each a change's refresh).
    refreshed: u64,
}

impl RefreshQueue {
    /// Starts the worker. First, here: a job is queued for every list never
    /// computed (an archive imported behind the engine's back), or, when
    /// the index is empty while articles are published (a database from
    /// before the index), the worker is told to rebuild it whole. Then the
    /// worker takes up abandoned jobs and waits for changes. It stops when
    /// the returned queue is dropped.
    pub fn start(
        pool: DbPool,
        clock: crate::Clock,
        limit: usize,
    ) -> Result<Arc<RefreshQueue>, AppError> {
        let queue = Arc::new(RefreshQueue::default());
        queue.state.lock().expect("refresh queue lock").busy = true;
        let rebuild = {
            let mut conn = pool.get()?;
            if jobs::index_is_missing(&mut conn)? {
                true
            } else {
                let queued = jobs::queue_uncomputed(&mut conn, SWEEP_BATCH, clock.now())?;
                if queued > 0 {
                    tracing::info!("{queued} related list(s) never computed: queued");
                }
                false
            }
        };
        let weak = Arc::downgrade(&queue);
        std::thread::Builder::new()
            .name("related-refresh".into())
            .spawn(move || run(weak, pool, clock, limit, rebuild))
            .map_err(|e| AppError::internal_from("cannot start the related worker", e))?;
        Ok(queue)
    }

    /// Asks the worker to look for jobs now: after a change that wrote its
    /// job row (every write that can change related lists does, in its own
    /// transaction), or for jobs another instance wrote.
    pub fn poke(&self) {
        self.state.lock().expect("refresh queue lock").poked = true;
        self.wake.notify_all();
    }

    /// How many refresh jobs this instance has done since it started.
    pub fn refreshed(&self) -> u64 {
        self.state.lock().expect("refresh queue lock").refreshed
    }

    /// Whether this instance has nothing pending or running (for tests that
    /// wait for a refresh).
    pub fn is_idle(&self) -> bool {
        let state = self.state.lock().expect("refresh queue lock");
        !state.busy && !state.poked
    }
}

fn run(
    weak: Weak<RefreshQueue>,
    pool: DbPool,
    clock: crate::Clock,
    limit: usize,
    mut rebuild: bool,
) {
    let mut last_poll: Option<Instant> = None;
    loop {
        let Some(queue) = weak.upgrade() else {
            return;
        };
        {
            let mut state = queue.state.lock().expect("refresh queue lock");
            let due = |state: &QueueState, last_poll: Option<Instant>| {
                state.poked || rebuild || last_poll.is_none_or(|t| t.elapsed() >= POLL)
            };
            if !due(&state, last_poll) {
                state.busy = false;
                // Wake up now and then to notice the app has gone.
                state = queue
                    .wake
                    .wait_timeout(state, Duration::from_secs(1))
                    .expect("refresh queue lock")
                    .0;
                if !due(&state, last_poll) {
                    continue;
                }
            }
            state.busy = true;
            state.poked = false;
        }
        let result = work(&pool, &clock, limit, &mut rebuild);
        last_poll = Some(Instant::now());
        match result {
            Ok(done) => queue.state.lock().expect("refresh queue lock").refreshed += done,
            Err(e) => {
                tracing::error!("refreshing related lists: {}", e.chain());
                // The job rows stay; look again shortly.
                queue.state.lock().expect("refresh queue lock").poked = true;
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}

/// One pass: rebuilds the index if start-up found none, then claims and
/// does jobs until none is left. Returns how many jobs it did.
fn work(
    pool: &DbPool,
    clock: &crate::Clock,
    limit: usize,
    rebuild: &mut bool,
) -> Result<u64, AppError> {
    let mut done_jobs = 0;
    let mut conn = pool.get()?;
    let now = clock.now();
    if *rebuild {
        let started = Instant::now();
        let lists = super::rebuild_all_with_limit(&mut conn, now, limit)?;
        tracing::info!(
            "related index built: {lists} list(s) in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        *rebuild = false;
    }
    loop {
        let now = clock.now();
        let claimed = jobs::claim_jobs(&mut conn, now, LEASE, CLAIM)?;
        if claimed.is_empty() {
            return Ok(done_jobs);
        }
        for (article_id, requested_at) in claimed {
            let started = Instant::now();
            let done = crate::db::write_transaction(&mut conn, |conn| {
                jobs::lock_index(conn)?;
                let lists = super::index::refresh_in(conn, article_id, now, limit)?;
                jobs::finish_job(conn, article_id, requested_at)?;
                diesel::QueryResult::Ok(lists)
            });
            match done {
                Ok(lists) => {
                    done_jobs += 1;
                    tracing::debug!(
                        "related lists refreshed after article {article_id}: {lists} in {:.1} ms",
                        started.elapsed().as_secs_f64() * 1000.0
                    )
                }
                // The job stays claimed and is taken again after the lease.
                Err(e) => tracing::error!("refreshing related lists after {article_id}: {e}"),
            }
        }
    }
}
