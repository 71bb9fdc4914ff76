//! The `broadsheet` command: serve the site (the default), run migrations,
//! manage accounts, rebuild related lists, generate articles, back up,
//! export and import the whole site, or import a WordPress site.

use std::process::ExitCode;

use broadsheet::config::LogFormat;
use broadsheet::models::user::{Role, User};
use broadsheet::{db, AppError, Config};
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
    Serve(Box<Config>),
    /// Manage newsroom accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Run pending database migrations and exit.
    Migrate {
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
    /// Fill a database with generated articles, for measuring the site at size.
    Generate {
        /// How many articles to make.
        #[arg(long)]
        articles: usize,
        /// Add to a database that already has articles (otherwise refused).
        #[arg(long)]
        append: bool,
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
    /// Related-articles maintenance.
    #[command(subcommand)]
    Related(RelatedCommand),
    /// Copy a SQLite database to FILE while the site serves (PostgreSQL: use pg_dump).
    Backup {
        /// Where to write the copy; an existing file is never overwritten.
        file: std::path::PathBuf,
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
    /// Write the whole site to standard output as one JSON document
    /// (`broadsheet export > site.json`), for `broadsheet import`.
    Export {
        /// Include password hashes, signed-in sessions and the session key
        /// (without it, imported accounts need `user passwd` before signing in).
        #[arg(long)]
        with_secrets: bool,
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
    /// Load a `broadsheet export` document into an empty database (migrated
    /// first), all or nothing.
    Import {
        /// The document to read (`-` for standard input).
        file: std::path::PathBuf,
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
        /// The site's public origin, as given to `serve`: bodies are rendered
        /// on import, and links to it stay followable as a save leaves them.
        #[arg(long, env = "BROADSHEET_BASE_URL")]
        base_url: Option<String>,
    },
    /// Load a WordPress export (WXR: Tools → Export → All content) into an
    /// empty database (migrated first), all or nothing.
    ImportWordpress {
        /// The export file (`.xml`).
        file: std::path::PathBuf,
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
        /// The site's public origin, as given to `serve` (bodies are rendered on import).
        #[arg(long, env = "BROADSHEET_BASE_URL")]
        base_url: Option<String>,
    },
}

#[derive(Subcommand)]
enum RelatedCommand {
    /// Recompute every article's related list (after an import, or once after upgrading).
    Rebuild {
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
        /// Related articles the sidebar shows (the site's setting: lists are
        /// stored this long, plus spares).
        #[arg(long, env = "BROADSHEET_RELATED_LIMIT", default_value_t = broadsheet::related::DEFAULT_RELATED_LIMIT)]
        related_limit: usize,
    },
}

/// Migrates the database, then recomputes every related list.
fn rebuild_related(database_url: &str, limit: usize) -> Result<(), broadsheet::AppError> {
    let pool = db::connect(database_url)?;
    let mut conn = pool.get()?;
    // Its writes are appends in key order and its reads one pass over the
    // articles: a larger cache made it no faster (42 s with 128 MiB, 45 s
    // with 8 MiB at 100,000 articles), only the process 230 MB larger.
    db::bulk_cache(&mut conn, 16)?;
    let started = std::time::Instant::now();
    let lists = broadsheet::related::rebuild_all_with_limit(
        &mut conn,
        broadsheet::Clock::System.now(),
        limit.max(1),
    )?;
    tracing::info!(
        "{lists} related list(s) rebuilt in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs `broadsheet export` to standard output; says what it wrote on standard error.
fn export(database_url: &str, with_secrets: bool) -> Result<(), AppError> {
    let pool = db::connect(database_url)?;
    let mut conn = pool.get()?;
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    let now = broadsheet::Clock::System.now();
    let made = broadsheet::export::export(&mut conn, out, with_secrets, now)?;
    eprintln!(
        "exported {} articles, {} image copies and {} accounts{}",
        made.articles,
        made.media,
        made.users,
        if with_secrets {
            " with their secrets"
        } else {
            " (without passwords: set them with `broadsheet user passwd`)"
        }
    );
    Ok(())
}

/// Runs `broadsheet import FILE` and says what it loaded.
fn import(
    file: &std::path::Path,
    database_url: &str,
    base_url: Option<&str>,
) -> Result<(), AppError> {
    let input: Box<dyn std::io::Read> = if file.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(file)
                .map_err(|e| AppError::Config(format!("cannot read {}: {e}", file.display())))?,
        )
    };
    let pool = db::connect(database_url)?;
    let mut conn = pool.get()?;
    let origin = base_url.unwrap_or("").trim_end_matches('/');
    let now = broadsheet::Clock::System.now();
    let made = broadsheet::export::import(&mut conn, input, origin, now)?;
    println!(
        "imported {} articles, {} image copies and {} accounts",
        made.articles, made.media, made.users
    );
    println!(
        "related lists are rebuilt when the site next starts (or now: `broadsheet related rebuild`)"
    );
    Ok(())
}

/// Runs `broadsheet import-wordpress FILE` and says what it made and what it left out.
fn import_wordpress(
    file: &std::path::Path,
    database_url: &str,
    base_url: Option<&str>,
) -> Result<(), AppError> {
    let pool = db::connect(database_url)?;
    let mut conn = pool.get()?;
    let origin = base_url.unwrap_or("").trim_end_matches('/');
    let now = broadsheet::Clock::System.now();
    let made = broadsheet::wordpress::import_file(&mut conn, file, origin, now)?;
    let statuses: Vec<String> = made
        .articles
        .iter()
        .map(|(status, n)| format!("{n} {status}"))
        .collect();
    println!(
        "imported {} articles ({}; {} of them pages), {} sections, {} tags, {} authors, \
         {} images and {} old addresses (301 to their articles)",
        made.article_count(),
        if statuses.is_empty() {
            "none".to_string()
        } else {
            statuses.join(", ")
        },
        made.pages,
        made.sections,
        made.tags,
        made.authors,
        made.images,
        made.redirects
    );
    let mut left_out: Vec<String> = made
        .skipped_types
        .iter()
        .map(|(kind, n)| format!("{n} {kind}"))
        .collect();
    if made.comments > 0 {
        left_out.push(format!("{} comments", made.comments));
    }
    if made.attachments_without_bytes > 0 {
        left_out.push(format!(
            "{} attachments whose files are not in the export (never downloaded)",
            made.attachments_without_bytes
        ));
    }
    if !left_out.is_empty() {
        println!("not imported: {}", left_out.join(", "));
    }
    for note in &made.notes {
        println!("note: {note}");
    }
    if !made.featured_elsewhere.is_empty() {
        println!(
            "{} posts were imported without their featured image: the export has only its \
             address, and nothing is downloaded (set lead images in the newsroom):",
            made.featured_elsewhere.len()
        );
        for post in &made.featured_elsewhere {
            println!("  {post}");
        }
    }
    println!(
        "related lists are rebuilt when the site next starts (or now: `broadsheet related rebuild`)"
    );
    Ok(())
}

/// Runs `broadsheet generate` and says what it made.
fn generate(database_url: &str, articles: usize, append: bool) -> Result<(), AppError> {
    let now = broadsheet::Clock::System.now();
    let made = broadsheet::generate::run(database_url, articles, append, now)?;
    println!(
        "generated {} articles in {:.1} s",
        made.articles, made.seconds
    );
    println!("related lists were not computed: run `broadsheet related rebuild` if you want them");
    Ok(())
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account (the first admin comes this way).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// admin, editor or contributor.
        #[arg(long)]
        role: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
    /// Set a new password for an account.
    Passwd {
        #[arg(long)]
        email: String,
        /// Read the password from standard input (one line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long, env = "DATABASE_URL", default_value = "sqlite://broadsheet.db")]
        database_url: String,
    },
}

/// Reads one line from standard input as the password, without its line ending.
fn password_from_stdin() -> Result<String, AppError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| AppError::Config(format!("cannot read the password: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < broadsheet::routes::admin::users::MIN_PASSWORD_CHARS {
        return Err(AppError::Config(format!(
            "passwords need at least {} characters",
            broadsheet::routes::admin::users::MIN_PASSWORD_CHARS
        )));
    }
    Ok(password)
}

fn user_command(command: UserCommand) -> Result<(), AppError> {
    let now = broadsheet::Clock::System.now();
    match command {
        UserCommand::Add {
            email,
            name,
            role,
            database_url,
            ..
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                AppError::Config(format!(
                    "unknown role {role:?}: use admin, editor or contributor"
                ))
            })?;
            if let Err(message) = broadsheet::routes::admin::users::check_new_user(
                &email,
                &name,
                "x".repeat(64).as_str(),
            ) {
                return Err(AppError::Config(message));
            }
            let password = password_from_stdin()?;
            let pool = db::connect(&database_url)?;
            let mut conn = pool.get()?;
            if User::find_by_email(&mut conn, &email)?.is_some() {
                return Err(AppError::Config(format!(
                    "an account for {email} already exists"
                )));
            }
            let id = User::create(&mut conn, &email, &name, role, &password, now)?;
            println!("created {} account {} for {email}", role.as_str(), id);
        }
        UserCommand::Passwd {
            email,
            database_url,
            ..
        } => {
            let password = password_from_stdin()?;
            let pool = db::connect(&database_url)?;
            let mut conn = pool.get()?;
            let user = User::find_by_email(&mut conn, &email)?
                .ok_or_else(|| AppError::Config(format!("no account for {email}")))?;
            User::set_password(&mut conn, user.id, &password)?;
            println!("password changed for {email}");
        }
    }
    Ok(())
}

/// Sends log lines to standard error, as text or as JSON lines; `RUST_LOG`
/// picks what is logged (default `info`).
fn init_logging(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Human => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(match &cli.command {
        Some(Command::Serve(config)) => config.log_format,
        None => cli.serve.log_format,
        // The other commands take no flag for it, but follow the variable.
        Some(_) => match std::env::var("BROADSHEET_LOG_FORMAT").as_deref() {
            Ok("json") => LogFormat::Json,
            _ => LogFormat::Human,
        },
    });
    let result = match cli.command {
        Some(Command::Migrate { database_url }) => db::migrate(&database_url).map(|ran| {
            tracing::info!("{ran} migration(s) applied");
        }),
        Some(Command::Related(RelatedCommand::Rebuild {
            database_url,
            related_limit,
        })) => rebuild_related(&database_url, related_limit),
        Some(Command::User(command)) => user_command(command),
        Some(Command::Generate {
            articles,
            append,
            database_url,
        }) => generate(&database_url, articles, append),
        Some(Command::Backup { file, database_url }) => {
            db::backup(&database_url, &file).map(|()| {
                println!("backed up to {}", file.display());
            })
        }
        Some(Command::Export {
            with_secrets,
            database_url,
        }) => export(&database_url, with_secrets),
        Some(Command::Import {
            file,
            database_url,
            base_url,
        }) => import(&file, &database_url, base_url.as_deref()),
        Some(Command::ImportWordpress {
            file,
            database_url,
            base_url,
        }) => import_wordpress(&file, &database_url, base_url.as_deref()),
        Some(Command::Serve(config)) => {
            actix_web::rt::System::new().block_on(broadsheet::serve(*config))
        }
        None => actix_web::rt::System::new().block_on(broadsheet::serve(cli.serve)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let e = e.chain();
            tracing::error!("{e}");
            eprintln!("broadsheet: {e}");
            ExitCode::FAILURE
        }
    }
}
