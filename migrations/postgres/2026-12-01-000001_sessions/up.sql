-- Signed-in admin sessions, kept in the database so that signing out, a
-- password or role change, disabling an account or "sign out everywhere" ends
-- them on every app instance at once. The browser's cookie carries a random
-- token; only its SHA-256 hash is stored here.
CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
-- Ending every session of one account.
CREATE INDEX admin_sessions_user_idx ON admin_sessions (user_id);
