//! Share links: plain URLs to each platform's own share page, built from the
//! article's absolute canonical URL and headline. No third-party scripts.

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Bluesky posts hold at most 300 characters.
const BLUESKY_LIMIT: usize = 300;

/// Mastodon has no global share page: the reader names their instance.
/// Accepts `example.social`, `https://example.social/`, or a handle such as
/// `@me@example.social`; returns the bare host, or `None` if it is not one.
pub fn mastodon_instance(input: &str) -> Option<String> {
    let input = input.trim();
    let host = input.rsplit('@').next().unwrap_or(input);
    let host = host
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let host = host.trim_end_matches('/').to_ascii_lowercase();
    let valid_label = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    (host.len() <= 253 && host.contains('.') && host.split('.').all(valid_label)).then_some(host)
}

/// The Mastodon share URL on the reader's instance.
pub fn mastodon_share_url(instance: &str, canonical_url: &str, headline: &str) -> String {
    format!(
        "https://{instance}/share?text={}",
        enc(&format!("{headline} {canonical_url}"))
    )
}

/// One platform's share link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    /// Short platform key, used as a CSS hook (`x`, `facebook`, …).
    pub key: &'static str,
    /// Visible label.
    pub label: &'static str,
    /// Accessible name, e.g. "Share on Facebook".
    pub accessible_name: &'static str,
    /// The share URL, every parameter percent-encoded.
    pub href: String,
}

