//! Stored related-article lists and editors' pins: the tables the engine in
//! `crate::related` writes, and the queries the article page and the admin
//! edit page read. Scores are stored in thousandths so both backends keep
//! them as plain integers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbBackend, DbConn};
use crate::models::article::{public_at, ArticleSummary};
use crate::models::{ArticleCard, MediaInfo, Section};
use crate::schema::{articles, media, related_articles, related_computed, related_pins, sections};

/// One row of a stored list, as the engine writes it.
#[derive(Insertable, Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = related_articles)]
pub struct NewRelatedRow {
    pub article_id: i32,
    /// Chosen by an editor (shown first) rather than by the engine.
    pub pinned: bool,
    /// 1-based order within the pinned rows or within the engine's rows.
    pub position: i32,
    pub related_id: i32,
    /// Final score (relevance × recency), in thousandths.
    pub score: i32,
    /// Text similarity (cosine), in thousandths.
    pub text_score: i32,
    /// Shared-tag signal, in thousandths.
    pub tag_score: i32,
    /// Names of the shared tags, rarest first, one per line.
    pub shared_tags: String,
    pub same_section: bool,
    /// Name similarity (people, places, organisations), in thousandths.
    pub name_score: i32,
}

/// Why an article is on another's list, for the admin edit page.
#[derive(Queryable, Selectable, Debug, Clone, PartialEq)]
#[diesel(table_name = related_articles)]
pub struct RelatedReason {
    pub pinned: bool,
    pub position: i32,
    pub related_id: i32,
    #[diesel(select_expression = articles::slug)]
    pub slug: String,
    #[diesel(select_expression = articles::headline)]
    pub headline: String,
    /// Final score (relevance × recency), in thousandths.
    pub score: i32,
    /// Text similarity (cosine of headline, standfirst, takeaways and body), in thousandths.
    pub text_score: i32,
    /// Shared-tag signal (rarer tags count more), in thousandths.
    pub tag_score: i32,
    /// Shared tag names, rarest first, one per line (see `shared_tag_names`).
    pub shared_tags: String,
    pub same_section: bool,
    /// Name similarity (people, places, organisations in common), in thousandths.
    pub name_score: i32,
}

impl RelatedReason {
    /// The shared tags' names, rarest first.
    pub fn shared_tag_names(&self) -> Vec<&str> {
        self.shared_tags.lines().filter(|l| !l.is_empty()).collect()
    }
}

/// The public cards of an article's stored list, pinned rows first, then the
/// engine's in rank order, without repeats: one query over the
/// `(article_id, …)` primary key, joined through the public rule so an
/// article deleted or unpublished since the list was computed never shows.
/// The result may hold more than the page shows (the stored spares).
pub fn public_cards(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<ArticleCard>> {
    let cards: Vec<ArticleCard> = related_articles::table
        .inner_join(articles::table.on(articles::id.eq(related_articles::related_id)))
        .left_join(sections::table.on(articles::section_id.eq(sections::id.nullable())))
        .left_join(media::table.on(articles::lead_image_id.eq(media::id.nullable())))
        .filter(related_articles::article_id.eq(article_id))
        .filter(public_at(now))
        .order((
            related_articles::pinned.desc(),
            related_articles::position.asc(),
        ))
        .select((
            <ArticleSummary as Selectable<DbBackend>>::construct_selection(),
            <Section as Selectable<DbBackend>>::construct_selection().nullable(),
            <MediaInfo as Selectable<DbBackend>>::construct_selection().nullable(),
        ))
        .load(conn)?;
    // A pinned article the engine also chose appears once, in its pinned place.
    let mut seen = std::collections::HashSet::new();
    Ok(cards
        .into_iter()
        .filter(|c| seen.insert(c.article.id))
        .collect())
}

/// Whether the engine has ever computed this article's list (an empty list
/// that was computed is a real answer; one never computed is not).
pub fn is_computed(conn: &mut DbConn, article_id: i32) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        related_computed::table.filter(related_computed::article_id.eq(article_id)),
    ))
    .get_result(conn)
}

