//! The article list: filters, search, sorting, pages, the trash, and bulk
//! actions over the ticked rows.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::{contributor_id, may_edit, see_other, status_label};
use crate::auth::{self, SignedIn};
use crate::db::{self, DbConn};
use crate::error::AppError;
use crate::models::article_newsroom::{newsroom_page, NewsroomQuery, NewsroomRow};
use crate::models::user::Role;
use crate::models::{Author, Section};
use crate::routes::admin::{self};
use crate::routes::pages::render;
use crate::views::admin::{ArticleListPage, ArticleRow};
use crate::AppState;

/// Articles per page in the admin list.
const PER_PAGE: i64 = 50;

/// The list's filters.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    status: String,
    section: String,
    author: String,
    /// `1`: only the signed-in account's own articles (credited to its author profile).
    mine: String,
    q: String,
    /// `updated` (recently updated first), `headline` (A–Z); else newest first.
    sort: String,
    page: String,
}

/// The name of each account that created one of `rows`, in one query.
fn creators(conn: &mut DbConn, rows: &[NewsroomRow]) -> Result<Vec<(i32, String)>, AppError> {
    let mut ids: Vec<i32> = rows.iter().filter_map(|r| r.0.created_by).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(crate::models::article_review::user_names(conn, &ids)?)
}

/// The name of `id` among `names`, or `""`.
pub(super) fn name_of(names: &[(i32, String)], id: Option<i32>) -> String {
    names
        .iter()
        .find(|(i, _)| Some(*i) == id)
        .map(|(_, n)| n.clone())
        .unwrap_or_default()
}

