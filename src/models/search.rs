//! Site search over public articles, using each database's own full-text
//! search: SQLite FTS5 (`article_search`, ranked with bm25) and PostgreSQL
//! tsvector (`article_search.document`, ranked with ts_rank). Both indexes are
//! kept in step by triggers (migration `2026-11-24-000002_search`). This is
//! the one place with search SQL: a backend's version lives in the
//! `QueryFragment` impl for that backend below. (Longer than most files
//! because both backends' SQL and the snippet handling sit side by side,
//! where a change to one is seen next to the other.)
//!
//! Two promises hold for any input: a reader's text reaches the database
//! only as a bound parameter of plain quoted words (see [`SearchTerms`]), and
//! snippets reach the page only as escaped text with `<mark>` added by us
//! (see [`marked_to_html`]).

use chrono::NaiveDateTime;
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::sql_types::{BigInt, Integer, Text};
use diesel::sqlite::{Sqlite, SqliteConnection};
use pulldown_cmark::{Event, Parser};

use crate::db::{DbBackend, DbConn};
use crate::models::article::{public_at, ArticleSummary, PublicAt};
use crate::models::{ArticleCard, MediaInfo, Section};
use crate::schema::{articles, media, sections};

/// A search ranks at most the newest this many matching articles. Ranking
/// costs a little per match (bm25 / ts_rank read each one's index data), and
/// a common word matches most of the archive: unbounded, one uncached query
/// for "council" took 650 ms at 100,000 articles, a cheap way to load the
/// server. The newest thousand is what a news reader searches in, 50 pages.
pub const MAX_RANKED: i64 = 1_000;

/// What a search found: one page of hits, best first.
#[derive(Debug, Clone)]
pub struct SearchResults {
    /// Public articles among the ranked matches (at most [`MAX_RANKED`]).
    pub total: i64,
    /// Whether older articles match too, beyond the ranked ones.
    pub more: bool,
    pub hits: Vec<SearchHit>,
}

/// At most this many words of a query are searched for; the rest are dropped.
pub const MAX_WORDS: usize = 32;
/// Longer words are cut to this many characters.
pub const MAX_WORD_CHARS: usize = 200;

/// Private-use characters the database puts around each matched word in a
/// snippet. Articles have no reason to contain them, and they survive HTML
/// escaping unchanged, so they can become `<mark>` after escaping.
const MARK_START: char = '\u{E000}';
const MARK_END: char = '\u{E001}';

/// The words of a reader's query: runs of Unicode letters and digits, nothing
/// else. Quotes, `*`, `-`, `:`, parentheses and the like are dropped, so no
/// input can be read as query syntax by either database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerms {
    words: Vec<String>,
}

impl SearchTerms {
    /// The words of `text`, or `None` when it has none to search for.
    pub fn parse(text: &str) -> Option<Self> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .take(MAX_WORDS)
            .map(|w| w.chars().take(MAX_WORD_CHARS).collect())
            .collect();
        (!words.is_empty()).then_some(SearchTerms { words })
    }

    /// The words as an FTS5 query: each one a quoted string, so `AND`, `NEAR`
    /// or `headline` are plain words, joined by spaces, which FTS5 reads as
    /// "all of them". Words have no quotes, but doubling them keeps this
    /// function safe on its own.
    pub fn fts5_query(&self) -> String {
        self.words
            .iter()
            .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The words separated by spaces, for PostgreSQL's `plainto_tsquery`,
    /// which ANDs them and gives no character a special meaning.
    pub fn plain_text(&self) -> String {
        self.words.join(" ")
    }
}

/// One search result: the article's card and a snippet of its text.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub card: ArticleCard,
    /// Plain text, with matched words between the private marker characters.
    pub snippet: String,
}

impl SearchHit {
    /// The snippet as safe HTML: escaped text with `<mark>` around matched words.
    pub fn snippet_html(&self) -> String {
        marked_to_html(&self.snippet)
    }
}

/// Escapes `text` for HTML, then turns the database's match markers into
/// `<mark>` and `</mark>`. Markers are only honoured in order (open, close),
/// and an open mark is closed at the end, so the result is always balanced
/// whatever the text holds.
pub fn marked_to_html(text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 32);
    let mut open = false;
    for c in text.chars() {
        match c {
            MARK_START if !open => {
                html.push_str("<mark>");
                open = true;
            }
            MARK_END if open => {
                html.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            '&' => html.push_str("&amp;"),
            '<' => html.push_str("&lt;"),
            '>' => html.push_str("&gt;"),
            '"' => html.push_str("&quot;"),
            '\'' => html.push_str("&#39;"),
            c => html.push(c),
        }
    }
    if open {
        html.push_str("</mark>");
    }
    html
}

