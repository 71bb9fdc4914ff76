//! The app's notion of "now". Production reads the system clock; tests use a
//! manual clock they can move, so time-dependent rules (scheduled publishing,
//! the public-visibility rule) are tested without sleeping.

use std::sync::{Arc, Mutex};

use chrono::{NaiveDateTime, Timelike, Utc};

/// Where the current time comes from.
#[derive(Debug, Clone, Default)]
pub enum Clock {
    /// The system clock.
    #[default]
    System,
    /// A clock that stands still until a test moves it.
    Manual(Arc<Mutex<NaiveDateTime>>),
}

impl Clock {
    /// A manual clock set to `at`.
    pub fn manual(at: NaiveDateTime) -> Self {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    /// Current UTC time, truncated to microseconds so SQLite and PostgreSQL store the same value.
    pub fn now(&self) -> NaiveDateTime {
        let now = match self {
            Clock::System => Utc::now().naive_utc(),
            Clock::Manual(at) => *at.lock().expect("clock lock poisoned"),
        };
        truncate_to_micros(now)
    }

    /// Moves a manual clock to `at`; the system clock cannot be set.
    pub fn set(&self, at: NaiveDateTime) {
        if let Clock::Manual(current) = self {
            *current.lock().expect("clock lock poisoned") = at;
        }
    }
}

/// Drops sub-microsecond precision (PostgreSQL keeps microseconds only).
pub fn truncate_to_micros(t: NaiveDateTime) -> NaiveDateTime {
    let micros = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(micros).unwrap_or(t)
}
