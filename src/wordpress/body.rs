//! A WordPress post's HTML as a Broadsheet body: Markdown, the form bodies
//! are stored and edited in. The stored HTML is then rendered from it by the
//! same renderer and sanitiser as every save (`markdown::render_for_site`),
//! so nothing here has to be trusted for safety: it only has to keep the
//! text and its structure.
//!
//! Steps: block-editor comments (`<!-- wp:paragraph -->`) go; the
//! shortcodes WordPress itself defines are turned into HTML (`[caption]`
//! becomes a figure with its caption) or lose their bracket tags, keeping
//! what is between them (`[embed]URL[/embed]` leaves the address;
//! `[gallery]`, `[audio]` … go); text written in the classic editor,
//! where a blank line separates paragraphs, gets its paragraphs as
//! WordPress's `wpautop` would; then `htmd` writes Markdown. Scripts, styles
//! and frames are dropped with their content.

/// Bodies larger than this, or nested deeper than [`MAX_DEPTH`], are kept as
/// their HTML instead of converted (the renderer's own limits then apply).
pub const MAX_CONVERT_BYTES: usize = 2 * 1024 * 1024;

/// How deeply elements may nest for conversion (the converter recurses).
const MAX_DEPTH: usize = 200;

/// Shortcodes whose tags are dropped and whose content, if any, is kept.
const DROPPED_SHORTCODES: &[&str] = &["gallery", "audio", "video", "playlist", "embed"];

/// The body as Markdown, and whether it had to stay HTML (too large or too
/// deeply nested to convert).
pub fn to_markdown(html: &str) -> (String, bool) {
    let html = without_block_comments(html);
    let html = shortcodes(&html);
    let html = paragraphs(&html);
    if html.len() > MAX_CONVERT_BYTES || nesting(&html) > MAX_DEPTH {
        return (html, true);
    }
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec![
            "script", "style", "iframe", "object", "embed", "template", "noscript", "form",
        ])
        .build();
    match converter.convert(&html) {
        Ok(markdown) => (markdown.trim().to_string(), false),
        Err(_) => (html, true),
    }
}

/// Plain text of a short HTML fragment (an excerpt): tags dropped, then
/// [`decode_entities`].
pub fn plain_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let tag = &rest[lt + 1..];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        // Between blocks a space; inline tags (emphasis, links) join their words.
        if starts_with_block(&format!("<{name}")) || name == "br" {
            text.push(' ');
        }
        rest = rest[lt..].find('>').map_or("", |gt| &rest[lt + gt + 1..]);
    }
    text.push_str(rest);
    decode_entities(&text)
}

