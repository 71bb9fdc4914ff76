//! Articles: the struct, the public-visibility rule, and the queries behind
//! the front page, section pages, the article page and its related list.
//! (Longer than most files: every listing walks the same keyed index the
//! same way, and the visibility rule must sit next to each query using it.)

use chrono::NaiveDateTime;
use diesel::dsl;
use diesel::prelude::*;

use crate::db::{DbBackend, DbConn};
use crate::models::{Author, MediaInfo, Section};
use crate::schema::{
    article_authors, article_notes, article_tags, article_takeaways, articles, authors,
    live_coverage, media, sections,
};

/// Workflow state of an article, stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
}

impl ArticleStatus {
    /// The stored form.
    pub const fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Scheduled => "scheduled",
            ArticleStatus::Published => "published",
        }
    }
}

/// A full article row.
#[derive(Queryable, Selectable, Identifiable, Debug, Clone, PartialEq)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: i32,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub kicker: String,
    pub section_id: Option<i32>,
    pub author_id: Option<i32>,
    pub lead_image_id: Option<i32>,
    pub lead_image_alt: String,
    pub lead_image_caption: String,
    pub lead_image_credit: String,
    pub desk_heading: String,
    pub desk_text: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    pub version: i32,
    pub word_count: i32,
    pub created_by: Option<i32>,
    /// The body's sanitised HTML, stored at save time; `None` only for rows
    /// saved before it existed and not yet filled (see [`fill_body_html`]).
    pub body_html: Option<String>,
    /// Who last changed it (a save, a return, a restore, a trash, a bulk action).
    pub updated_by: Option<i32>,
    /// When a draft was submitted for review; `Some` while it waits in the
    /// editors' queue (it stays a draft, so it is never public).
    pub submitted_at: Option<NaiveDateTime>,
    /// The note an editor left when returning the draft (`""`: none).
    pub review_note: String,
    /// The `<title>` and social title; `""` means the headline.
    pub seo_title: String,
    /// The meta and social description; `""` means the standfirst.
    pub seo_description: String,
    /// The image shared on social sites; `None` means the lead image.
    pub social_image_id: Option<i32>,
    /// The social image's alt text; `""` means the headline.
    pub social_image_alt: String,
    /// Absolute canonical URL of a syndicated piece; `""` means the article's own URL.
    pub canonical_url: String,
    /// Asks search engines not to index the page (and leaves it out of the sitemaps).
    pub noindex: bool,
}

/// An article to be created.
#[derive(Insertable, Debug, Clone)]
#[diesel(table_name = articles)]
pub struct NewArticle {
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub kicker: String,
    pub section_id: Option<i32>,
    pub author_id: Option<i32>,
    pub lead_image_id: Option<i32>,
    pub lead_image_alt: String,
    pub lead_image_caption: String,
    pub lead_image_credit: String,
    pub desk_heading: String,
    pub desk_text: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The columns an article card needs (no body).
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = articles)]
pub struct ArticleSummary {
    pub id: i32,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub kicker: String,
    pub lead_image_alt: String,
    pub published_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
    pub word_count: i32,
}

/// Reading speed used for reading times.
const WORDS_PER_MINUTE: i32 = 230;

/// Minutes to read `words`, rounded, and never less than one.
pub fn reading_minutes(words: i32) -> i32 {
    ((words + WORDS_PER_MINUTE / 2) / WORDS_PER_MINUTE).max(1)
}

/// Words in a Markdown body, as a reader counts them (markup ignored).
pub fn count_words(markdown: &str) -> i32 {
    let words = markdown
        .split(|c: char| c.is_whitespace())
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    i32::try_from(words).unwrap_or(i32::MAX)
}

impl ArticleSummary {
    /// Minutes to read the article.
    pub fn reading_minutes(&self) -> i32 {
        reading_minutes(self.word_count)
    }
}

/// An article as listed on the front, section and related lists.
#[derive(Queryable, Debug, Clone, PartialEq)]
pub struct ArticleCard {
    pub article: ArticleSummary,
    pub section: Option<Section>,
    pub image: Option<MediaInfo>,
}

/// Statuses that go live at their publish time. A scheduled article needs no
/// job to flip it: it is public as soon as its time has passed.
pub const LIVE_STATUSES: [&str; 2] = [
    ArticleStatus::Published.as_str(),
    ArticleStatus::Scheduled.as_str(),
];

