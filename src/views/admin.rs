//! Admin page views: one askama struct per admin template. Every page carries
//! the signed-in user's name and role, the CSRF token for its forms, and a
//! flash message from the previous step if there is one.

use askama::Template;

use crate::models::article_form::{ArticleForm, FieldErrors};
use crate::models::revision::RevisionSummary;
use crate::models::user::{Role, User};
use crate::models::{Author, Section, Tag};

/// The frame of every admin page.
#[derive(Debug, Clone)]
pub struct AdminChrome {
    pub site_name: String,
    /// The signed-in account's id: scopes the drafts kept in the browser.
    pub user_id: i32,
    pub user_name: String,
    pub role: Role,
    pub csrf: String,
    pub flash: Option<String>,
    pub assets_version: String,
    /// Articles waiting for review (shown to editors in the admin bar).
    pub review_count: i64,
}

impl AdminChrome {
    /// Whether the signed-in user has at least `role`.
    pub fn can(&self, role: Role) -> bool {
        self.role >= role
    }
    /// Versioned path of a static file.
    pub fn asset(&self, file: &str) -> String {
        format!("/static/{file}?v={}", self.assets_version)
    }
    /// The editor role, for templates.
    pub fn editor(&self) -> Role {
        Role::Editor
    }
    /// The admin role, for templates.
    pub fn admin(&self) -> Role {
        Role::Admin
    }
}

/// The sign-in page.
#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage {
    pub site_name: String,
    pub assets_version: String,
    pub csrf: String,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub notice: Option<String>,
}

/// One row of the article list.
#[derive(Debug, Clone)]
pub struct ArticleRow {
    pub id: i32,
    pub headline: String,
    pub slug: String,
    /// "Draft", "In review", "Scheduled", "Published" or "Deleted".
    pub status_label: &'static str,
    /// Who created it (`""` when not recorded).
    pub created_by: String,
    pub section: String,
    pub author: String,
    pub updated: String,
    /// Who last changed it (`""` when not recorded).
    pub changed_by: String,
    pub public_href: Option<String>,
    pub can_edit: bool,
    /// The writer's own article waiting for review: read it in the preview.
    pub in_review_preview: Option<String>,
}