fn enc(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// "headline url", shortening the headline so the whole fits in `limit` characters.
fn headline_and_url(headline: &str, url: &str, limit: usize) -> String {
    let room = limit.saturating_sub(url.chars().count() + 1);
    if headline.chars().count() <= room {
        format!("{headline} {url}")
    } else {
        let cut: String = headline.chars().take(room.saturating_sub(1)).collect();
        format!("{}… {url}", cut.trim_end())
    }
}

/// The share links for an article, in the order they are shown.
pub fn share_links(canonical_url: &str, headline: &str) -> Vec<ShareLink> {
    let url = enc(canonical_url);
    let title = enc(headline);
    let link = |key, label, accessible_name, href: String| ShareLink {
        key,
        label,
        accessible_name,
        href,
    };
    vec![
        link(
            "x",
            "X",
            "Share on X",
            format!("https://twitter.com/intent/tweet?text={title}&url={url}"),
        ),
        link(
            "facebook",
            "Facebook",
            "Share on Facebook",
            format!("https://www.facebook.com/sharer/sharer.php?u={url}"),
        ),
        link(
            "linkedin",
            "LinkedIn",
            "Share on LinkedIn",
            format!("https://www.linkedin.com/sharing/share-offsite/?url={url}"),
        ),
        link(
            "whatsapp",
            "WhatsApp",
            "Share on WhatsApp",
            format!(
                "https://wa.me/?text={}",
                enc(&format!("{headline} {canonical_url}"))
            ),
        ),
        link(
            "telegram",
            "Telegram",
            "Share on Telegram",
            format!("https://t.me/share/url?url={url}&text={title}"),
        ),
        link(
            "reddit",
            "Reddit",
            "Share on Reddit",
            format!("https://www.reddit.com/submit?url={url}&title={title}"),
        ),
        link(
            "bluesky",
            "Bluesky",
            "Share on Bluesky",
            format!(
                "https://bsky.app/intent/compose?text={}",
                enc(&headline_and_url(headline, canonical_url, BLUESKY_LIMIT))
            ),
        ),
        link(
            "threads",
            "Threads",
            "Share on Threads",
            format!(
                "https://www.threads.net/intent/post?text={}",
                enc(&format!("{headline} {canonical_url}"))
            ),
        ),
        link(
            "mastodon",
            "Mastodon",
            "Share on Mastodon",
            format!("/share/mastodon?url={url}&title={title}"),
        ),
        link(
            "email",
            "Email",
            "Share via Email",
            format!("mailto:?subject={title}&body={url}"),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::percent_decode_str;

    const URL: &str = "https://news.example/articles/council-port-pact";
    const HEADLINE: &str = "Council & Port Sign \"Blue Corridor\" Pact: 100% #done?";

    fn query_param(href: &str, name: &str) -> Option<String> {
        let query = href.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| {
                percent_decode_str(value)
                    .decode_utf8()
                    .unwrap()
                    .into_owned()
            })
        })
    }

    fn link<'a>(links: &'a [ShareLink], key: &str) -> &'a ShareLink {
        links.iter().find(|l| l.key == key).unwrap()
    }

    #[test]
    fn every_platform_is_present_with_an_accessible_name() {
        let links = share_links(URL, HEADLINE);
        let keys: Vec<_> = links.iter().map(|l| l.key).collect();
        assert_eq!(
            keys,
            [
                "x", "facebook", "linkedin", "whatsapp", "telegram", "reddit", "bluesky",
                "threads", "mastodon", "email"
            ]
        );
        assert!(links.iter().all(|l| l.accessible_name.contains(l.label)));
    }

    #[test]
    fn parameters_decode_back_to_url_and_headline() {
        let links = share_links(URL, HEADLINE);
        let x = &link(&links, "x").href;
        assert!(x.starts_with("https://twitter.com/intent/tweet?"));
        assert_eq!(query_param(x, "url").unwrap(), URL);
        assert_eq!(query_param(x, "text").unwrap(), HEADLINE);
        assert_eq!(
            query_param(&link(&links, "facebook").href, "u").unwrap(),
            URL
        );
        assert_eq!(
            query_param(&link(&links, "linkedin").href, "url").unwrap(),
            URL
        );
        assert_eq!(
            query_param(&link(&links, "whatsapp").href, "text").unwrap(),
            format!("{HEADLINE} {URL}")
        );
        assert_eq!(
            query_param(&link(&links, "telegram").href, "url").unwrap(),
            URL
        );
        assert_eq!(
            query_param(&link(&links, "telegram").href, "text").unwrap(),
            HEADLINE
        );
        assert_eq!(
            query_param(&link(&links, "reddit").href, "title").unwrap(),
            HEADLINE
        );
        assert_eq!(
            query_param(&link(&links, "bluesky").href, "text").unwrap(),
            format!("{HEADLINE} {URL}")
        );
        let email = &link(&links, "email").href;
        assert!(email.starts_with("mailto:?"));
        assert_eq!(query_param(email, "subject").unwrap(), HEADLINE);
        assert_eq!(query_param(email, "body").unwrap(), URL);
    }

    #[test]
    fn reserved_characters_never_appear_raw_in_parameters() {
        for l in share_links(URL, HEADLINE) {
            if l.key == "mastodon" {
                continue; // our own page, checked in the mastodon test
            }
            let query = l.href.split_once('?').unwrap().1;
            for pair in query.split('&') {
                let value = pair.split_once('=').unwrap().1;
                assert!(
                    !value.contains([' ', '"', '#', ':', '/', '?']),
                    "{}: {value}",
                    l.key
                );
            }
        }
    }

    #[test]
    fn mastodon_instance_accepts_hosts_urls_and_handles_only() {
        assert_eq!(
            mastodon_instance("mastodon.social").as_deref(),
            Some("mastodon.social")
        );
        assert_eq!(
            mastodon_instance(" https://Fosstodon.org/ ").as_deref(),
            Some("fosstodon.org")
        );
        assert_eq!(
            mastodon_instance("@me@hachyderm.io").as_deref(),
            Some("hachyderm.io")
        );
        for bad in [
            "",
            "localhost",
            "evil.example/path?x",
            "javascript:alert(1)",
            "a..b",
            "-x.org",
            "x.org:8080",
        ] {
            assert_eq!(mastodon_instance(bad), None, "{bad}");
        }
        assert_eq!(
            mastodon_share_url("mastodon.social", URL, "A & B"),
            "https://mastodon.social/share?text=A%20%26%20B%20https%3A%2F%2Fnews.example%2Farticles%2Fcouncil-port-pact"
        );
    }

    #[test]
    fn bluesky_text_is_cut_to_300_characters_and_keeps_the_url() {
        let long = "Harbour ".repeat(60);
        let text = query_param(&link(&share_links(URL, &long), "bluesky").href, "text").unwrap();
        assert!(text.chars().count() <= 300, "{}", text.chars().count());
        assert!(text.ends_with(URL));
        assert!(text.contains('…'));
    }
}