/// SQL type of the public-visibility filter.
pub type PublicAt = dsl::And<
    dsl::And<
        dsl::EqAny<articles::status, [&'static str; 2]>,
        dsl::LtEq<articles::published_at, NaiveDateTime>,
    >,
    dsl::IsNull<articles::deleted_at>,
>;

/// The one rule for what readers may see: published or scheduled, its publish
/// time has passed, and not deleted. Every public query filters with this.
pub fn public_at(now: NaiveDateTime) -> PublicAt {
    articles::status
        .eq_any(LIVE_STATUSES)
        .and(articles::published_at.le(now))
        .and(articles::deleted_at.is_null())
}

/// An article with its section, author and lead image.
pub type ArticleParts = (Article, Option<Section>, Option<Author>, Option<MediaInfo>);

/// The type of [`own_or_public`].
pub type OwnOrPublic =
    dsl::Or<dsl::Eq<articles::created_by, i32>, diesel::helper_types::Nullable<PublicAt>>;

/// What a contributor may see in the newsroom: their own articles in any
/// state, and of everyone else's only what readers see (never other drafts).
pub fn own_or_public(user_id: i32, now: NaiveDateTime) -> OwnOrPublic {
    articles::created_by
        .eq(user_id)
        .or(public_at(now).nullable())
}

/// SQL type of [`in_sitemaps`].
pub type InSitemaps =
    dsl::And<dsl::Eq<articles::noindex, bool>, dsl::Eq<articles::canonical_url, &'static str>>;

/// Which public articles the sitemaps list: not marked noindex, and not
/// syndicated (a canonical URL elsewhere means this page is not the one to
/// index). Used beside [`public_at`], never instead of it.
pub fn in_sitemaps() -> InSitemaps {
    articles::noindex
        .eq(false)
        .and(articles::canonical_url.eq(""))
}

/// SQL type of [`in_review`].
pub type InReview = dsl::And<
    dsl::And<dsl::Eq<articles::status, &'static str>, dsl::IsNotNull<articles::submitted_at>>,
    dsl::IsNull<articles::deleted_at>,
>;

/// The review queue: drafts submitted for review, not in the trash.
pub fn in_review() -> InReview {
    articles::status
        .eq(ArticleStatus::Draft.as_str())
        .and(articles::submitted_at.is_not_null())
        .and(articles::deleted_at.is_null())
}

/// How many articles wait in the review queue (for the admin bar; an
/// indexed range on `(deleted_at, submitted_at)`).
pub fn review_count(conn: &mut DbConn) -> QueryResult<i64> {
    articles::table.filter(in_review()).count().get_result(conn)
}

impl Article {
    /// The article with this id, in any state.
    pub fn find(conn: &mut DbConn, id: i32) -> QueryResult<Article> {
        articles::table
            .find(id)
            .select(Article::as_select())
            .first(conn)
    }

    /// Whether the article is a draft waiting in the review queue.
    pub fn is_in_review(&self) -> bool {
        self.status == ArticleStatus::Draft.as_str()
            && self.submitted_at.is_some()
            && self.deleted_at.is_none()
    }

    /// Whether readers may see the article at `now` (the same rule as [`public_at`], for one loaded row).
    pub fn is_public(&self, now: NaiveDateTime) -> bool {
        LIVE_STATUSES.contains(&self.status.as_str())
            && self.published_at.is_some_and(|t| t <= now)
            && self.deleted_at.is_none()
    }
}

/// Which public articles a listing shows.
#[derive(Debug, Clone)]
pub enum Listing {
    /// Every public article (the front page).
    All,
    /// One section's articles.
    Section(i32),
    /// One author's articles.
    Author(i32),
    /// Articles with one tag.
    Tag(i32),
}

type CardSource = dsl::LeftJoin<dsl::LeftJoin<articles::table, sections::table>, media::table>;
type BoxedCards = dsl::IntoBoxed<'static, dsl::Filter<CardSource, PublicAt>, DbBackend>;

/// Public articles joined with their section and image, as a boxed query to filter further.
fn public_cards(now: NaiveDateTime) -> BoxedCards {
    articles::table
        .left_join(sections::table)
        .left_join(media::table)
        .filter(public_at(now))
        .into_boxed()
}

/// Where a page of a listing starts: from the newest article, or past a key
/// in either direction.
#[derive(Debug, Clone, Copy)]
enum Bound {
    Newest,
    /// Articles listed after the key (older), newest first.
    Older(ListKey),
    /// Articles listed before the key (newer), oldest first.
    Newer(ListKey),
}

/// The ids of a tag's links, as a boxed subquery.
type BoxedLinkIds = dsl::IntoBoxed<
    'static,
    dsl::Select<dsl::InnerJoin<article_tags::table, articles::table>, article_tags::article_id>,
    DbBackend,
>;

/// The ids of an author's links, as a boxed subquery.
type BoxedAuthorLinkIds = dsl::IntoBoxed<
    'static,
    dsl::Select<
        dsl::InnerJoin<article_authors::table, articles::table>,
        article_authors::article_id,
    >,
    DbBackend,
>;

/// Keeps the rows of `$query` past `$bound`'s key and orders them from it
/// outwards, on a publish-time and an id column (ties broken by id). Written
/// as a range on the time plus a filter, so both databases walk the time's
/// index from the key. A macro because listings walk the articles' columns
/// and tag pages their links' copies.
macro_rules! walk_from {
    ($bound:expr, $query:expr, $time:expr, $id:expr) => {{
        let query = $query;
        match $bound {
            Bound::Newest => query.order(($time.desc(), $id.desc())),
            Bound::Older(key) => query
                .filter($time.le(key.published_at))
                .filter($time.lt(key.published_at).or($id.lt(key.id)))
                .order(($time.desc(), $id.desc())),
            Bound::Newer(key) => query
                .filter($time.ge(key.published_at))
                .filter($time.gt(key.published_at).or($id.gt(key.id)))
                .order(($time.asc(), $id.asc())),
        }
    }};
}

impl Bound {
    /// The public articles of `query` past the key, in walking order.
    fn walk(self, query: BoxedCards) -> BoxedCards {
        walk_from!(self, query, articles::published_at, articles::id)
    }

    /// The ids of a tag's next `limit` public articles from the key, found
    /// in the tag's links, which carry their article's publish time (kept by
    /// triggers, see the `archive_indexes` migration): the walk reads the
    /// tag's index from the key instead of sorting every article of the tag.
    fn tag_page_ids(self, tag_id: i32, now: NaiveDateTime, limit: i64) -> BoxedLinkIds {
        let links = article_tags::table
            .inner_join(articles::table)
            .select(article_tags::article_id)
            .filter(article_tags::tag_id.eq(tag_id))
            // Implied by the public rule (the link's copy of the time is the
            // article's), but it lets SQLite walk the tag's index as a range.
            .filter(article_tags::published_at.le(now))
            .filter(public_at(now))
            .into_boxed();
        walk_from!(
            self,
            links,
            article_tags::published_at,
            article_tags::article_id
        )
        .limit(limit)
    }

    /// The ids of an author's next `limit` public articles from the key
    /// (lead author or co-author), found in the author's links as
    /// [`Bound::tag_page_ids`] finds a tag's (see the `article_authors` migration).
    fn author_page_ids(self, author_id: i32, now: NaiveDateTime, limit: i64) -> BoxedAuthorLinkIds {
        let links = article_authors::table
            .inner_join(articles::table)
            .select(article_authors::article_id)
            .filter(article_authors::author_id.eq(author_id))
            .filter(article_authors::published_at.le(now))
            .filter(public_at(now))
            .into_boxed();
        walk_from!(
            self,
            links,
            article_authors::published_at,
            article_authors::article_id
        )
        .limit(limit)
    }
}

/// The next `limit` public articles of a listing from `bound`, in walking order.
fn page_cards(
    conn: &mut DbConn,
    listing: &Listing,
    now: NaiveDateTime,
    bound: Bound,
    limit: i64,
) -> QueryResult<Vec<ArticleCard>> {
    match linked_ids(conn, listing, now, bound, limit)? {
        Some(ids) => cards_in_order(conn, now, &ids),
        None => load_cards(
            conn,
            bound.walk(listing.apply(public_cards(now))).limit(limit),
        ),
    }
}

/// How many public articles a listing has from `bound`, counting up to `limit`.
fn page_len(
    conn: &mut DbConn,
    listing: &Listing,
    now: NaiveDateTime,
    bound: Bound,
    limit: i64,
) -> QueryResult<usize> {
    Ok(match linked_ids(conn, listing, now, bound, limit)? {
        Some(ids) => ids.len(),
        None => bound
            .walk(listing.apply(public_cards(now)))
            .limit(limit)
            .select(articles::id)
            .load::<i32>(conn)?
            .len(),
    })
}

/// A tag page's or author page's ids, in walking order, from the tag's or
/// author's own links (a statement of its own: a boxed subquery cannot be
/// nested through MultiConnection); `None` for the other listings.
fn linked_ids(
    conn: &mut DbConn,
    listing: &Listing,
    now: NaiveDateTime,
    bound: Bound,
    limit: i64,
) -> QueryResult<Option<Vec<i32>>> {
    Ok(match *listing {
        Listing::Tag(tag_id) => Some(bound.tag_page_ids(tag_id, now, limit).load(conn)?),
        Listing::Author(author_id) => {
            Some(bound.author_page_ids(author_id, now, limit).load(conn)?)
        }
        _ => None,
    })
}

/// The public cards with these ids, in the order of `ids`. They are looked
/// up by id alone and put in order here: asked for `id IN (…50 ids) ORDER BY
/// published_at DESC LIMIT 50`, SQLite chose to walk the public archive
/// newest first to keep that order (95 ms for an author's feed at 100,000
/// articles, where the lookup by id takes 3).
fn cards_in_order(
    conn: &mut DbConn,
    now: NaiveDateTime,
    ids: &[i32],
) -> QueryResult<Vec<ArticleCard>> {
    let mut cards = load_cards(
        conn,
        public_cards(now).filter(articles::id.eq_any(ids.to_vec())),
    )?;
    let position: std::collections::HashMap<i32, usize> =
        ids.iter().enumerate().map(|(at, &id)| (id, at)).collect();
    cards.sort_by_key(|card| position.get(&card.article.id).copied());
    Ok(cards)
}

/// Where a listing page sits: the (publish time, id) of a card, which pages
/// are keyed by. Written in URLs as `20261130081500-42` (with `.fffffffff`
/// after the seconds when the time has a fraction, so the key is exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListKey {
    pub published_at: NaiveDateTime,
    pub id: i32,
}

