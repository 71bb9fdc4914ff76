//! Previews: of a stored article, and of the form as typed before it is
//! saved (its new image shown inline).

use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;

use super::form::FormContext;
use crate::auth::SignedIn;
use crate::db::{self};
use crate::error::AppError;
use crate::models::article_form::{self};
use crate::models::user::Role;
use crate::models::{Article, Author, Tag};
use crate::routes::pages::render;
use crate::views::article::{article_page, load_bundle, ArticleBundle};
use crate::views::ImageView;
use crate::AppState;

/// The lead image of an unsaved preview, as the form says.
pub(super) enum PreviewImage {
    /// The stored article's image, if it has one.
    Kept,
    /// "Remove the current image" is ticked: none.
    Removed,
    /// A newly chosen file (its resized copies, widest first), not stored:
    /// shown inline.
    New(Vec<crate::images::Encoded>),
    /// An image picked from the library.
    Library(i32),
}

/// The copy of a new upload an unsaved preview shows, inline as a `data:`
/// URL: the narrowest at least 800 pixels wide (the page's column), so the
/// preview stays light.
fn inline_image(copies: &[crate::images::Encoded], alt: &str) -> Option<ImageView> {
    let own_shape = || {
        copies
            .iter()
            .filter(|c| c.aspect.is_empty() && c.content_type != crate::images::WEBP)
    };
    let copy = own_shape()
        .rev()
        .find(|c| c.width >= 800)
        .or(copies.first())?;
    Some(ImageView {
        src: format!("data:{};base64,{}", copy.content_type, base64(&copy.data)),
        alt: alt.to_string(),
        width: copy.width as i32,
        height: copy.height as i32,
        srcset: None,
        webp_srcset: None,
        content_type: copy.content_type.to_string(),
    })
}

/// Standard base64 with padding (RFC 4648).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(chunk.get(1).copied().unwrap_or(0)) << 8)
            | u32::from(chunk.get(2).copied().unwrap_or(0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The real article page built from the form as typed, not stored.
pub(super) async fn preview_unsaved(
    state: &AppState,
    ctx: FormContext,
    valid: article_form::ValidArticle,
    image: PreviewImage,
    social_kept: bool,
    now: NaiveDateTime,
) -> Result<HttpResponse, AppError> {
    let site = state.site.clone();
    let existing = ctx.article;
    let alt = valid.alt.clone();
    let lead_image_id = match &image {
        PreviewImage::Kept => existing.as_ref().and_then(|a| a.lead_image_id),
        PreviewImage::Library(id) => Some(*id),
        PreviewImage::Removed | PreviewImage::New(_) => None,
    };
    let keeps_social_image = social_kept;
    let bundle = db::run(&state.pool, move |conn| {
        let base = existing.clone();
        let article = Article {
            id: base.as_ref().map_or(0, |a| a.id),
            slug: valid.slug.clone(),
            headline: valid.headline.clone(),
            standfirst: valid.standfirst.clone(),
            body: valid.body.clone(),
            kicker: valid.kicker.clone(),
            section_id: valid.section_id,
            author_id: valid.author_ids.first().copied(),
            lead_image_id,
            lead_image_alt: valid.alt.clone(),
            lead_image_caption: valid.caption.clone(),
            lead_image_credit: valid.credit.clone(),
            desk_heading: valid.desk_heading.clone(),
            desk_text: valid.desk_text.clone(),
            status: valid.status.as_str().into(),
            published_at: base.as_ref().and_then(|a| a.published_at).or(Some(now)),
            created_at: base.as_ref().map_or(now, |a| a.created_at),
            updated_at: now,
            deleted_at: None,
            version: base.as_ref().map_or(0, |a| a.version),
            word_count: crate::models::article::count_words(&valid.body),
            created_by: base.as_ref().and_then(|a| a.created_by),
            body_html: Some(valid.body_html.clone()),
            updated_by: base.as_ref().and_then(|a| a.updated_by),
            submitted_at: None,
            review_note: String::new(),
            seo_title: valid.seo_title.clone(),
            seo_description: valid.seo_description.clone(),
            social_image_id: base
                .as_ref()
                .and_then(|a| a.social_image_id)
                .filter(|_| keeps_social_image),
            social_image_alt: valid.social_alt.clone(),
            canonical_url: valid.canonical_url.clone(),
            noindex: valid.noindex,
        };
        let mut bundle: ArticleBundle = load_bundle(conn, &site, article, now)?;
        // The authors as chosen in the form, not as stored.
        bundle.authors = Author::in_order(conn, &valid.author_ids)?;
        bundle.takeaways = valid.takeaways.clone();
        bundle.tags = valid
            .tags
            .iter()
            .map(|name| Tag {
                id: 0,
                slug: crate::slug::slugify(name),
                name: name.clone(),
            })
            .collect();
        Ok(bundle)
    })
    .await?;
    let mut page = article_page(&state.site, bundle, true);
    if let PreviewImage::New(copies) = &image {
        page.image = inline_image(copies, &alt);
    }
    preview_response(&page)
}

fn preview_response(page: &impl Template) -> Result<HttpResponse, AppError> {
    // The admin scope's X-Robots-Tag (noindex, nofollow) covers previews too.
    render(page, actix_web::http::StatusCode::OK)
}

/// `GET /admin/articles/{id}/preview`: the stored article as readers would see it, with a banner.
pub async fn preview(
    state: web::Data<AppState>,
    signed_in: SignedIn,
    id: web::Path<i32>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let now = state.clock.now();
    let site = state.site.clone();
    let bundle = db::run(&state.pool, move |conn| {
        let article = Article::find(conn, id)?;
        load_bundle(conn, &site, article, now)
    })
    .await?;
    // A contributor previews their own articles (a draft in review too).
    if !signed_in.user.can(Role::Editor) && bundle.article.created_by != Some(signed_in.user.id) {
        return Err(AppError::Forbidden(
            "Contributors can preview only their own drafts.".into(),
        ));
    }
    preview_response(&article_page(&state.site, bundle, true))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        for (raw, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(raw.as_bytes()), encoded);
        }
    }
}