/// A snippet is a cut of Markdown source: keep the words a reader sees
/// (link text, not its URL; no `#`, `*` or `>`), on one line.
fn snippet_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new(markdown) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The snippet to show from the candidates (standfirst, takeaways, body):
/// the one with the most matched words, the earliest on a tie. The headline
/// is never a candidate: the card shows it already.
fn best_snippet(candidates: [String; 3]) -> String {
    let marks = |s: &String| s.matches(MARK_START).count();
    let mut best: Option<String> = None;
    for candidate in candidates {
        let better = match &best {
            None => !candidate.is_empty(),
            Some(b) => marks(&candidate) > marks(b),
        };
        if better {
            best = Some(candidate);
        }
    }
    snippet_text(&best.unwrap_or_default())
}

/// One page of the public articles matching `terms`, best match first,
/// among the newest [`MAX_RANKED`] matches, and how many those hold. Only
/// articles public at `now` count (`public_at`).
pub fn search_public(
    conn: &mut DbConn,
    terms: &SearchTerms,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
) -> QueryResult<SearchResults> {
    type Ranked = (i32, String, String, String);
    // (matches among the newest MAX_RANKED + 1, public ones among them)
    let (counted, ranked): ((i64, i64), Vec<Ranked>) = match conn {
        DbConn::Sqlite(c) => {
            let query = terms.fts5_query();
            let counted = MatchCount::new(query.clone(), now).get_result::<(i64, i64)>(c)?;
            let page = if offset < counted.1.min(MAX_RANKED) {
                MatchPage::new(query, now, offset, limit).load(c)?
            } else {
                Vec::new()
            };
            (counted, page)
        }
        DbConn::Postgres(c) => {
            let query = terms.plain_text();
            let counted = MatchCount::new(query.clone(), now).get_result::<(i64, i64)>(c)?;
            let page = if offset < counted.1.min(MAX_RANKED) {
                MatchPage::new(query, now, offset, limit).load(c)?
            } else {
                Vec::new()
            };
            (counted, page)
        }
    };
    let total = counted.1.min(MAX_RANKED);
    let more = counted.0 > MAX_RANKED;
    if ranked.is_empty() {
        return Ok(SearchResults {
            total,
            more,
            hits: Vec::new(),
        });
    }
    let ids: Vec<i32> = ranked.iter().map(|r| r.0).collect();
    let mut cards: Vec<ArticleCard> = articles::table
        .left_join(sections::table)
        .left_join(media::table)
        .filter(public_at(now))
        .filter(articles::id.eq_any(&ids))
        .select((
            <ArticleSummary as Selectable<DbBackend>>::construct_selection(),
            <Section as Selectable<DbBackend>>::construct_selection().nullable(),
            <MediaInfo as Selectable<DbBackend>>::construct_selection().nullable(),
        ))
        .load(conn)?;
    // Keep the ranking's order; an article that stopped being public between
    // the two queries is simply left out.
    let hits = ranked
        .into_iter()
        .filter_map(|(id, standfirst, takeaways, body)| {
            let at = cards.iter().position(|c| c.article.id == id)?;
            Some(SearchHit {
                card: cards.swap_remove(at),
                snippet: best_snippet([standfirst, takeaways, body]),
            })
        })
        .collect();
    Ok(SearchResults { total, more, hits })
}

/// Relative weight of each column in SQLite's ranking (headline, standfirst,
/// takeaways, body): a word in the headline counts ten times one in the body,
/// so the article a query names comes first.
const SQLITE_BM25: &str = "bm25(article_search, 10.0, 4.0, 2.0, 1.0)";
/// The same weights for PostgreSQL's ts_rank, in its order: D (body),
/// C (takeaways), B (standfirst), A (headline).
const POSTGRES_RANK: &str = "ts_rank('{0.1, 0.2, 0.4, 1.0}', article_search.document, query)";
/// ts_headline settings: our markers, and up to two short passages.
static POSTGRES_HEADLINE_OPTIONS: &str = "StartSel=\"\u{E000}\", StopSel=\"\u{E001}\", \
     MaxWords=28, MinWords=12, MaxFragments=2, FragmentDelimiter=\" … \"";

/// How many of the newest `MAX_RANKED + 1` matches of a query there are (one
/// more, to tell whether there are more than can be ranked), and how many of
/// those are public.
struct MatchCount {
    /// The terms in the backend's own form (`fts5_query` or `plain_text`).
    query: String,
    public: PublicAt,
    newest: i64,
}

impl MatchCount {
    fn new(query: String, now: NaiveDateTime) -> Self {
        MatchCount {
            query,
            public: public_at(now),
            newest: MAX_RANKED + 1,
        }
    }
}

/// One page of the public articles matching a query, best first: each row
/// is the article id and a snippet from its standfirst, takeaways and body.
/// The page is ranked in a subquery so snippets are made for its rows only.
struct MatchPage {
    /// The terms in the backend's own form (`fts5_query` or `plain_text`).
    query: String,
    public: PublicAt,
    newest: i64,
    offset: i64,
    limit: i64,
}