/// `/admin`: the article list with filters.
#[derive(Template)]
#[template(path = "admin/articles.html")]
pub struct ArticleListPage {
    pub chrome: AdminChrome,
    /// This page's own URL, where a bulk action returns.
    pub this_page: String,
    /// Editors get every bulk action; contributors only "move to section".
    pub is_editor: bool,
    pub heading: &'static str,
    pub trash: bool,
    pub rows: Vec<ArticleRow>,
    pub sections: Vec<Section>,
    pub authors: Vec<Author>,
    pub status: String,
    pub section: String,
    pub author: String,
    /// Whether the signed-in account has an author profile ("My articles" is offered).
    pub has_profile: bool,
    /// Whether "My articles" is on: only articles credited to that profile.
    pub mine: bool,
    /// `""` (newest first), `updated` or `headline`.
    pub sort: String,
    pub q: String,
    pub page: i64,
    pub total_pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

/// A related article as the edit page explains it.
#[derive(Debug, Clone)]
pub struct CurrentImage {
    pub src: String,
    pub alt: String,
    pub width: i32,
    pub height: i32,
}

/// The article form, new or existing.
#[derive(Template)]
#[template(path = "admin/article_form.html")]
pub struct ArticleFormPage {
    pub chrome: AdminChrome,
    pub article_id: Option<i32>,
    pub form: ArticleForm,
    pub errors: FieldErrors,
    pub authors: Vec<Author>,
    pub sections: Vec<Section>,
    pub current_image: Option<CurrentImage>,
    /// Recent library images for the lead image picker: (id, label).
    pub library_choices: Vec<(i32, String)>,
    /// The library image picked as the new lead image, if any.
    pub picked_image: Option<CurrentImage>,
    /// Set when a chosen file has to be chosen again after a refused save.
    pub image_notice: Option<String>,
    pub timezone: String,
    pub public_href: Option<String>,
    pub is_live: bool,
    /// Articles to pick related ones from: (slug, headline).
    pub choices: Vec<(String, String)>,
    /// Why each related article on the page was chosen.
    pub reasons: Vec<ReasonView>,
    /// The article's corrections and updates, newest first.
    pub notes: Vec<NoteRow>,
    /// Now, in the site's time zone, for the note form's date field.
    pub now_local: String,
    /// The current social image, if the article has one.
    pub current_social_image: Option<CurrentImage>,
    /// The review workflow's state and return form.
    pub review: ReviewView,
    /// Who created and who last changed the article (none for a new one).
    pub provenance: Option<Provenance>,
    /// The "Live coverage" panel.
    pub live: crate::views::live::LivePanel,
}

/// A correction or update on the article edit page.
#[derive(Debug, Clone)]
pub struct NoteRow {
    pub id: i32,
    /// "Correction" or "Update".
    pub label: &'static str,
    /// When readers see it dated, in the site's time zone.
    pub when: String,
    pub text: String,
}

/// One related article on the edit page, with why it is there.
#[derive(Debug, Clone)]
pub struct ReasonView {
    pub headline: String,
    pub href: String,
    pub pinned: bool,
    /// e.g. "score 0.41 · text 0.52 · shared tags: Harbour, Ferries · same section".
    pub why: String,
}

/// The review workflow on the edit page.
#[derive(Debug, Clone, Default)]
pub struct ReviewView {
    /// Waiting in the editors' queue.
    pub in_review: bool,
    /// When it was submitted, in the site's time zone.
    pub submitted: String,
    /// The note left by the editor who last returned it (`""`: none).
    pub note: String,
    /// What the editor typed in the return form (kept when refused).
    pub note_input: String,
    /// Why the return was refused.
    pub note_error: Option<String>,
}

/// Who made and who last changed an article, for the edit page.
#[derive(Debug, Clone, Default)]
pub struct Provenance {
    /// "Ada Reed, 1 December 2026, 09:30 UTC" (name `—` when not recorded).
    pub created: String,
    pub changed: String,
}

/// The limits and guides of the search and social fields, for the form's
/// hints and its live counts.
pub struct SeoLimits {
    pub title_max: usize,
    pub title_shown: usize,
    pub description_max: usize,
    pub description_shown: usize,
    pub alt_max: usize,
    pub canonical_max: usize,
}

impl ArticleRow {
    /// The status as a CSS class suffix (`in-review`).
    pub fn status_class(&self) -> String {
        self.status_label.to_lowercase().replace(' ', "-")
    }
}

impl ArticleFormPage {
    /// The search and social fields' limits.
    pub fn seo_limits(&self) -> SeoLimits {
        use crate::models::article_form::{limits, shown};
        SeoLimits {
            title_max: limits::SEO_TITLE,
            title_shown: shown::SEO_TITLE,
            description_max: limits::SEO_DESCRIPTION,
            description_shown: shown::SEO_DESCRIPTION,
            alt_max: limits::ALT,
            canonical_max: limits::CANONICAL_URL,
        }
    }
    /// Characters typed in a field (as the server counts them), for the
    /// count shown before any script runs.
    pub fn chars(&self, text: &str) -> usize {
        text.chars().count()
    }

