//! The `broadsheet` command: serve the site (the default) or run migrations.

use std::process::ExitCode;

use broadsheet::{db, Config};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "broadsheet",
    version,
    about = "A fast, self-hosted news website"
)]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand, `broadsheet` serves the site with these settings.
    #[command(flatten)]
    serve: Config,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the site (what `cargo run` does).
    Serve(Config),
    /// Run pending database migrations and exit.
    Migrate {
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
    /// Related-articles maintenance.
    #[command(subcommand)]
    Related(RelatedCommand),
}

#[derive(Subcommand)]
enum RelatedCommand {
    /// Recompute every article's related list (after an import, or once after upgrading).
    Rebuild {
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
}

/// Migrates the database, then recomputes every related list.
fn rebuild_related(database_url: &str) -> Result<(), broadsheet::AppError> {
    let pool = db::connect(database_url)?;
    let mut conn = pool.get()?;
    let started = std::time::Instant::now();
    let lists = broadsheet::related::rebuild_all(&mut conn, broadsheet::Clock::System.now())?;
    tracing::info!(
        "{lists} related list(s) rebuilt in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Migrate { database_url }) => db::migrate(&database_url).map(|ran| {
            tracing::info!("{ran} migration(s) applied");
        }),
        Some(Command::Related(RelatedCommand::Rebuild { database_url })) => {
            rebuild_related(&database_url)
        }
        Some(Command::Serve(config)) => {
            actix_web::rt::System::new().block_on(broadsheet::serve(config))
        }
        None => actix_web::rt::System::new().block_on(broadsheet::serve(cli.serve)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("broadsheet: {e}");
            ExitCode::FAILURE
        }
    }
}