impl MatchPage {
    fn new(query: String, now: NaiveDateTime, offset: i64, limit: i64) -> Self {
        MatchPage {
            query,
            public: public_at(now),
            newest: MAX_RANKED,
            offset,
            limit,
        }
    }
}

/// SQLite: `FROM … WHERE …` of the public articles among the newest
/// `newest` matches, as `hit` (`hit.id`, and `hit.score` when `ranked`).
/// FTS5 hands out matches in descending rowid order by itself, so the limit
/// stops it after `newest` rows and bm25 runs for those only. `CROSS JOIN`
/// makes SQLite keep this order: the match drives and each hit is looked up
/// by id (left to itself the planner may walk every public article and run
/// the match once per article, seconds at 100,000 articles).
fn sqlite_matches<'b>(
    query: &'b String,
    public: Option<&'b PublicAt>,
    newest: &'b i64,
    ranked: bool,
    mut out: AstPass<'_, 'b, Sqlite>,
) -> QueryResult<()> {
    out.push_sql(" FROM (SELECT rowid AS id");
    if ranked {
        out.push_sql(", ");
        out.push_sql(SQLITE_BM25);
        out.push_sql(" AS score");
    }
    out.push_sql(" FROM article_search WHERE article_search MATCH ");
    out.push_bind_param::<Text, _>(query)?;
    out.push_sql(" ORDER BY rowid DESC LIMIT ");
    out.push_bind_param::<BigInt, _>(newest)?;
    out.push_sql(") AS hit CROSS JOIN articles ON articles.id = hit.id");
    if let Some(public) = public {
        out.push_sql(" WHERE ");
        public.walk_ast(out.reborrow())?;
    }
    Ok(())
}

/// PostgreSQL: `FROM … WHERE …` of the public articles among the newest
/// `newest` matches, as `hit` (`hit.id`), with each one's `article_search`
/// row and the parsed `query` at hand for ranking. The matches are picked by
/// id alone, so ts_rank runs for those rows only, not for every match.
fn postgres_matches<'b>(
    query: &'b String,
    public: Option<&'b PublicAt>,
    newest: &'b i64,
    mut out: AstPass<'_, 'b, Pg>,
) -> QueryResult<()> {
    out.push_sql(
        " FROM (SELECT article_search.article_id AS id FROM article_search \
         CROSS JOIN plainto_tsquery('english', ",
    );
    out.push_bind_param::<Text, _>(query)?;
    out.push_sql(
        ") AS query WHERE article_search.document @@ query \
         ORDER BY article_search.article_id DESC LIMIT ",
    );
    out.push_bind_param::<BigInt, _>(newest)?;
    out.push_sql(
        ") AS hit JOIN article_search ON article_search.article_id = hit.id \
         CROSS JOIN plainto_tsquery('english', ",
    );
    out.push_bind_param::<Text, _>(query)?;
    out.push_sql(") AS query JOIN articles ON articles.id = hit.id");
    if let Some(public) = public {
        out.push_sql(" WHERE ");
        public.walk_ast(out.reborrow())?;
    }
    Ok(())
}