    /// The field's error message, if any.
    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
    /// The author selects in byline order: (field, label, id chosen or `""`).
    pub fn author_slots(&self) -> Vec<(&'static str, &'static str, &str)> {
        const SLOTS: [(&str, &str); crate::models::author::MAX_PER_ARTICLE] = [
            ("author_id", "Author"),
            ("author_2", "Second author"),
            ("author_3", "Third author"),
            ("author_4", "Fourth author"),
            ("author_5", "Fifth author"),
        ];
        SLOTS
            .iter()
            .zip(self.form.author_choices())
            .map(|((field, label), chosen)| (*field, *label, chosen))
            .collect()
    }
    /// Whether `id` is the chosen section.
    pub fn is_section(&self, id: &i32) -> bool {
        self.form.section_id == id.to_string()
    }
    /// Whether `status` is the chosen status.
    pub fn is_status(&self, status: &str) -> bool {
        self.form.status == status || (status == "draft" && self.form.status.is_empty())
    }
    /// The form's action URL.
    pub fn action(&self) -> String {
        match self.article_id {
            Some(id) => format!("/admin/articles/{id}"),
            None => "/admin/articles".into(),
        }
    }
}

/// A save refused because someone else saved first: both versions side by side.
#[derive(Template)]
#[template(path = "admin/conflict.html")]
pub struct ConflictPage {
    pub chrome: AdminChrome,
    pub article_id: i32,
    pub yours: ArticleForm,
    pub theirs: ArticleForm,
}

/// An article's revisions.
#[derive(Template)]
#[template(path = "admin/revisions.html")]
pub struct RevisionsPage {
    pub chrome: AdminChrome,
    pub article_id: i32,
    pub headline: String,
    pub revisions: Vec<(RevisionSummary, String)>,
}

/// One revision's content.
#[derive(Template)]
#[template(path = "admin/revision.html")]
pub struct RevisionPage {
    pub chrome: AdminChrome,
    pub article_id: i32,
    pub revision: RevisionSummary,
    pub when: String,
    pub content: ArticleForm,
}

/// Sections, tags and authors.
#[derive(Template)]
#[template(path = "admin/taxonomy.html")]
pub struct TaxonomyPage {
    pub chrome: AdminChrome,
    /// Every section with how many articles it holds.
    pub sections: Vec<(Section, i64)>,
    /// One page of tags with how many articles carry each.
    pub tags: Vec<(Tag, i64)>,
    /// Tags matching the search, in all.
    pub tag_total: i64,
    pub tag_pager: crate::views::Pager,
    /// The tag search as typed.
    pub q: String,
    /// One page of authors.
    pub authors: Vec<Author>,
    pub author_total: i64,
    pub author_pager: crate::views::Pager,
    /// The author search as typed.
    pub author_q: String,
    /// Author photos' newsroom paths by image id.
    pub photo_paths: std::collections::HashMap<i32, String>,
    pub error: Option<String>,
    /// An author form refused as typed (`id` none for a new author), so the
    /// editor never types it again.
    pub typed_author: Option<TypedAuthor>,
}

/// An author form's fields as typed.
pub struct TypedAuthor {
    pub id: Option<i32>,
    pub name: String,
    pub slug: String,
    pub bio: String,
    /// Profile links, in `author::LINKS` order.
    pub links: [String; 5],
    /// `person` or `organization`, as chosen.
    pub kind: String,
}

impl TaxonomyPage {
    /// What an author form's field shows: the typed value when that form
    /// was refused, else `stored`.
    pub fn author_field<'a>(&'a self, id: Option<i32>, field: &str, stored: &'a str) -> &'a str {
        match &self.typed_author {
            Some(t) if t.id == id => match field {
                "name" => &t.name,
                "slug" => &t.slug,
                "bio" => &t.bio,
                "kind" => &t.kind,
                link => crate::models::author::LINKS
                    .iter()
                    .position(|(f, _)| *f == link)
                    .map_or("", |i| &t.links[i]),
            },
            _ => stored,
        }
    }

    /// The kinds an author can be: (stored form, label).
    pub fn author_kinds(&self) -> Vec<(&'static str, &'static str)> {
        crate::models::author::AuthorKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect()
    }

    /// An author's profile link fields: (form field, name).
    pub fn link_fields(&self) -> &'static [(&'static str, &'static str)] {
        &crate::models::author::LINKS
    }

    /// The path of an author's photo, if they have one.
    pub fn photo_path(&self, author: &Author) -> Option<&str> {
        author
            .photo_id
            .and_then(|id| self.photo_paths.get(&id))
            .map(String::as_str)
    }
}

/// Accounts (admins only).
#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub chrome: AdminChrome,
    pub users: Vec<User>,
    /// Live sessions per account id (absent: none).
    pub sessions: std::collections::HashMap<i32, usize>,
    /// Author profiles an account can be linked to, by name.
    pub authors: Vec<Author>,
    pub roles: [Role; 3],
    pub error: Option<String>,
    pub new_email: String,
    pub new_name: String,
}

impl UsersPage {
    /// Whether `user` is linked to the author profile `author_id`.
    pub fn is_profile(&self, user: &User, author_id: &i32) -> bool {
        user.author_id == Some(*author_id)
    }

    /// Whether `user` has exactly `role`.
    pub fn has_role(&self, user: &User, role: &Role) -> bool {
        user.role() == *role
    }

    /// How many live sessions `user` has.
    pub fn sessions_of(&self, user: &User) -> usize {
        self.sessions.get(&user.id).copied().unwrap_or(0)
    }
}

/// One section, tag or author: what deleting it does (and, for a tag,
/// renaming and merging), before anything is changed.
#[derive(Template)]
#[template(path = "admin/taxonomy_item.html")]
pub struct TaxonomyItemPage {
    pub chrome: AdminChrome,
    /// `section`, `tag` or `author`.
    pub kind: &'static str,
    pub id: i32,
    pub name: String,
    pub slug: String,
    /// Articles filed under it (trash included).
    pub article_count: i64,
    /// What its articles may move to: (id, name); empty for tags.
    pub choices: Vec<(i32, String)>,
}
