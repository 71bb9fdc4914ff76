//! Embeds: a URL alone on a line whose provider is on the allow-list becomes
//! a facade, a link card naming the provider. Nothing is loaded from the
//! provider until a reader asks: `static/js/embed.js` adds a "Load" button to
//! the cards of iframe players (YouTube through youtube-nocookie.com, Vimeo)
//! and swaps in the player when pressed. Posts on X, Bluesky, Mastodon and
//! Instagram stay link cards: their embeds run the provider's script, which
//! follows readers, so the card links to the post instead.
//!
//! Only what is validated here reaches the page: a YouTube id is eleven
//! `[A-Za-z0-9_-]`, a Vimeo id digits; the URL is shown and linked, never
//! pasted into markup unescaped. The editor's own `<iframe>` is still
//! stripped by the sanitiser, and [`FRAME_SOURCES`] is the page's whole
//! `frame-src`.

use ammonia::Url;

/// The only origins a page may frame: the players `embed.js` loads.
pub const FRAME_SOURCES: &[&str] = &[
    "https://www.youtube-nocookie.com",
    "https://player.vimeo.com",
];

/// The `Content-Security-Policy` every response carries: frames only from
/// [`FRAME_SOURCES`], no plugins, no `<base>` from elsewhere. Scripts, styles
/// and images are not restricted here (the sanitiser already keeps them out
/// of bodies).
pub fn content_security_policy() -> String {
    format!(
        "frame-src {}; object-src 'none'; base-uri 'self'",
        FRAME_SOURCES.join(" ")
    )
}

/// The longest URL considered for an embed; longer lines stay text.
const MAX_URL_LEN: usize = 2_048;

/// An allow-listed provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    YouTube,
    Vimeo,
    X,
    Bluesky,
    Mastodon,
    Instagram,
}

impl Provider {
    /// The key in `data-embed-provider` and the card's modifier class.
    pub fn key(self) -> &'static str {
        match self {
            Provider::YouTube => "youtube",
            Provider::Vimeo => "vimeo",
            Provider::X => "x",
            Provider::Bluesky => "bluesky",
            Provider::Mastodon => "mastodon",
            Provider::Instagram => "instagram",
        }
    }

    /// What the card calls the embedded thing.
    pub fn label(self) -> &'static str {
        match self {
            Provider::YouTube => "YouTube video",
            Provider::Vimeo => "Vimeo video",
            Provider::X => "Post on X",
            Provider::Bluesky => "Bluesky post",
            Provider::Mastodon => "Mastodon post",
            Provider::Instagram => "Instagram post",
        }
    }
}

/// A recognised embed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    pub provider: Provider,
    /// The URL as the editor typed it (parsed, so well formed), for the link.
    pub url: String,
    /// The validated video id of an iframe player; `None` for posts.
    pub video_id: Option<String>,
    /// Where a video starts, in seconds (YouTube `t=`/`start=`).
    pub start: Option<u32>,
    /// The host, shown for Mastodon (every server is a different site).
    pub host: String,
}

fn is_youtube_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn is_digits(text: &str, max: usize) -> bool {
    !text.is_empty() && text.len() <= max && text.bytes().all(|b| b.is_ascii_digit())
}

/// A handle, user name, post code or record key: letters, digits and `._-:`.
fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

/// `90`, `90s`, `1m30s` or `1h2m3s` as seconds.
fn seconds(text: &str) -> Option<u32> {
    if is_digits(text, 6) {
        return text.parse().ok();
    }
    let mut total: u32 = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            if number.len() > 6 {
                return None;
            }
        } else {
            let n: u32 = number.parse().ok()?;
            number.clear();
            total = total.checked_add(match c {
                'h' => n.checked_mul(3600)?,
                'm' => n.checked_mul(60)?,
                's' => n,
                _ => return None,
            })?;
        }
    }
    number.is_empty().then_some(total)
}

