//! Rebuilds when a migration is added or changed: `embed_migrations!` reads
//! the `migrations/` folders at compile time, and cargo does not otherwise
//! notice a new folder there.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