/// A name or title as WordPress stores it (term names with `&amp;`, titles
/// with `&#8217;`): XML's and the common HTML entities read, whitespace
/// collapsed. Tags are left as they are (a title may say "3 < 5").
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let entity = after
            .find(';')
            .filter(|&semi| semi <= 10)
            .map(|semi| (&after[..semi], semi));
        let decoded = entity.and_then(|(name, _)| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            "hellip" => Some('…'),
            "ndash" => Some('–'),
            "mdash" => Some('—'),
            "rsquo" => Some('’'),
            "lsquo" => Some('‘'),
            "rdquo" => Some('”'),
            "ldquo" => Some('“'),
            _ => {
                let number = name.strip_prefix('#')?;
                let code = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(code).filter(|c| *c != '\0')
            }
        });
        match (decoded, entity) {
            (Some(c), Some((_, semi))) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The HTML without comments (`<!-- wp:… -->` block delimiters and any other).
fn without_block_comments(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start..].find("-->") {
            Some(end) => rest = &rest[start + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[caption …]<img …> Text[/caption]` as a figure with its caption; the
/// bracket tags of [`DROPPED_SHORTCODES`] removed (the content between an
/// opening and closing tag stays). Other bracketed text is left alone: it is
/// as likely to be prose ("[sic]") as an unknown plugin's shortcode.
fn shortcodes(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(']') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let tag = &after[..close];
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace())
            .next()
            .unwrap_or("");
        let closing = tag.starts_with('/');
        if matches!(name, "caption" | "wp_caption") && !closing {
            // Everything up to its end tag: the image (often in a link), then the caption text.
            let end_tag = format!("[/{name}]");
            let inner_start = open + 1 + close + 1;
            let Some(end) = rest[inner_start..].find(&end_tag) else {
                rest = &rest[inner_start..];
                continue;
            };
            let inner = &rest[inner_start..inner_start + end];
            out.push_str(&figure(inner));
            rest = &rest[inner_start + end + end_tag.len()..];
        } else if DROPPED_SHORTCODES.contains(&name) {
            rest = &rest[open + 1 + close + 1..];
        } else {
            out.push('[');
            rest = &rest[open + 1..];
        }
    }
    out.push_str(rest);
    out
}

/// A `[caption]`'s content as a figure: its image (or linked image) first,
/// the rest of the text as the caption.
fn figure(inner: &str) -> String {
    let inner = inner.trim();
    // The image ends at the end of its link, if it has one, or of its tag.
    let image_end = if inner.starts_with("<a") {
        inner.find("</a>").map(|i| i + 4)
    } else {
        inner.find('>').map(|i| i + 1)
    };
    match image_end {
        Some(end) => format!(
            "\n\n<figure>{}<figcaption>{}</figcaption></figure>\n\n",
            &inner[..end],
            inner[end..].trim()
        ),
        None => format!("\n\n<p>{inner}</p>\n\n"),
    }
}

/// Elements that start a block: text beginning with one is not wrapped in a paragraph.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "blockquote",
    "figure",
    "table",
    "pre",
    "hr",
    "dl",
    "section",
    "article",
    "aside",
    "header",
    "footer",
    "address",
    "details",
    "script",
    "style",
    "iframe",
    "form",
    "nav",
    "hgroup",
    "main",
    "object",
];

/// Text written in the classic editor has blank lines between paragraphs
/// and single line breaks inside them (WordPress adds the `<p>` and `<br>`
/// only when it shows the post): each blank-line-separated chunk that does
/// not start with a block element becomes a paragraph, its line breaks
/// `<br>`. Block-editor content (every chunk a block) passes unchanged.
fn paragraphs(html: &str) -> String {
    let normalised = html.replace("\r\n", "\n");
    let mut out = String::with_capacity(normalised.len() + 64);
    for chunk in normalised.split("\n\n") {
        let chunk = chunk.trim();
        if chunk.is_empty() {
            continue;
        }
        if starts_with_block(chunk) {
            out.push_str(chunk);
        } else {
            out.push_str("<p>");
            out.push_str(&chunk.replace('\n', "<br>\n"));
            out.push_str("</p>");
        }
        out.push_str("\n\n");
    }
    out
}

fn starts_with_block(chunk: &str) -> bool {
    let Some(rest) = chunk.strip_prefix('<') else {
        return false;
    };
    let name: String = rest
        .chars()
        .take_while(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    BLOCK_TAGS.contains(&name.as_str())
}

/// The deepest nesting of elements, counting every opening tag that is
/// not self-closing and every closing tag (a rough count, on the safe side).
fn nesting(html: &str) -> usize {
    let bytes = html.as_bytes();
    let mut depth: usize = 0;
    let mut deepest = 0;
    let mut i = 0;
    while let Some(lt) = bytes[i..].iter().position(|&b| b == b'<') {
        i += lt + 1;
        match bytes.get(i) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(c) if c.is_ascii_alphabetic() => {
                let name: Vec<u8> = bytes[i..]
                    .iter()
                    .take_while(|b| b.is_ascii_alphanumeric())
                    .map(u8::to_ascii_lowercase)
                    .collect();
                let void = matches!(
                    name.as_slice(),
                    b"br" | b"img" | b"hr" | b"input" | b"meta" | b"link" | b"source" | b"wbr"
                );
                if !void {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
            }
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_editor_markup_becomes_markdown() {
        let (md, kept_html) = to_markdown(
            "<!-- wp:heading -->\n<h2 class=\"wp-block-heading\">Timetable</h2>\n<!-- /wp:heading -->\n\n\
             <!-- wp:list -->\n<ul><li>Fridays</li><li>Saturdays</li></ul>\n<!-- /wp:list -->\n\n\
             <!-- wp:paragraph -->\n<p>Tickets <strong>on board</strong>.</p>\n<!-- /wp:paragraph -->",
        );
        assert!(!kept_html);
        assert!(md.contains("## Timetable"), "{md}");
        assert!(md.contains("Fridays"), "{md}");
        assert!(md.contains("**on board**"), "{md}");
        assert!(!md.contains("wp:"), "{md}");
    }

    #[test]
    fn captions_become_figures_and_gallery_tags_go() {
        let (md, _) = to_markdown(
            "[caption id=\"attachment_5\" align=\"alignnone\" width=\"300\"]<img src=\"https://old.example/a.jpg\" alt=\"Quay\" /> The quay at dusk.[/caption]\n\n[gallery ids=\"1,2\"]\n\nSee [sic] here.",
        );
        assert!(md.contains("![Quay](https://old.example/a.jpg)"), "{md}");
        assert!(md.contains("The quay at dusk."), "{md}");
        assert!(!md.contains("[caption"), "{md}");
        assert!(!md.contains("gallery"), "{md}");
        // Bracketed prose stays (escaped in Markdown, shown as typed).
        assert!(
            crate::markdown::render_or_escape(&md).contains("See [sic] here."),
            "{md}"
        );
    }

    #[test]
    fn classic_editor_text_keeps_its_paragraphs() {
        let (md, _) = to_markdown("First line.\n\nSecond para,\nwith a break.");
        assert!(md.starts_with("First line.\n\nSecond para,"), "{md}");
    }

    #[test]
    fn scripts_go_with_their_content_and_deep_nesting_stays_html() {
        let (md, _) = to_markdown("<p>Hi</p><script>alert('x')</script>");
        assert!(!md.contains("alert"), "{md}");
        let deep = "<div>".repeat(5000);
        let (body, kept_html) = to_markdown(&deep);
        assert!(kept_html);
        assert!(body.starts_with("<div>"));
    }

    #[test]
    fn excerpts_become_plain_text() {
        assert_eq!(
            plain_text(
                "<p>Dues rise by <em>four per cent</em>;\n the vote&#8217;s soon &amp; #1.</p>"
            ),
            "Dues rise by four per cent; the vote’s soon & #1."
        );
    }
}