impl QueryFragment<Sqlite> for MatchCount {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT count(*), COALESCE(SUM(CASE WHEN ");
        self.public.walk_ast(out.reborrow())?;
        out.push_sql(" THEN 1 ELSE 0 END), 0)");
        sqlite_matches(&self.query, None, &self.newest, false, out.reborrow())
    }
}

impl QueryFragment<Pg> for MatchCount {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT count(*), COALESCE(SUM(CASE WHEN ");
        self.public.walk_ast(out.reborrow())?;
        out.push_sql(" THEN 1 ELSE 0 END), 0)");
        postgres_matches(&self.query, None, &self.newest, out.reborrow())
    }
}

impl QueryFragment<Sqlite> for MatchPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        out.push_sql("SELECT page.id");
        for column in ["1", "2", "3"] {
            out.push_sql(", snippet(article_search, ");
            out.push_sql(column);
            out.push_sql(", char(57344), char(57345), '…', 24)");
        }
        out.push_sql(" FROM (SELECT hit.id AS id, hit.score AS score");
        sqlite_matches(
            &self.query,
            Some(&self.public),
            &self.newest,
            true,
            out.reborrow(),
        )?;
        out.push_sql(" ORDER BY hit.score, hit.id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        // snippet() needs the match again, now for this page's rows only.
        out.push_sql(
            ") AS page CROSS JOIN article_search ON article_search.rowid = page.id \
             WHERE article_search MATCH ",
        );
        out.push_bind_param::<Text, _>(&self.query)?;
        out.push_sql(" ORDER BY page.score, page.id DESC");
        Ok(())
    }
}

impl QueryFragment<Pg> for MatchPage {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT page.id");
        for column in ["doc.standfirst", "hit.takeaways", "doc.body"] {
            out.push_sql(", ts_headline('english', ");
            out.push_sql(column);
            out.push_sql(", query, ");
            out.push_bind_param::<Text, _>(&POSTGRES_HEADLINE_OPTIONS)?;
            out.push_sql(")");
        }
        out.push_sql(" FROM (SELECT hit.id AS id, ");
        out.push_sql(POSTGRES_RANK);
        out.push_sql(" AS score");
        postgres_matches(
            &self.query,
            Some(&self.public),
            &self.newest,
            out.reborrow(),
        )?;
        out.push_sql(" ORDER BY score DESC, id DESC LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(" OFFSET ");
        out.push_bind_param::<BigInt, _>(&self.offset)?;
        out.push_sql(
            ") AS page JOIN article_search AS hit ON hit.article_id = page.id \
             JOIN articles AS doc ON doc.id = page.id \
             CROSS JOIN plainto_tsquery('english', ",
        );
        out.push_bind_param::<Text, _>(&self.query)?;
        out.push_sql(") AS query ORDER BY page.score DESC, page.id DESC");
        Ok(())
    }
}

// The plumbing that lets diesel run the two queries and load their rows.

impl QueryId for MatchCount {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for MatchCount {
    type SqlType = (BigInt, BigInt);
}

impl RunQueryDsl<SqliteConnection> for MatchCount {}
impl RunQueryDsl<PgConnection> for MatchCount {}

impl QueryId for MatchPage {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl Query for MatchPage {
    type SqlType = (Integer, Text, Text, Text);
}

impl RunQueryDsl<SqliteConnection> for MatchPage {}
impl RunQueryDsl<PgConnection> for MatchPage {}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(text: &str) -> Option<String> {
        SearchTerms::parse(text).map(|t| t.fts5_query())
    }

    #[test]
    fn query_words_are_quoted_and_syntax_is_dropped() {
        assert_eq!(
            fts("Harbour ferry").as_deref(),
            Some(r#""Harbour" "ferry""#)
        );
        assert_eq!(
            fts(r#"headline:x NEAR(a b) "quoted* -not)("#).as_deref(),
            Some(r#""headline" "x" "NEAR" "a" "b" "quoted" "not""#)
        );
        assert_eq!(
            fts("'; DROP TABLE articles; --").as_deref(),
            Some(r#""DROP" "TABLE" "articles""#)
        );
        assert_eq!(
            fts("Café Zürich 2027").as_deref(),
            Some(r#""Café" "Zürich" "2027""#)
        );
    }

    #[test]
    fn queries_without_words_are_no_query() {
        for text in ["", "   ", "\"", "*", ")(", "-:-", "\u{0}\u{FFFD}", "…"] {
            assert_eq!(SearchTerms::parse(text), None, "{text:?}");
        }
    }

    #[test]
    fn long_queries_are_capped_in_words_and_word_length() {
        let many = "word ".repeat(100);
        assert_eq!(SearchTerms::parse(&many).unwrap().words.len(), MAX_WORDS);
        let long = "x".repeat(10_000);
        let terms = SearchTerms::parse(&long).unwrap();
        assert_eq!(terms.words[0].chars().count(), MAX_WORD_CHARS);
        assert_eq!(SearchTerms::parse("a+b, c").unwrap().plain_text(), "a b c");
    }

    #[test]
    fn snippets_are_escaped_before_matches_are_marked() {
        assert_eq!(
            marked_to_html("Fish & \u{E000}chips\u{E001} <script>\"x\"</script>"),
            "Fish &amp; <mark>chips</mark> &lt;script&gt;&quot;x&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn stray_markers_never_unbalance_the_html() {
        assert_eq!(
            marked_to_html("\u{E001}a\u{E000}b\u{E000}c"),
            "a<mark>bc</mark>"
        );
        assert_eq!(marked_to_html("plain"), "plain");
    }

    #[test]
    fn the_snippet_with_most_matches_wins_and_loses_its_markdown() {
        let m = |w: &str| format!("{MARK_START}{w}{MARK_END}");
        let standfirst = format!("One {} here.", m("ferry"));
        let body = format!("## The {} and the *{}*\n\n> quay", m("ferry"), m("ferry"));
        assert_eq!(
            best_snippet([standfirst.clone(), String::new(), body]),
            format!("The {} and the {} quay", m("ferry"), m("ferry"))
        );
        assert_eq!(
            best_snippet([
                standfirst.clone(),
                String::new(),
                format!("A {}.", m("ferry"))
            ]),
            standfirst
        );
        assert_eq!(
            best_snippet([String::new(), String::new(), "Body start…".into()]),
            "Body start…"
        );
    }
}