/// The stored list of an article with the reasons for each row, pinned rows
/// first, whatever the listed articles' state (for the admin edit page).
pub fn related_with_reasons(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<RelatedReason>> {
    related_articles::table
        .inner_join(articles::table.on(articles::id.eq(related_articles::related_id)))
        .filter(related_articles::article_id.eq(article_id))
        .order((
            related_articles::pinned.desc(),
            related_articles::position.asc(),
        ))
        .select(RelatedReason::as_select())
        .load(conn)
}

/// Articles whose stored lists (spares included) show `related_id`: the lists
/// an edit of that article may change.
pub fn listing(conn: &mut DbConn, related_id: i32) -> QueryResult<Vec<i32>> {
    related_articles::table
        .filter(related_articles::related_id.eq(related_id))
        .select(related_articles::article_id)
        .distinct()
        .load(conn)
}

/// Replaces an article's stored list (pinned and engine rows) with `rows` and
/// records when it was computed, in one transaction.
pub fn replace_list(
    conn: &mut DbConn,
    article_id: i32,
    rows: &[NewRelatedRow],
    now: NaiveDateTime,
) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(related_articles::table.filter(related_articles::article_id.eq(article_id)))
            .execute(conn)?;
        crate::models::related_index::insert_all!(conn, related_articles::table, rows)?;
        diesel::delete(related_computed::table.find(article_id)).execute(conn)?;
        diesel::insert_into(related_computed::table)
            .values((
                related_computed::article_id.eq(article_id),
                related_computed::computed_at.eq(now),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// An article's stored list as readers see its order: (pinned, related id),
/// pinned first. Compared before and after a refresh to know whether a
/// public page changed.
pub fn order_of(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<(bool, i32)>> {
    related_articles::table
        .filter(related_articles::article_id.eq(article_id))
        .order((
            related_articles::pinned.desc(),
            related_articles::position.asc(),
        ))
        .select((related_articles::pinned, related_articles::related_id))
        .load(conn)
}

/// Forgets an article's computed list (for an article that is no longer
/// published); its pins are kept, as the editor chose them.
pub fn clear_list(conn: &mut DbConn, article_id: i32) -> QueryResult<()> {
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(related_articles::table.filter(related_articles::article_id.eq(article_id)))
            .execute(conn)?;
        diesel::delete(related_computed::table.find(article_id)).execute(conn)?;
        Ok(())
    })
}

/// The articles an editor pinned to this one, in order.
pub fn pins(conn: &mut DbConn, article_id: i32) -> QueryResult<Vec<i32>> {
    related_pins::table
        .filter(related_pins::article_id.eq(article_id))
        .order(related_pins::position.asc())
        .select(related_pins::related_id)
        .load(conn)
}

/// Every pin, as (article, pinned article) in pin order, for a full rebuild.
pub fn all_pins(conn: &mut DbConn) -> QueryResult<Vec<(i32, i32)>> {
    related_pins::table
        .order((related_pins::article_id.asc(), related_pins::position.asc()))
        .select((related_pins::article_id, related_pins::related_id))
        .load(conn)
}

/// Replaces an article's pins with `related_ids` in order (itself and repeats
/// are dropped) and shows them at once: the stored list's pinned rows are
/// rewritten, the engine's rows are left as they are (the page shows each
/// article once, pinned first). Returns the pins kept.
pub fn set_pins(conn: &mut DbConn, article_id: i32, related_ids: &[i32]) -> QueryResult<Vec<i32>> {
    let mut kept: Vec<i32> = Vec::new();
    for &id in related_ids {
        if id != article_id && !kept.contains(&id) {
            kept.push(id);
        }
    }
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(related_pins::table.filter(related_pins::article_id.eq(article_id)))
            .execute(conn)?;
        diesel::delete(
            related_articles::table
                .filter(related_articles::article_id.eq(article_id))
                .filter(related_articles::pinned.eq(true)),
        )
        .execute(conn)?;
        for (position, &related_id) in (1..).zip(&kept) {
            diesel::insert_into(related_pins::table)
                .values((
                    related_pins::article_id.eq(article_id),
                    related_pins::position.eq(position),
                    related_pins::related_id.eq(related_id),
                ))
                .execute(conn)?;
            // The reasons are filled in when the engine next computes the list.
            diesel::insert_into(related_articles::table)
                .values(&NewRelatedRow {
                    article_id,
                    pinned: true,
                    position,
                    related_id,
                    score: 0,
                    text_score: 0,
                    tag_score: 0,
                    shared_tags: String::new(),
                    same_section: false,
                    name_score: 0,
                })
                .execute(conn)?;
        }
        Ok(kept)
    })
}