async fn show_list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    query: ListQuery,
    trash: bool,
) -> Result<HttpResponse, AppError> {
    if trash {
        signed_in.require(Role::Editor)?;
    }
    let page = match query.page.trim() {
        "" => 1,
        p => p
            .parse::<i64>()
            .ok()
            .filter(|p| (1..=100_000).contains(p))
            .ok_or_else(|| AppError::BadRequest("Pages are numbered from 1.".into()))?,
    };
    let now = state.clock.now();
    let contributor = contributor_id(&signed_in);
    let mut query = query;
    query.q = query.q.chars().take(200).collect();
    let my_author = signed_in.user.author_id;
    let (total, rows, all_sections, all_authors, query, creators, bylines) =
        db::run(&state.pool, move |conn| {
            let filter = NewsroomQuery {
                trash,
                status: &query.status,
                section: query.section.parse().ok(),
                author: query.author.parse().ok(),
                mine: my_author.filter(|_| query.mine == "1"),
                words: &query.q,
                sort: &query.sort,
                contributor,
            };
            let (total, rows) = newsroom_page(conn, &filter, now, (page - 1) * PER_PAGE, PER_PAGE)?;
            let creators = creators(conn, &rows)?;
            let ids: Vec<i32> = rows.iter().map(|r| r.0.id).collect();
            let bylines = Author::for_articles(conn, &ids)?;
            let all_authors = Author::all_by_name(conn)?;
            Ok((
                total,
                rows,
                Section::all_in_order(conn)?,
                all_authors,
                query,
                creators,
                bylines,
            ))
        })
        .await?;
    let tz = state.site.timezone;
    let rows = rows
        .into_iter()
        .map(|(a, section, _lead_author, changed_by)| ArticleRow {
            id: a.id,
            headline: a.headline.clone(),
            slug: a.slug.clone(),
            status_label: status_label(&a, now),
            created_by: name_of(&creators, a.created_by),
            section: section.unwrap_or_default(),
            author: bylines
                .get(&a.id)
                .map(|authors| {
                    authors
                        .iter()
                        .map(|au| au.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
            updated: crate::seo::stamp(a.updated_at, tz).display,
            changed_by: changed_by.unwrap_or_default(),
            public_href: a.is_public(now).then(|| format!("/articles/{}", a.slug)),
            can_edit: may_edit(&signed_in, &a),
            in_review_preview: (!may_edit(&signed_in, &a)
                && a.is_in_review()
                && a.created_by == Some(signed_in.user.id))
            .then(|| format!("/admin/articles/{}/preview", a.id)),
        })
        .collect();
    let total_pages = ((total + PER_PAGE - 1) / PER_PAGE).max(1);
    // A page past the end is not "Page 99 of 2": it does not exist.
    if page > total_pages {
        return Err(AppError::NotFound);
    }
    let base = if trash { "/admin/trash" } else { "/admin" };
    let link = |p: i64| {
        let params = [
            ("status", query.status.as_str()),
            ("section", query.section.as_str()),
            ("author", query.author.as_str()),
            ("mine", query.mine.as_str()),
            ("q", query.q.as_str()),
            ("sort", query.sort.as_str()),
        ];
        let mut url = format!("{base}?page={p}");
        for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
            url.push_str(&format!(
                "&{k}={}",
                percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
            ));
        }
        url
    };
    let this_page = link(page);
    let chrome = admin::chrome(&state, &signed_in);
    render(
        &ArticleListPage {
            this_page,
            is_editor: signed_in.user.can(Role::Editor),
            chrome,
            heading: if trash { "Trash" } else { "Articles" },
            trash,
            rows,
            sections: all_sections,
            authors: all_authors,
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < total_pages).then(|| link(page + 1)),
            status: query.status,
            section: query.section,
            author: query.author,
            has_profile: my_author.is_some(),
            mine: query.mine == "1" && my_author.is_some(),
            sort: query.sort,
            q: query.q,
            page,
            total_pages,
        },
        actix_web::http::StatusCode::OK,
    )
}

/// The list's filters from the query string; a malformed one shows the
/// unfiltered list.
fn list_query(req: &HttpRequest) -> ListQuery {
    web::Query::<ListQuery>::from_query(req.query_string())
        .map(|q| q.into_inner())
        .unwrap_or_default()
}

/// `GET /admin`: every article not in the trash, newest first.
pub async fn list(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    show_list(state, signed_in, list_query(&req), false).await
}

/// `GET /admin/trash`: deleted articles, which editors can restore.
pub async fn trash(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
) -> Result<HttpResponse, AppError> {
    show_list(state, signed_in, list_query(&req), true).await
}

/// `POST /admin/articles/bulk`: one action over the ticked articles (or
/// every article of the page with "all on this page"), in one transaction,
/// each article under the rules of its single action; the message says how
/// many changed and which were refused and why. Works without JavaScript.
pub async fn bulk(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    use crate::models::article_bulk::{self, Actor, BulkAction, SiteRules};
    let fields: Vec<(String, String)> =
        admin::accept_form(&signed_in, Role::Contributor, &req, &body)?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    let action = match field("action") {
        "trash" => BulkAction::Trash,
        "restore" => BulkAction::Restore,
        "publish" => BulkAction::Publish,
        "move" => BulkAction::MoveTo(field("section").parse().map_err(|_| {
            AppError::BadRequest("Choose a section to move the articles to.".into())
        })?),
        _ => return Err(AppError::BadRequest("Choose an action.".into())),
    };
    // The same roles as the single actions: only editors trash, restore
    // and publish; a contributor may move their own drafts (checked per article).
    if !matches!(action, BulkAction::MoveTo(_)) {
        signed_in.require(Role::Editor)?;
    }
    let chosen = if field("all_on_page").is_empty() {
        "ids"
    } else {
        "page_ids"
    };
    let mut ids: Vec<i32> = fields
        .iter()
        .filter(|(k, _)| k == chosen)
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let back = admin::session::safe_next(Some(field("back")));
    if ids.is_empty() {
        auth::flash(&signed_in.session, "Tick at least one article first.");
        return Ok(see_other(back));
    }
    if ids.len() > article_bulk::MAX_ARTICLES {
        return Err(AppError::BadRequest(format!(
            "At most {} articles at a time.",
            article_bulk::MAX_ARTICLES
        )));
    }
    let actor = Actor {
        user_id: signed_in.user.id,
        is_editor: signed_in.user.can(Role::Editor),
    };
    let rules = SiteRules {
        timezone: state.site.timezone,
        origin: state.site.base_url.clone(),
    };
    let now = state.clock.now();
    let (outcome, section_name) = db::run(&state.pool, move |conn| {
        let outcome = article_bulk::apply(conn, action, &ids, actor, now, &rules)?;
        let section_name = match action {
            BulkAction::MoveTo(id) => Some(Section::find(conn, id)?.name),
            _ => None,
        };
        Ok((outcome, section_name))
    })
    .await?;
    if !outcome.changed.is_empty() {
        // Their job rows were written with the changes.
        state.related_refresh.poke();
    }
    auth::flash(
        &signed_in.session,
        &outcome.message(action, section_name.as_deref()),
    );
    Ok(see_other(back))
}
