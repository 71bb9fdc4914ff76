//! Markdown to safe HTML for article bodies: pulldown-cmark renders, ammonia
//! sanitises (no scripts, event handlers or `javascript:` URLs survive).
//! Headings are shifted one level down, because the headline is the page's only `h1`.
//!
//! Rendering is bounded: parsing and sanitising cost grows with the square of
//! how deeply lists, quotes and HTML elements nest (20,000 nested list items
//! took 12 s of CPU), so a body nested deeper than [`MAX_NESTING`] is refused
//! with a message instead of rendered. Bodies are rendered when an article is
//! saved and the HTML is stored; readers never pay for it.
//!
//! Footnotes, figures, pull quotes and embed facades are made from the
//! parser's events in [`rich`] (the syntax is listed there); embeds and the
//! page's frame policy live in [`embed`].

pub mod embed;
mod rich;

pub use rich::{without_pull_quotes, MAX_EMBEDS};

use std::borrow::Cow;

use pulldown_cmark::{html, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// How deeply lists, quotes, emphasis, links and HTML elements may nest. Real
/// articles stay under ten; this leaves room for any honest use and keeps the
/// worst accepted body well under 100 ms to render.
pub const MAX_NESTING: usize = 40;

/// How many elements (paragraphs, list items, table cells, links, raw HTML
/// tags, and `<` or `&` in text) a body may have. Sanitising costs about 4 µs an element, so this
/// keeps the largest accepted body near 40 ms; a long honest article has a
/// few hundred.
pub const MAX_ELEMENTS: usize = 10_000;

fn demote(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Why a body was refused, in words for the editor.
fn too_deep(line: usize) -> String {
    format!(
        "The body nests lists, quotes or HTML elements more than {MAX_NESTING} levels deep \
         (around line {line}). Flatten the deepest lists or quotes and save again."
    )
}

/// Why a body with too many elements was refused.
fn too_many(line: usize) -> String {
    format!(
        "The body has more than {MAX_ELEMENTS} elements (paragraphs, list items, table cells, \
         links or HTML tags) by line {line}. Split it into several articles or shorten the tables."
    )
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Container markers (`>`, `-`, `*`, `+`, `1.`, `1)`) opening one line: the
/// nesting a line can add before the parser sees it. Checked first because the
/// parser itself is slow on thousands of markers on one line.
fn markers_opening(line: &str) -> usize {
    let bytes = line.as_bytes();
    let mut i = 0;
    let mut markers = 0;
    loop {
        while i < bytes.len() && (bytes[i] == b' ' || bytes[i] == b'\t') {
            i += 1;
        }
        let Some(&c) = bytes.get(i) else { break };
        let after = |j: usize| bytes.get(j).is_none_or(|b| *b == b' ' || *b == b'\t');
        if c == b'>' || (matches!(c, b'-' | b'*' | b'+') && after(i + 1)) {
            i += 1;
        } else if c.is_ascii_digit() {
            let digits = bytes[i..].iter().take_while(|b| b.is_ascii_digit()).count();
            let end = i + digits;
            if digits <= 9 && matches!(bytes.get(end), Some(b'.' | b')')) && after(end + 1) {
                i = end + 1;
            } else {
                break;
            }
        } else {
            break;
        }
        markers += 1;
    }
    markers
}

/// HTML elements whose end tag is optional or absent: they never deepen the tree.
fn never_nests(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "option"
            | "optgroup"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "rp"
            | "rt"
    )
}

/// How raw HTML changes the element depth: +1 per opening tag, -1 per closing
/// tag, ignoring elements that cannot nest. Unclosed tags count, which is the
/// point: the sanitiser's cost grows with them.
fn html_depth_change(fragment: &str) -> isize {
    let bytes = fragment.as_bytes();
    let mut change = 0;
    let mut i = 0;
    while let Some(lt) = bytes[i..].iter().position(|&b| b == b'<') {
        i += lt + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric())
            .count();
        if name_len == 0 || !bytes[start].is_ascii_alphabetic() {
            continue;
        }
        let name = fragment[start..start + name_len].to_ascii_lowercase();
        let end = bytes[start..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(bytes.len(), |p| start + p);
        let self_closing = end > 0 && bytes.get(end - 1) == Some(&b'/');
        i = end.min(bytes.len());
        if never_nests(&name) || self_closing {
            continue;
        }
        change += if closing { -1 } else { 1 };
    }
    change
}

/// Renders editor Markdown to sanitised HTML, or says why it will not: a body
/// nested deeper than [`MAX_NESTING`] is refused with a message that names the
/// line to fix. Only relative links count as the site's own (see
/// [`render_for_site`]).
pub fn render(markdown: &str) -> Result<String, String> {
    render_for_site(markdown, "")
}

/// [`render`], with links to `own_origin` (the site's base URL, e.g.
/// `https://news.example`) and relative links left followable: only links
/// to other sites get `nofollow`.
pub fn render_for_site(markdown: &str, own_origin: &str) -> Result<String, String> {
    let mut offset = 0;
    for line in markdown.split_inclusive('\n') {
        if markers_opening(line) > MAX_NESTING {
            return Err(too_deep(line_of(markdown, offset)));
        }
        offset += line.len();
    }

    let options = Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TABLES
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_FOOTNOTES;
    let mut events = Vec::new();
    let mut depth: usize = 0;
    let mut html_depth: isize = 0;
    let mut elements: usize = 0;
    for (event, range) in Parser::new_ext(markdown, options).into_offset_iter() {
        let event = match event {
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
        };
        match &event {
            Event::Start(_) => {
                depth += 1;
                elements += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Html(text) | Event::InlineHtml(text) => {
                html_depth = (html_depth + html_depth_change(text)).max(0);
                elements += text.bytes().filter(|&b| b == b'<').count();
            }
            // Each `<` or `&` in text becomes a character reference that the
            // sanitiser parses again: as costly as an element.
            Event::Text(text) | Event::Code(text) => {
                elements += text.bytes().filter(|&b| b == b'<' || b == b'&').count();
            }
            // A reference becomes a link, with an id, in a `sup`, and a link
            // back from its note: measured at about seven elements' cost.
            Event::FootnoteReference(_) => elements += 7,
            _ => {}
        }
        // Each Markdown level is about two elements (a list and its item).
        if depth + html_depth.unsigned_abs() > 2 * MAX_NESTING {
            return Err(too_deep(line_of(markdown, range.start)));
        }
        if elements > MAX_ELEMENTS {
            return Err(too_many(line_of(markdown, range.start)));
        }
        events.push(event);
    }
    // Markup made by `rich` carries this in its gated attributes; an editor
    // cannot know it, so typed ones are dropped as before.
    let nonce = format!("n{}-", crate::auth::random_hex(8));
    let events = rich::enrich(events, &nonce);
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events.into_iter());
    let clean = ammonia::Builder::default()
        .link_rel(None)
        .add_generic_attributes(rich::GATED)
        .attribute_filter(move |_, attribute, value| {
            if rich::GATED.contains(&attribute) {
                value.strip_prefix(nonce.as_str()).map(Cow::Borrowed)
            } else {
                Some(Cow::Borrowed(value))
            }
        })
        .clean(&unsafe_html)
        .to_string();
    Ok(add_link_rel(&clean, own_origin))
}

/// The `rel` every link to another site gets.
const EXTERNAL_REL: &str = "noopener noreferrer nofollow";

/// Whether `href` (as written, entities decoded) points into this site.
fn is_own_link(href: &str, own_origin: &str) -> bool {
    let href = href.trim();
    let origin = own_origin.trim_end_matches('/');
    if href.starts_with("//") {
        return false;
    }
    // A scheme is letters, digits, `+`, `-`, `.` before the first `:`, and
    // ahead of any `/`, `?` or `#`; without one the link is relative.
    let scheme_end = href.find([':', '/', '?', '#']);
    let has_scheme = scheme_end.is_some_and(|i| {
        href[i..].starts_with(':')
            && i > 0
            && href[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if !has_scheme {
        return true;
    }
    !origin.is_empty()
        && href.len() >= origin.len()
        && href.is_char_boundary(origin.len())
        && href[..origin.len()].eq_ignore_ascii_case(origin)
        && matches!(
            href[origin.len()..].chars().next(),
            None | Some('/' | '?' | '#')
        )
}

/// Adds `rel` to each `<a>` in sanitised HTML that leaves the site. The input
/// is ammonia's serialisation: lowercase tags, every attribute value in
/// double quotes with `"` escaped, so a quote always ends a value.
pub fn add_link_rel(html: &str, own_origin: &str) -> String {
    let mut out = String::with_capacity(html.len() + 64);
    let mut rest = html;
    while let Some(start) = rest.find("<a") {
        let after = &rest[start + 2..];
        if !after.starts_with([' ', '>']) {
            out.push_str(&rest[..start + 2]);
            rest = after;
            continue;
        }
        // Walk the attributes to the tag's end, noting href.
        let mut i = 0;
        let mut href = None;
        let bytes = after.as_bytes();
        while i < bytes.len() && bytes[i] != b'>' {
            if bytes[i] == b' ' {
                i += 1;
                continue;
            }
            let name_start = i;
            while i < bytes.len() && !matches!(bytes[i], b'=' | b' ' | b'>') {
                i += 1;
            }
            let name = &after[name_start..i];
            if after[i..].starts_with("=\"") {
                let value_start = i + 2;
                let len = after[value_start..]
                    .find('"')
                    .unwrap_or(after.len() - value_start);
                if name == "href" {
                    href = Some(&after[value_start..value_start + len]);
                }
                i = (value_start + len + 1).min(bytes.len());
            }
        }
        out.push_str(&rest[..start + 2]);
        out.push_str(&after[..i]);
        let href = href.map(|h| h.replace("&amp;", "&"));
        if href.is_some_and(|h| !is_own_link(&h, own_origin)) {
            out.push_str(&format!(" rel=\"{EXTERNAL_REL}\""));
        }
        rest = &after[i..];
    }
    out.push_str(rest);
    out
}

/// The body as stored HTML even when it is refused: bodies saved before the
/// nesting limit existed (or generated and imported ones) still show, as
/// escaped text in paragraphs, and cost nothing to sanitise.
pub fn render_or_escape(markdown: &str) -> String {
    render(markdown).unwrap_or_else(|_| {
        markdown
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(|p| format!("<p>{}</p>", escape_html(p.trim())))
            .collect()
    })
}

/// Escapes text for use as HTML: the fallback body of an article the
/// renderer refuses, and feed fields that readers treat as HTML (RSS
/// `<description>`, which the template then escapes once more for XML).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = render("## Budget\n\nThe *council* met.\n\n> A quote\n\n- one\n- two").unwrap();
        assert!(html.contains("<h3>Budget</h3>"), "{html}");
        assert!(html.contains("<em>council</em>"));
        assert!(html.contains("<blockquote>"));
        assert!(html.contains("<li>one</li>"));
    }

    #[test]
    fn top_level_heading_never_becomes_a_second_h1() {
        assert!(render("# Title").unwrap().contains("<h2>Title</h2>"));
    }

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let html = render(
            "Hi <script>alert(1)</script> <img src=x onerror=\"alert(2)\"> \
             [click](javascript:alert(3)) <a href=\"javascript:alert(4)\">x</a> <iframe src=\"https://evil.example\"></iframe>",
        )
        .unwrap();
        for bad in ["<script", "alert(1)", "onerror", "javascript:", "<iframe"] {
            assert!(!html.contains(bad), "{bad} survived in {html}");
        }
    }

    #[test]
    fn only_links_to_other_sites_are_nofollow() {
        let html = render_for_site(
            "[a](/articles/x) [b](notes#part) [c](https://news.example/articles/y?q=1&r=2) \
             [d](https://other.example/) [e](https://news.example.evil/) [f](//other.example/x) \
             <a title=\"x > y\" href=\"https://NEWS.example\">g</a> [h](mailto:desk@news.example)",
            "https://news.example/",
        )
        .unwrap();
        let rels: Vec<bool> = html
            .split("<a ")
            .skip(1)
            .map(|tag| tag[..tag.find("</a>").unwrap()].contains(EXTERNAL_REL))
            .collect();
        assert_eq!(
            rels,
            [false, false, false, true, true, true, false, true],
            "{html}"
        );
    }

    #[test]
    fn links_get_safe_rel() {
        let html = render("[site](https://example.org/a)").unwrap();
        assert!(html.contains("href=\"https://example.org/a\""));
        assert!(html.contains("rel=\"noopener noreferrer nofollow\""));
    }

    #[test]
    fn hostile_nesting_is_refused_with_the_line_to_fix() {
        let bodies = [
            format!("Intro\n\n{}x", "- ".repeat(20_000)),
            format!("Intro\n\n{}x", "1. ".repeat(66_000)),
            format!("Intro\n\n{}x", ">".repeat(100_000)),
            format!("Intro\n\n{}", "<ul><li>".repeat(20_000)),
            format!("Intro\n\n{}", "<div>".repeat(5_000)),
            format!("Intro\n\n{}x{}", "*a ".repeat(5_000), "a*".repeat(5_000)),
        ];
        for body in &bodies {
            let message = render(body).expect_err(&body[..40]);
            assert!(message.contains("levels deep"), "{message}");
            assert!(message.contains("line 3"), "{message}");
        }
    }

    #[test]
    fn bodies_with_too_many_elements_are_refused() {
        let table = format!(
            "|{}\n|{}\n{}",
            "a|".repeat(1000),
            "-|".repeat(1000),
            format!("|{}\n", "b|".repeat(1000)).repeat(100)
        );
        for body in [table, "<a ".repeat(50_000), "x\n\n".repeat(20_000)] {
            let message = render(&body).expect_err("refused");
            assert!(message.contains("elements"), "{message}");
        }
    }

    #[test]
    fn honest_nesting_renders() {
        let mut body = String::new();
        for level in 0..12 {
            body.push_str(&format!("{}- level {level}\n", "  ".repeat(level)));
        }
        body.push_str(
            "\n> > > a quote in a quote in a quote\n\n<div><div><p>raw</p></div></div>\n",
        );
        body.push_str(&"<p>many paragraphs\n\n".repeat(200));
        let html = render(&body).unwrap();
        assert!(html.contains("level 11"), "{html}");
        assert!(html.contains("a quote in a quote"));
    }

    #[test]
    fn footnotes_are_numbered_linked_both_ways_and_listed_under_notes() {
        let html = render(
            "One[^b] two[^a] again[^b] missing[^zz].\n\n[^a]: Note A.\n\n[^b]: Note B.\n\n[^c]: Unused.",
        )
        .unwrap();
        assert!(
            html.contains("<sup class=\"footnote-ref\"><a href=\"#fn-1\" id=\"fnref-1\""),
            "{html}"
        );
        assert!(html.contains("id=\"fnref-1-2\""), "{html}");
        assert!(
            html.contains("missing[^zz]"),
            "undefined stays as typed: {html}"
        );
        let notes = &html[html.find("role=\"doc-endnotes\"").expect(&html)..];
        assert!(notes.contains("<h2 id=\"fn-label\""), "{notes}");
        let b = notes.find("Note B.").unwrap();
        let a = notes.find("Note A.").unwrap();
        let c = notes.find("Unused.").unwrap();
        assert!(b < a && a < c, "by first reference, unused last: {notes}");
        assert!(notes.contains("<li id=\"fn-3\">"), "{notes}");
        assert!(notes.contains("href=\"#fnref-1-2\""), "{notes}");
    }

    #[test]
    fn typed_ids_classes_and_data_attributes_are_still_removed() {
        let html = render(
            "<div id=\"main\" class=\"embed\" data-embed-id=\"dQw4w9WgXcQ\" role=\"x\" aria-hidden=\"true\">t</div>\n\n<aside class=\"pull-quote\">a</aside>",
        )
        .unwrap();
        assert_eq!(html, "<div>t</div>\n<aside>a</aside>");
    }

    #[test]
    fn figures_pull_quotes_and_embeds() {
        let html = render(
            "![Pier](/media/abc)\n*The pier.* — Photo: A. Lind\n\n![Alone](/media/def)\n\n\
             > [!PULL]\n> Pulled words.\n\n> Plain quote\n\nhttps://youtu.be/dQw4w9WgXcQ\n\n\
             <https://vimeo.com/76979871>",
        )
        .unwrap();
        assert!(
            html.contains(
                "<figure class=\"figure\"><img src=\"/media/abc\" alt=\"Pier\">\
                 <figcaption><span class=\"figure__caption\">The pier.</span> \
                 <small class=\"credit\">Photo: A. Lind</small></figcaption></figure>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<p><img src=\"/media/def\" alt=\"Alone\"></p>"),
            "{html}"
        );
        assert!(
            html.contains(
                "<aside class=\"pull-quote\" aria-hidden=\"true\">\n<p>Pulled words.</p>"
            ),
            "{html}"
        );
        assert!(html.contains("<blockquote>\n<p>Plain quote</p>"), "{html}");
        assert!(html.contains("data-embed-id=\"dQw4w9WgXcQ\""), "{html}");
        assert!(html.contains("data-embed-id=\"76979871\""), "{html}");
        assert!(!html.contains("<iframe"), "{html}");
    }

    #[test]
    fn refused_bodies_still_show_as_escaped_text() {
        let body = format!("First <b>para</b>\n\n{}", "- ".repeat(1_000));
        let html = render_or_escape(&body);
        assert!(
            html.starts_with("<p>First &lt;b&gt;para&lt;/b&gt;</p>"),
            "{html}"
        );
    }
}
