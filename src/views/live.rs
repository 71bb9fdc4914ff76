//! Live coverage as readers and editors see it: the feed of posts on a live
//! story's page (and the same post markup in the poll endpoint's answer, so
//! a post added by `static/js/live.js` looks exactly like one sent with the
//! page), its `liveBlogUpdate` entries, and the edit page's "Live coverage"
//! panel and post form.

use askama::Template;
use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde_json::json;

use crate::error::AppError;
use crate::models::live_post::{Coverage, LivePost, PublicStory, MAX_BODY_CHARS};
use crate::models::Article;
use crate::seo::{self, Stamp};
use crate::views::admin::AdminChrome;
use crate::views::Site;

/// Longest headline a `liveBlogUpdate` entry gets (Google reads up to 110).
const HEADLINE_CHARS: usize = 110;

/// One post in the feed.
#[derive(Debug, Clone)]
pub struct LivePostView {
    pub id: i32,
    pub when: Stamp,
    /// `14:05`, in the site's time zone.
    pub clock: String,
    /// `1 Mar 2027, UTC`: the day and zone under the time.
    pub day: String,
    /// The post's sanitised HTML (rendered at save).
    pub html: String,
}

impl LivePostView {
    /// Formats a stored post in the site's time zone.
    pub fn new(post: &LivePost, tz: Tz) -> Self {
        let local = tz.from_utc_datetime(&post.posted_at);
        LivePostView {
            id: post.id,
            when: seo::stamp(post.posted_at, tz),
            clock: local.format("%H:%M").to_string(),
            day: local.format("%-d %b %Y, %Z").to_string(),
            html: post.body_html.clone(),
        }
    }
}

/// The feed of a live story's page: running (with its poll) or ended (the
/// story's timeline).
#[derive(Debug, Clone)]
pub struct LiveFeed {
    /// Whether the coverage runs: the "Live" label and the poll.
    pub is_live: bool,
    pub started: Stamp,
    pub ended: Option<Stamp>,
    /// Newest first.
    pub posts: Vec<LivePostView>,
    /// Where `live.js` asks for newer posts.
    pub poll_url: String,
    /// The highest post id on the page: the poll asks for posts after it.
    pub last_id: i32,
    /// Seconds between polls.
    pub poll_seconds: u32,
}

impl LiveFeed {
    /// The feed of `article`, whose live coverage is `coverage`.
    pub fn new(article: &Article, coverage: &Coverage, posts: &[LivePost], site: &Site) -> Self {
        LiveFeed {
            is_live: coverage.is_running(),
            started: seo::stamp(coverage.started_at, site.timezone),
            ended: coverage.ended_at.map(|t| seo::stamp(t, site.timezone)),
            posts: posts
                .iter()
                .map(|p| LivePostView::new(p, site.timezone))
                .collect(),
            poll_url: format!("/articles/{}/live", article.slug),
            last_id: posts.iter().map(|p| p.id).max().unwrap_or(0),
            poll_seconds: site.live_poll_seconds,
        }
    }

    /// "1 update", "12 updates".
    pub fn count_label(&self) -> String {
        match self.posts.len() {
            1 => "1 update".into(),
            n => format!("{n} updates"),
        }
    }
}

/// One post's markup, as the page includes it and the poll sends it.
#[derive(Template)]
#[template(path = "partials/live_post.html")]
pub struct LivePostFragment<'a> {
    pub p: &'a LivePostView,
}

/// The poll endpoint's answer: whether the coverage still runs, the highest
/// post id the reader now has, and the newer posts (newest first) with their
/// markup.
pub fn poll_json(story: &PublicStory, after: i32, tz: Tz) -> Result<String, AppError> {
    let mut posts = Vec::with_capacity(story.posts.len());
    for post in &story.posts {
        let view = LivePostView::new(post, tz);
        posts.push(json!({
            "id": post.id,
            "posted_at": view.when.iso,
            "html": LivePostFragment { p: &view }.render()?,
        }));
    }
    let last_id = story.posts.iter().map(|p| p.id).fold(after, i32::max);
    Ok(json!({ "live": story.is_live, "last_id": last_id, "posts": posts }).to_string())
}