impl ListKey {
    /// The key of a listed card (every public article has a publish time).
    pub fn of(card: &ArticleCard) -> Option<ListKey> {
        Some(ListKey {
            published_at: card.article.published_at?,
            id: card.article.id,
        })
    }

    /// The key as written in a URL.
    pub fn to_param(self) -> String {
        let time = self.published_at;
        let fraction = time.and_utc().timestamp_subsec_nanos();
        let mut out = time.format("%Y%m%d%H%M%S").to_string();
        if fraction > 0 {
            out.push_str(&format!(".{fraction:09}"));
        }
        out.push_str(&format!("-{}", self.id));
        out
    }

    /// A key read from a URL; `None` for anything [`ListKey::to_param`] does not write.
    pub fn parse(param: &str) -> Option<ListKey> {
        let (time, id) = param.split_once('-')?;
        let (seconds, fraction) = time.split_once('.').unwrap_or((time, ""));
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if seconds.len() != 14 || !digits(seconds) || !digits(id) || id.len() > 10 {
            return None;
        }
        let mut published_at = NaiveDateTime::parse_from_str(seconds, "%Y%m%d%H%M%S").ok()?;
        if !fraction.is_empty() {
            if fraction.len() != 9 || !digits(fraction) {
                return None;
            }
            published_at += chrono::Duration::nanoseconds(fraction.parse().ok()?);
        }
        Some(ListKey {
            published_at,
            id: id.parse().ok()?,
        })
    }
}