/// The embed a line of text names, if it is one allow-listed URL.
pub fn detect(line: &str) -> Option<Embed> {
    let line = line.trim();
    if line.len() > MAX_URL_LEN || line.contains(char::is_whitespace) {
        return None;
    }
    let url = Url::parse(line).ok()?;
    if !matches!(url.scheme(), "https" | "http") || url.port().is_some() {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_string();
    let segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let query = |key: &str| {
        url.query_pairs()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    };
    let embed = |provider, video_id: Option<String>, start| Embed {
        provider,
        url: url.to_string(),
        video_id,
        start,
        host: host.clone(),
    };
    let start = || {
        query("t")
            .or_else(|| query("start"))
            .and_then(|t| seconds(&t))
    };
    match (host.as_str(), segments.as_slice()) {
        ("youtube.com" | "m.youtube.com", ["watch"]) => {
            let id = query("v").filter(|id| is_youtube_id(id))?;
            Some(embed(Provider::YouTube, Some(id), start()))
        }
        ("youtube.com" | "m.youtube.com", ["shorts" | "embed" | "live", id])
        | ("youtu.be", [id])
            if is_youtube_id(id) =>
        {
            Some(embed(Provider::YouTube, Some(id.to_string()), start()))
        }
        ("vimeo.com", [id]) | ("player.vimeo.com", ["video", id]) if is_digits(id, 12) => {
            Some(embed(Provider::Vimeo, Some(id.to_string()), None))
        }
        ("x.com" | "twitter.com" | "mobile.twitter.com", [user, "status", id])
            if is_name(user) && is_digits(id, 20) =>
        {
            Some(embed(Provider::X, None, None))
        }
        ("bsky.app", ["profile", who, "post", key]) if is_name(who) && is_name(key) => {
            Some(embed(Provider::Bluesky, None, None))
        }
        ("instagram.com", ["p" | "reel", code]) if is_name(code) => {
            Some(embed(Provider::Instagram, None, None))
        }
        (_, [user, id])
            if user.len() > 1
                && user.starts_with('@')
                && user[1..].split('@').all(is_name)
                && is_digits(id, 20)
                && host.contains('.') =>
        {
            Some(embed(Provider::Mastodon, None, None))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(url: &str) -> Option<Provider> {
        detect(url).map(|e| e.provider)
    }

    #[test]
    fn allow_listed_urls_are_recognised() {
        let yt = detect("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=1m30s").unwrap();
        assert_eq!(yt.video_id.as_deref(), Some("dQw4w9WgXcQ"));
        assert_eq!(yt.start, Some(90));
        for url in [
            "https://youtu.be/dQw4w9WgXcQ",
            "https://m.youtube.com/shorts/dQw4w9WgXcQ",
            "http://youtube.com/embed/dQw4w9WgXcQ",
        ] {
            assert_eq!(provider(url), Some(Provider::YouTube), "{url}");
        }
        let vimeo = detect("https://vimeo.com/76979871").unwrap();
        assert_eq!(vimeo.video_id.as_deref(), Some("76979871"));
        assert_eq!(
            provider("https://x.com/portcalder/status/1790000000000000000"),
            Some(Provider::X)
        );
        assert_eq!(
            provider("https://twitter.com/a_b/status/17"),
            Some(Provider::X)
        );
        assert_eq!(
            provider("https://bsky.app/profile/calder.bsky.social/post/3kq2abc"),
            Some(Provider::Bluesky)
        );
        assert_eq!(
            provider("https://mastodon.social/@harbour/112233445566"),
            Some(Provider::Mastodon)
        );
        assert_eq!(
            provider("https://www.instagram.com/reel/C1a2b3c4d5/"),
            Some(Provider::Instagram)
        );
    }

    #[test]
    fn anything_else_is_not_an_embed() {
        for line in [
            "javascript:alert(1)",
            "https://www.youtube.com/watch?v=short",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ\"onload=x",
            "https://youtu.be/dQw4w9WgXc<",
            "https://vimeo.com/abc",
            "https://evil.example/watch?v=dQw4w9WgXcQ",
            "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
            "https://www.youtube.com:8443/watch?v=dQw4w9WgXcQ",
            "https://example.org/@user/notdigits",
            "https://x.com/user/likes",
            "ftp://youtu.be/dQw4w9WgXcQ",
            "see https://youtu.be/dQw4w9WgXcQ",
            "data:text/html,<iframe>",
        ] {
            assert_eq!(detect(line), None, "{line}");
        }
    }

    #[test]
    fn the_policy_frames_only_the_two_players() {
        assert_eq!(
            content_security_policy(),
            "frame-src https://www.youtube-nocookie.com https://player.vimeo.com; \
             object-src 'none'; base-uri 'self'"
        );
    }
}