/// The first words of a post's text, for its `liveBlogUpdate` headline: whole
/// words up to [`HEADLINE_CHARS`], with an ellipsis when cut.
pub fn headline_of(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= HEADLINE_CHARS {
        return text;
    }
    let mut out = String::new();
    for word in text.split(' ') {
        if out.chars().count() + word.chars().count() + 2 > HEADLINE_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = text.chars().take(HEADLINE_CHARS - 1).collect();
    }
    out.push('…');
    out
}

/// The `liveBlogUpdate` entries of a story's posts, newest first; `url` is
/// the article's own absolute URL.
pub fn blog_updates(posts: &[LivePost], url: &str, tz: Tz) -> Vec<seo::BlogUpdate> {
    posts
        .iter()
        .map(|p| {
            let text = crate::wordpress::body::plain_text(&p.body_html);
            seo::BlogUpdate {
                headline: headline_of(&text),
                published: seo::stamp(p.posted_at, tz).iso,
                url: format!("{url}#post-{}", p.id),
                body: text,
            }
        })
        .collect()
}

/// Where an article's live coverage stands, on its edit page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoverageState {
    /// Never started: an ordinary article.
    Off,
    Running,
    Ended,
}

/// A post in the edit page's list.
#[derive(Debug, Clone)]
pub struct LivePostRow {
    pub id: i32,
    /// When readers see it, in the site's time zone.
    pub when: String,
    /// The start of its Markdown.
    pub excerpt: String,
}

/// The "Live coverage" panel of the article edit page.
#[derive(Debug, Clone)]
pub struct LivePanel {
    pub state: CoverageState,
    pub started: String,
    pub ended: String,
    pub posts: Vec<LivePostRow>,
    pub max_chars: usize,
}

impl LivePanel {
    /// The panel for an article's live coverage (none: off) and its posts.
    pub fn new(coverage: Option<&Coverage>, posts: &[LivePost], tz: Tz) -> Self {
        let when = |t: Option<NaiveDateTime>| t.map(|t| seo::stamp(t, tz).display);
        LivePanel {
            state: match coverage {
                Some(c) if c.is_running() => CoverageState::Running,
                Some(_) => CoverageState::Ended,
                None => CoverageState::Off,
            },
            started: when(coverage.map(|c| c.started_at)).unwrap_or_default(),
            ended: when(coverage.and_then(|c| c.ended_at)).unwrap_or_default(),
            posts: posts
                .iter()
                .map(|p| LivePostRow {
                    id: p.id,
                    when: seo::stamp(p.posted_at, tz).display,
                    excerpt: excerpt(&p.body),
                })
                .collect(),
            max_chars: MAX_BODY_CHARS,
        }
    }

    /// Coverage runs: the add form and "End live coverage".
    pub fn is_running(&self) -> bool {
        self.state == CoverageState::Running
    }

    /// Coverage ended: "Resume live coverage".
    pub fn is_ended(&self) -> bool {
        self.state == CoverageState::Ended
    }

    /// Never started: "Start live coverage".
    pub fn is_off(&self) -> bool {
        self.state == CoverageState::Off
    }
}

/// The first 160 characters of a post's Markdown, on one line.
fn excerpt(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= 160 {
        line
    } else {
        line.chars().take(159).collect::<String>() + "…"
    }
}

/// A post's own admin page: editing a post, or an add or edit that was
/// refused, shown again with everything as typed and the reason.
#[derive(Template)]
#[template(path = "admin/live_post.html")]
pub struct LivePostPage {
    pub chrome: AdminChrome,
    /// "Edit a live update" or "Add a live update".
    pub heading: String,
    /// The article's headline and its edit page.
    pub headline: String,
    pub back: String,
    /// Where the form posts.
    pub action: String,
    pub body: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone, or empty for now.
    pub posted_at: String,
    pub error: Option<String>,
    pub timezone: String,
    pub max_chars: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_are_whole_first_words_within_the_limit() {
        assert_eq!(headline_of("  Ferries   stop. "), "Ferries stop.");
        let long = "harbour ".repeat(40);
        let h = headline_of(&long);
        assert!(h.chars().count() <= HEADLINE_CHARS, "{h}");
        assert!(h.ends_with("harbour…"), "{h}");
        let one = "x".repeat(300);
        assert_eq!(headline_of(&one).chars().count(), HEADLINE_CHARS);
    }
}