/// Which page of a listing to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageStart {
    /// The first page: the newest articles.
    Newest,
    /// The page of articles listed after (older than) this key.
    Before(ListKey),
    /// The page of articles listed just before (newer than) this key.
    After(ListKey),
}

/// One page of a listing and where its neighbours start.
#[derive(Debug, Clone)]
pub struct ListPage {
    pub cards: Vec<ArticleCard>,
    /// The page of newer articles, if any.
    pub newer: Option<PageStart>,
    /// The key the page of older articles starts after, if there are any.
    pub older: Option<ListKey>,
    /// Whether this is the first page (an `After` page that reaches the
    /// newest article comes back empty with this set: show the first page).
    pub is_newest: bool,
}

fn load_cards(conn: &mut DbConn, query: BoxedCards) -> QueryResult<Vec<ArticleCard>> {
    query
        .select((
            <ArticleSummary as Selectable<DbBackend>>::construct_selection(),
            <Section as Selectable<DbBackend>>::construct_selection().nullable(),
            <MediaInfo as Selectable<DbBackend>>::construct_selection().nullable(),
        ))
        .load(conn)
}

impl Listing {
    fn apply(&self, query: BoxedCards) -> BoxedCards {
        match self {
            Listing::All => query,
            Listing::Section(id) => query.filter(articles::section_id.eq(*id)),
            Listing::Author(id) => query.filter(
                articles::id.eq_any(
                    article_authors::table
                        .filter(article_authors::author_id.eq(*id))
                        .select(article_authors::article_id),
                ),
            ),
            Listing::Tag(id) => query.filter(
                articles::id.eq_any(
                    article_tags::table
                        .filter(article_tags::tag_id.eq(*id))
                        .select(article_tags::article_id),
                ),
            ),
        }
    }
}