/// The stored rows of several lists (pinned and engine rows), in list order.
pub fn rows_of(conn: &mut DbConn, article_ids: &[i32]) -> QueryResult<Vec<NewRelatedRow>> {
    let mut out = Vec::new();
    for chunk in article_ids.chunks(crate::models::related_index::INSERT_BATCH) {
        out.extend(
            related_articles::table
                .filter(related_articles::article_id.eq_any(chunk))
                .order((
                    related_articles::article_id.asc(),
                    related_articles::pinned.desc(),
                    related_articles::position.asc(),
                ))
                .select(NewRelatedRow::as_select())
                .load::<NewRelatedRow>(conn)?,
        );
    }
    Ok(out)
}

/// When each of these lists was computed (lists never computed are absent).
pub fn computed_at_of(
    conn: &mut DbConn,
    article_ids: &[i32],
) -> QueryResult<Vec<(i32, NaiveDateTime)>> {
    let mut out = Vec::new();
    for chunk in article_ids.chunks(crate::models::related_index::INSERT_BATCH) {
        out.extend(
            related_computed::table
                .filter(related_computed::article_id.eq_any(chunk))
                .select((related_computed::article_id, related_computed::computed_at))
                .load::<(i32, NaiveDateTime)>(conn)?,
        );
    }
    Ok(out)
}

/// Replaces several articles' stored lists (pinned and engine rows) and
/// records them computed at `now`: a few statements for all of them.
pub fn replace_lists(
    conn: &mut DbConn,
    lists: &[(i32, Vec<NewRelatedRow>)],
    now: NaiveDateTime,
) -> QueryResult<()> {
    if lists.is_empty() {
        return Ok(());
    }
    crate::db::write_transaction(conn, |conn| {
        let ids: Vec<i32> = lists.iter().map(|(id, _)| *id).collect();
        for chunk in ids.chunks(crate::models::related_index::INSERT_BATCH) {
            diesel::delete(
                related_articles::table.filter(related_articles::article_id.eq_any(chunk)),
            )
            .execute(conn)?;
            diesel::delete(
                related_computed::table.filter(related_computed::article_id.eq_any(chunk)),
            )
            .execute(conn)?;
        }
        let rows: Vec<&NewRelatedRow> = lists.iter().flat_map(|(_, rows)| rows).collect();
        let rows: Vec<NewRelatedRow> = rows.into_iter().cloned().collect();
        crate::models::related_index::insert_all!(conn, related_articles::table, rows)?;
        let computed: Vec<_> = ids
            .iter()
            .map(|&id| {
                (
                    related_computed::article_id.eq(id),
                    related_computed::computed_at.eq(now),
                )
            })
            .collect();
        crate::models::related_index::insert_all!(conn, related_computed::table, computed)?;
        Ok(())
    })
}

/// Forgets every stored list (not the pins): the start of a full rebuild.
pub fn clear_all_lists(conn: &mut DbConn) -> QueryResult<()> {
    diesel::delete(related_articles::table).execute(conn)?;
    diesel::delete(related_computed::table).execute(conn)?;
    Ok(())
}

/// What the article page's sidebar gets from the stored list.
pub enum PageList {
    /// The list was computed: its public cards, pinned first, without repeats
    /// (possibly none).
    Computed(Vec<ArticleCard>),
    /// The list was never computed.
    NotComputed,
}

