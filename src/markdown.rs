//! Markdown to safe HTML for article bodies: pulldown-cmark renders, ammonia
//! sanitises (no scripts, event handlers or `javascript:` URLs survive).
//! Headings are shifted one level down, because the headline is the page's only `h1`.

use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Renders editor Markdown to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let options =
        Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TABLES | Options::ENABLE_SMART_PUNCTUATION;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::Heading {
            level,
            id,
            classes,
            attrs,
        }) => Event::Start(Tag::Heading {
            level: demote(level),
            id,
            classes,
            attrs,
        }),
        Event::End(TagEnd::Heading(level)) => Event::End(TagEnd::Heading(demote(level))),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn markdown_becomes_html() {
        let html = render("## Budget\n\nThe *council* met.\n\n> A quote\n\n- one\n- two");
        assert!(html.contains("<h3>Budget</h3>"), "{html}");
        assert!(html.contains("<em>council</em>"));
        assert!(html.contains("<blockquote>"));
        assert!(html.contains("<li>one</li>"));
    }

    #[test]
    fn top_level_heading_never_becomes_a_second_h1() {
        assert!(render("# Title").contains("<h2>Title</h2>"));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render(
            "Hi <script>alert(1)</script> <img src=x onerror=\"alert(2)\"> \
             [click](javascript:alert(3)) <a href=\"javascript:alert(4)\">x</a> <iframe src=\"https://evil.example\"></iframe>",
        );
        for bad in ["<script", "alert(1)", "onerror", "javascript:", "<iframe"] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
    }

    #[test]
    fn links_get_safe_rel() {
        let html = render("[site](https://example.org/a)");
        assert!(html.contains("href=\"https://example.org/a\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
    }
}