impl Article {
    /// The public article with this slug.
    pub fn find_public_by_slug(
        conn: &mut DbConn,
        slug: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Article> {
        articles::table
            .filter(articles::slug.eq(slug))
            .filter(public_at(now))
            .select(Article::as_select())
            .first(conn)
    }

    /// A public article with its section, lead author and lead image, whether
    /// it has corrections or updates, whether it has co-authors, and whether
    /// it is a live story (running or ended), in one query: the rows its page
    /// shows of it (the notes, the authors in order and the live coverage are
    /// loaded only when there are some).
    pub fn find_public_page(
        conn: &mut DbConn,
        slug: &str,
        now: NaiveDateTime,
    ) -> QueryResult<(ArticleParts, bool, bool, bool)> {
        let (article, section, author, image, has_notes, has_co_authors, has_live) =
            articles::table
                .left_join(sections::table)
                .left_join(authors::table)
                .left_join(media::table)
                .filter(articles::slug.eq(slug))
                .filter(public_at(now))
                .select((
                    Article::as_select(),
                    Option::<Section>::as_select(),
                    Option::<Author>::as_select(),
                    Option::<MediaInfo>::as_select(),
                    dsl::exists(
                        article_notes::table.filter(article_notes::article_id.eq(articles::id)),
                    ),
                    dsl::exists(
                        article_authors::table
                            .filter(article_authors::article_id.eq(articles::id))
                            .filter(article_authors::position.gt(1)),
                    ),
                    dsl::exists(
                        live_coverage::table.filter(live_coverage::article_id.eq(articles::id)),
                    ),
                ))
                .first(conn)?;
        Ok((
            (article, section, author, image),
            has_notes,
            has_co_authors,
            has_live,
        ))
    }

    /// The newest `limit` articles of a listing, newest first (ties broken by id).
    pub fn list_public(
        conn: &mut DbConn,
        listing: &Listing,
        now: NaiveDateTime,
        limit: i64,
    ) -> QueryResult<Vec<ArticleCard>> {
        page_cards(conn, listing, now, Bound::Newest, limit)
    }

    /// One page of a listing, newest first, starting at `start`. Pages are
    /// found by their key (publish time, id), never by counting or skipping
    /// rows, so page 2,000 costs what the first page costs: each query walks
    /// an index from the key for at most `limit + 1` rows.
    pub fn list_public_page(
        conn: &mut DbConn,
        listing: &Listing,
        now: NaiveDateTime,
        start: PageStart,
        limit: i64,
    ) -> QueryResult<ListPage> {
        let (cards, older) = match start {
            PageStart::Newest | PageStart::Before(_) => {
                let bound = match start {
                    PageStart::Before(key) => Bound::Older(key),
                    _ => Bound::Newest,
                };
                let mut cards = page_cards(conn, listing, now, bound, limit + 1)?;
                let more = cards.len() as i64 > limit;
                cards.truncate(limit as usize);
                let older = more.then(|| cards.last().and_then(ListKey::of)).flatten();
                (cards, older)
            }
            PageStart::After(key) => {
                let mut cards = page_cards(conn, listing, now, Bound::Newer(key), limit + 1)?;
                if cards.len() as i64 <= limit {
                    // Nothing newer beyond these: this is the first page now.
                    return Ok(ListPage {
                        cards: Vec::new(),
                        newer: None,
                        older: None,
                        is_newest: true,
                    });
                }
                cards.truncate(limit as usize);
                cards.reverse();
                let older = ListKey::of(&cards[cards.len() - 1]);
                (cards, older)
            }
        };
        let newer = match (start, cards.first().and_then(ListKey::of)) {
            (PageStart::Newest, _) | (_, None) => None,
            (_, Some(first)) => {
                let newer = page_len(conn, listing, now, Bound::Newer(first), limit + 1)?;
                Some(if newer as i64 > limit {
                    PageStart::After(first)
                } else {
                    PageStart::Newest
                })
            }
        };
        Ok(ListPage {
            cards,
            newer,
            older,
            is_newest: matches!(start, PageStart::Newest),
        })
    }

    /// The key of the last card of page `page` as numbered before listings
    /// paged by key (old `?page=N` links): skips rows, so callers bound `page`.
    pub fn key_before_page(
        conn: &mut DbConn,
        listing: &Listing,
        now: NaiveDateTime,
        page: i64,
        per_page: i64,
    ) -> QueryResult<Option<ListKey>> {
        let cards = load_cards(
            conn,
            Bound::Newest
                .walk(listing.apply(public_cards(now)))
                .offset((page - 1) * per_page - 1)
                .limit(1),
        )?;
        Ok(cards.first().and_then(ListKey::of))
    }

    /// The article's Key Takeaways in order.
    pub fn takeaways(&self, conn: &mut DbConn) -> QueryResult<Vec<String>> {
        article_takeaways::table
            .filter(article_takeaways::article_id.eq(self.id))
            .order(article_takeaways::position.asc())
            .select(article_takeaways::text)
            .load(conn)
    }

    /// Replaces the article's Key Takeaways with `items`, in order.
    pub fn set_takeaways(conn: &mut DbConn, article_id: i32, items: &[String]) -> QueryResult<()> {
        diesel::delete(
            article_takeaways::table.filter(article_takeaways::article_id.eq(article_id)),
        )
        .execute(conn)?;
        for (position, text) in (1..).zip(items) {
            diesel::insert_into(article_takeaways::table)
                .values((
                    article_takeaways::article_id.eq(article_id),
                    article_takeaways::position.eq(position),
                    article_takeaways::text.eq(text),
                ))
                .execute(conn)?;
        }
        Ok(())
    }

    /// Minutes to read the article.
    pub fn reading_minutes(&self) -> i32 {
        reading_minutes(self.word_count)
    }

    /// Creates an article and returns its id; the word count and stored HTML
    /// come from the body, and its author (if any) is its one author link.
    pub fn create(conn: &mut DbConn, new: &NewArticle) -> QueryResult<i32> {
        let id = diesel::insert_into(articles::table)
            .values((
                new,
                articles::word_count.eq(count_words(&new.body)),
                articles::body_html.eq(Some(crate::markdown::render_or_escape(&new.body))),
            ))
            .returning(articles::id)
            .get_result(conn)?;
        if let Some(author_id) = new.author_id {
            Author::set_for_article(conn, id, &[author_id])?;
        }
        crate::models::media_library::record_body_uses(conn, id, &new.body)?;
        Ok(id)
    }

    /// Moves an article to the trash: it stops being public at once.
    pub fn soft_delete(conn: &mut DbConn, id: i32, now: NaiveDateTime) -> QueryResult<()> {
        Self::set_trashed(conn, id, Some(now), now, None)
    }

    /// Moves an article into (`Some(time)`) or out of (`None`) the trash, and
    /// records a public change when readers could see it before or after.
    /// `by` is the newsroom user who did it, kept as the last to change it
    /// (`None` leaves that as it was: tools and tests).
    pub fn set_trashed(
        conn: &mut DbConn,
        id: i32,
        deleted_at: Option<NaiveDateTime>,
        now: NaiveDateTime,
        by: Option<i32>,
    ) -> QueryResult<()> {
        crate::db::write_transaction(conn, |conn| {
            let before = articles::table
                .find(id)
                .select(Article::as_select())
                .first(conn)?;
            diesel::update(articles::table.find(id))
                .set(articles::deleted_at.eq(deleted_at))
                .execute(conn)?;
            if by.is_some() {
                diesel::update(articles::table.find(id))
                    .set(articles::updated_by.eq(by))
                    .execute(conn)?;
            }
            let after = Article {
                deleted_at,
                ..before.clone()
            };
            if before.is_public(now) || after.is_public(now) {
                crate::models::public_change::record(conn, now)?;
            }
            crate::models::related_index::request_job(conn, id, now)
        })
    }

    /// The latest moment anything readers can see may have changed: a
    /// recorded public change (see `models::public_change`), or a publish time
    /// that has arrived. Pages, feeds and
    /// sitemaps send it as `Last-Modified`, so a conditional request never
    /// gets a stale 304 after an article is removed or goes live.
    pub fn last_change(
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> QueryResult<Option<NaiveDateTime>> {
        use diesel::dsl::max;
        let changed = crate::models::public_change::last(conn)?;
        let went_live: Option<NaiveDateTime> = articles::table
            .filter(articles::published_at.le(now))
            .select(max(articles::published_at))
            .first(conn)?;
        Ok([changed, went_live].into_iter().flatten().max())
    }

    /// The earliest publish time still to come of an article that will then
    /// go live by itself (scheduled, or published with a later time): when
    /// cached pages stop being current without any write.
    pub fn next_going_live(
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> QueryResult<Option<NaiveDateTime>> {
        articles::table
            .filter(articles::status.eq_any(LIVE_STATUSES))
            .filter(articles::published_at.gt(now))
            .filter(articles::deleted_at.is_null())
            .select(diesel::dsl::min(articles::published_at))
            .first(conn)
    }

    /// Whether the database holds any article at all (public or not).
    pub fn any_exist(conn: &mut DbConn) -> QueryResult<bool> {
        diesel::select(dsl::exists(articles::table.select(articles::id))).get_result(conn)
    }
}

/// Renders and stores the body HTML of up to `batch` articles saved before
/// bodies were stored rendered; returns how many it filled (0 when done).
/// Called in a loop in the background at start-up, so a large archive is
/// filled without holding the write lock for long or delaying start-up.
pub fn fill_body_html(conn: &mut DbConn, batch: i64) -> QueryResult<usize> {
    let rows: Vec<(i32, String)> = articles::table
        .filter(articles::body_html.is_null())
        .select((articles::id, articles::body))
        .limit(batch)
        .load(conn)?;
    let rendered: Vec<(i32, String)> = rows
        .into_iter()
        .map(|(id, body)| (id, crate::markdown::render_or_escape(&body)))
        .collect();
    crate::db::write_transaction(conn, |conn| {
        for (id, html) in &rendered {
            diesel::update(articles::table.find(id))
                .set(articles::body_html.eq(Some(html)))
                .execute(conn)?;
        }
        Ok(rendered.len())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_rounds_and_is_at_least_a_minute() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(100), 1);
        assert_eq!(reading_minutes(344), 1);
        assert_eq!(reading_minutes(345), 2);
        assert_eq!(reading_minutes(1150), 5);
    }

    #[test]
    fn words_are_counted_without_markup() {
        assert_eq!(
            count_words("## The *harbour* plan\n\n- one, two\n> three — four"),
            7
        );
    }
}

#[cfg(test)]
mod list_key_tests {
    use super::*;

    fn at(h: u32, nanos: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 30)
            .unwrap()
            .and_hms_nano_opt(h, 15, 0, nanos)
            .unwrap()
    }

    #[test]
    fn list_keys_survive_the_url_exactly() {
        for key in [
            ListKey {
                published_at: at(8, 0),
                id: 42,
            },
            ListKey {
                published_at: at(23, 1),
                id: 1,
            },
            ListKey {
                published_at: at(0, 999_999_999),
                id: i32::MAX,
            },
            ListKey {
                published_at: at(12, 123_456_000),
                id: 7,
            },
        ] {
            assert_eq!(
                ListKey::parse(&key.to_param()),
                Some(key),
                "{}",
                key.to_param()
            );
        }
        assert_eq!(
            ListKey {
                published_at: at(8, 0),
                id: 42
            }
            .to_param(),
            "20261130081500-42"
        );
    }

    #[test]
    fn malformed_list_keys_are_refused() {
        for bad in [
            "",
            "-",
            "20261130081500",
            "20261130081500-",
            "2026113008150-4",
            "202611300815000-4",
            "20261330081500-4",
            "20261130081500-+4",
            "20261130081500--4",
            "20261130081500.5-4",
            "20261130081500.0000000001-4",
            "20261130081500-99999999999",
            "20261130081500-4-5",
            "２0261130081500-4",
        ] {
            assert_eq!(ListKey::parse(bad), None, "{bad}");
        }
    }
}