/// The article page's related list in ONE query over primary keys: the
/// article's `related_computed` row, left-joined to its stored rows and to
/// the listed articles that are public now (so an article deleted or
/// unpublished since the list was computed never shows). No row at all means
/// the list was never computed; one row with no article, that it is empty.
pub fn page_list(conn: &mut DbConn, article_id: i32, now: NaiveDateTime) -> QueryResult<PageList> {
    let rows: Vec<(Option<ArticleSummary>, Option<Section>, Option<MediaInfo>)> =
        related_computed::table
            .left_join(
                related_articles::table
                    .on(related_articles::article_id.eq(related_computed::article_id)),
            )
            .left_join(
                articles::table.on(articles::id
                    .nullable()
                    .eq(related_articles::related_id.nullable())
                    .and(public_at(now))),
            )
            .left_join(sections::table.on(articles::section_id.eq(sections::id.nullable())))
            .left_join(media::table.on(articles::lead_image_id.eq(media::id.nullable())))
            .filter(related_computed::article_id.eq(article_id))
            .order((
                related_articles::pinned.desc(),
                related_articles::position.asc(),
            ))
            .select((
                <ArticleSummary as Selectable<DbBackend>>::construct_selection().nullable(),
                <Section as Selectable<DbBackend>>::construct_selection().nullable(),
                <MediaInfo as Selectable<DbBackend>>::construct_selection().nullable(),
            ))
            .load(conn)?;
    if rows.is_empty() {
        return Ok(PageList::NotComputed);
    }
    let mut seen = std::collections::HashSet::new();
    Ok(PageList::Computed(
        rows.into_iter()
            .filter_map(|(article, section, image)| {
                article.map(|article| ArticleCard {
                    article,
                    section,
                    image,
                })
            })
            .filter(|c| seen.insert(c.article.id))
            .collect(),
    ))
}

/// Stand-in cards for a list not computed yet (it is queued): the newest
/// public articles of the same section, read along the (section,
/// publish time) index, so it costs what a stored list costs.
pub fn fallback_cards(
    conn: &mut DbConn,
    article_id: i32,
    section_id: Option<i32>,
    now: NaiveDateTime,
    limit: usize,
) -> QueryResult<Vec<ArticleCard>> {
    let Some(section_id) = section_id else {
        return Ok(Vec::new());
    };
    articles::table
        .left_join(sections::table.on(articles::section_id.eq(sections::id.nullable())))
        .left_join(media::table.on(articles::lead_image_id.eq(media::id.nullable())))
        .filter(articles::section_id.eq(section_id))
        .filter(articles::id.ne(article_id))
        .filter(public_at(now))
        .order((articles::published_at.desc(), articles::id.desc()))
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select((
            <ArticleSummary as Selectable<DbBackend>>::construct_selection(),
            <Section as Selectable<DbBackend>>::construct_selection().nullable(),
            <MediaInfo as Selectable<DbBackend>>::construct_selection().nullable(),
        ))
        .load(conn)
}

/// The articles whose list has been computed.
pub fn computed_ids(conn: &mut DbConn) -> QueryResult<Vec<i32>> {
    related_computed::table
        .select(related_computed::article_id)
        .load(conn)
}

/// The rows of an article's stored list that its public page shows now, with
/// their reasons, in page order: pinned first, each article once, only those
/// readers may see (a pinned draft, a scheduled or deleted article is not on
/// the page, so the edit page does not claim it is). The caller takes the
/// first `limit`.
pub fn shown_with_reasons(
    conn: &mut DbConn,
    article_id: i32,
    now: NaiveDateTime,
) -> QueryResult<Vec<RelatedReason>> {
    let rows: Vec<RelatedReason> = related_articles::table
        .inner_join(articles::table.on(articles::id.eq(related_articles::related_id)))
        .filter(related_articles::article_id.eq(article_id))
        .filter(public_at(now))
        .order((
            related_articles::pinned.desc(),
            related_articles::position.asc(),
        ))
        .select(RelatedReason::as_select())
        .load(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|r| seen.insert(r.related_id))
        .collect())
}
