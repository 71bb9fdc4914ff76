//! Rich bodies: footnotes, figures with caption and credit, pull quotes and
//! embed facades, made from the parser's events before they become HTML.
//! (Longer than most files: the four rewrites share one pass over the events
//! and one nonce gate for the attributes only they may make.)
//!
//! The syntax, as the admin form's help lists it:
//! - Footnotes: `text[^1]` and, on a line of its own, `[^1]: The note.`
//!   Notes are numbered by first reference and listed under a "Notes"
//!   heading at the end, each with a link back to its references.
//! - Figures: an image on a line of its own, then on the next line the
//!   caption in emphasis and the credit after a dash:
//!   `![Alt text](/media/…)` / `*The caption.* — Photo: Name`.
//! - Pull quotes: a quote whose first words are `[!pull]`:
//!   `> [!pull] The words to pull out.` It repeats body text, so screen
//!   readers skip it (`aria-hidden`).
//! - Embeds: an allow-listed URL alone on a line (see [`super::embed`]).
//!
//! The markup made here carries `id`, `class`, `role`, `aria-*` and
//! `data-embed-*` attributes. The sanitiser lets those through only when
//! their value starts with a nonce chosen for this render (and strips it),
//! so the same attributes typed by an editor in raw HTML are removed exactly
//! as before, and no editor can make an id that collides with ours or a card
//! that `embed.js` would act on.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

use super::embed::{self, Embed};
use super::escape_html;

/// Attributes allowed only on markup made here (see the module comment).
pub const GATED: &[&str] = &[
    "id",
    "class",
    "role",
    "aria-hidden",
    "aria-label",
    "aria-labelledby",
    "aria-describedby",
    "data-embed-provider",
    "data-embed-id",
    "data-embed-start",
];

/// The most embeds one body gets as cards; further URLs stay text. Honest
/// stories have a few; this bounds the markup a hostile body can make.
pub const MAX_EMBEDS: usize = 100;

/// The pull-quote marker, matched without regard to case.
const PULL_MARKER: &str = "[!pull]";

/// Writes gated attribute values: each starts with the render's nonce.
struct Gate<'n>(&'n str);

impl Gate<'_> {
    /// ` name="<nonce>value"`, the value escaped.
    fn attr(&self, name: &str, value: &str) -> String {
        format!(" {name}=\"{}{}\"", self.0, escape_html(value))
    }
}

/// How a pull quote opens in stored (sanitised) HTML. Only this renderer
/// can make it: the sanitiser strips `class` and `aria-*` from typed HTML.
const PULL_QUOTE_OPEN: &str = "<aside class=\"pull-quote\" aria-hidden=\"true\">";

/// Stored body HTML without its pull quotes, for copies that have no
/// stylesheet (feeds): there a pull quote would only print the same words twice.
pub fn without_pull_quotes(html: &str) -> std::borrow::Cow<'_, str> {
    if !html.contains(PULL_QUOTE_OPEN) {
        return html.into();
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(PULL_QUOTE_OPEN) {
        out.push_str(&rest[..start]);
        // Skip to the matching `</aside>` (a pull quote may hold a quote that holds another).
        let mut depth = 0usize;
        let mut at = start;
        loop {
            let next_open = rest[at..].find("<aside").map(|i| at + i);
            let Some(close) = rest[at..].find("</aside>").map(|i| at + i) else {
                // Unclosed (cannot happen after sanitising): drop the rest.
                return out.into();
            };
            match next_open {
                Some(open) if open < close => {
                    depth += 1;
                    at = open + "<aside".len();
                }
                _ => {
                    depth -= 1;
                    at = close + "</aside>".len();
                    if depth == 0 {
                        break;
                    }
                }
            }
        }
        rest = rest[at..].trim_start_matches('\n');
    }
    out.push_str(rest);
    out.into()
}

/// Rewrites the body's events: pull quotes, figures and embeds in place,
/// footnote references as numbered links, and the notes at the end.
pub fn enrich<'a>(events: Vec<Event<'a>>, nonce: &str) -> Vec<Event<'a>> {
    let gate = Gate(nonce);
    footnotes(blocks(events, &gate), &gate)
}

/// The text of consecutive `Text` events from the start of `events`, and how
/// many there were (the parser splits text at brackets and entities).
fn leading_text(events: &[Event]) -> (String, usize) {
    let mut text = String::new();
    let mut count = 0;
    for event in events {
        match event {
            Event::Text(t) => text.push_str(t),
            _ => break,
        }
        count += 1;
    }
    (text, count)
}

/// The URL a paragraph holds when it holds nothing else: plain text, or one
/// `<https://…>` autolink.
fn lone_url(inline: &[Event]) -> Option<String> {
    match inline {
        [Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url,
            ..
        }), .., Event::End(TagEnd::Link)] => Some(dest_url.to_string()),
        _ => {
            let (text, count) = leading_text(inline);
            (count == inline.len() && count > 0).then_some(text)
        }
    }
}

/// Pull quotes, figures and embeds.
fn blocks<'a>(events: Vec<Event<'a>>, gate: &Gate) -> Vec<Event<'a>> {
    let mut out = Vec::with_capacity(events.len());
    // For each open quote, whether it is a pull quote.
    let mut quotes: Vec<bool> = Vec::new();
    let mut embeds = 0;
    let mut i = 0;
    while i < events.len() {
        match &events[i] {
            Event::Start(Tag::BlockQuote(_)) => {
                let marked = matches!(events.get(i + 1), Some(Event::Start(Tag::Paragraph)))
                    && leading_text(&events[i + 2..])
                        .0
                        .trim_start()
                        .get(..PULL_MARKER.len())
                        .is_some_and(|m| m.eq_ignore_ascii_case(PULL_MARKER));
                quotes.push(marked);
                if !marked {
                    out.push(events[i].clone());
                    i += 1;
                    continue;
                }
                out.push(Event::Html(
                    format!(
                        "<aside{}{}>",
                        gate.attr("class", "pull-quote"),
                        gate.attr("aria-hidden", "true")
                    )
                    .into(),
                ));
                let (text, count) = leading_text(&events[i + 2..]);
                let rest = text.trim_start()[PULL_MARKER.len()..]
                    .trim_start()
                    .to_string();
                let mut next = i + 2 + count;
                if rest.is_empty() {
                    if matches!(events.get(next), Some(Event::SoftBreak | Event::HardBreak)) {
                        next += 1;
                    }
                    if matches!(events.get(next), Some(Event::End(TagEnd::Paragraph))) {
                        // The marker had a paragraph of its own.
                        next += 1;
                    } else {
                        out.push(Event::Start(Tag::Paragraph));
                    }
                } else {
                    out.push(Event::Start(Tag::Paragraph));
                    out.push(Event::Text(rest.into()));
                }
                i = next;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                if quotes.pop() == Some(true) {
                    out.push(Event::Html("</aside>".into()));
                } else {
                    out.push(events[i].clone());
                }
                i += 1;
            }
            Event::Start(Tag::Paragraph) => {
                let end = events[i..]
                    .iter()
                    .position(|e| matches!(e, Event::End(TagEnd::Paragraph)))
                    .map_or(events.len(), |p| i + p);
                let inline = &events[i + 1..end];
                let found = (embeds < MAX_EMBEDS)
                    .then(|| lone_url(inline).and_then(|url| embed::detect(&url)))
                    .flatten();
                if let Some(found) = found {
                    embeds += 1;
                    out.push(Event::Html(facade(&found, gate).into()));
                } else if let Some(figure) = figure(inline, gate) {
                    out.extend(figure);
                } else {
                    out.extend_from_slice(&events[i..(end + 1).min(events.len())]);
                }
                i = end + 1;
            }
            _ => {
                out.push(events[i].clone());
                i += 1;
            }
        }
    }
    out
}

/// The link card an embed becomes. `embed.js` adds the "Load" button to
/// cards that carry a video id; without it the card is a link.
fn facade(found: &Embed, gate: &Gate) -> String {
    let provider = found.provider;
    let mut attrs = gate.attr("class", &format!("embed embed--{}", provider.key()));
    attrs.push_str(&gate.attr("data-embed-provider", provider.key()));
    if let Some(id) = &found.video_id {
        attrs.push_str(&gate.attr("data-embed-id", id));
    }
    if let Some(start) = found.start {
        attrs.push_str(&gate.attr("data-embed-start", &start.to_string()));
    }
    let label = if provider == embed::Provider::Mastodon {
        format!("{} on {}", provider.label(), found.host)
    } else {
        provider.label().to_string()
    };
    let url = escape_html(&found.url);
    format!(
        "<div{attrs}><p{}>{}</p><p{}><a href=\"{url}\">{url}</a></p></div>\n",
        gate.attr("class", "embed__provider"),
        escape_html(&label),
        gate.attr("class", "embed__link"),
    )
}

/// Index of the event that closes the one opened at `inline[0]`.
fn matching_end(inline: &[Event]) -> Option<usize> {
    let mut depth = 0usize;
    for (i, event) in inline.iter().enumerate() {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A paragraph that is an image, a line break and a caption line becomes a
/// figure: `*caption* — credit` (the credit after a dash is optional; a
/// caption line without emphasis is all caption).
fn figure<'a>(inline: &[Event<'a>], gate: &Gate) -> Option<Vec<Event<'a>>> {
    if !matches!(inline.first(), Some(Event::Start(Tag::Image { .. }))) {
        return None;
    }
    let image_end = matching_end(inline)?;
    if !matches!(
        inline.get(image_end + 1),
        Some(Event::SoftBreak | Event::HardBreak)
    ) {
        return None;
    }
    let caption_line = &inline[image_end + 2..];
    if caption_line.is_empty() {
        return None;
    }
    let (caption, credit) = match caption_line.first() {
        Some(Event::Start(Tag::Emphasis)) => {
            let end = matching_end(caption_line)?;
            (&caption_line[1..end], credit_of(&caption_line[end + 1..]))
        }
        _ => (caption_line, Vec::new()),
    };
    let mut out = vec![Event::Html(
        format!("<figure{}>", gate.attr("class", "figure")).into(),
    )];
    out.extend_from_slice(&inline[..=image_end]);
    out.push(Event::Html("<figcaption>".into()));
    out.push(Event::Html(
        format!("<span{}>", gate.attr("class", "figure__caption")).into(),
    ));
    out.extend_from_slice(caption);
    out.push(Event::Html("</span>".into()));
    if !credit.is_empty() {
        out.push(Event::Html(
            format!(" <small{}>", gate.attr("class", "credit")).into(),
        ));
        out.extend(credit);
        out.push(Event::Html("</small>".into()));
    }
    out.push(Event::Html("</figcaption></figure>\n".into()));
    Some(out)
}

/// The credit after a caption: the rest of the line without its leading
/// dash (`—`, `–` or `-`) and spaces; empty when nothing else is there.
fn credit_of<'a>(rest: &[Event<'a>]) -> Vec<Event<'a>> {
    let mut credit: Vec<Event<'a>> = rest.to_vec();
    if let Some(Event::Text(first)) = credit.first() {
        let trimmed = first
            .trim_start()
            .trim_start_matches(['—', '–', '-'])
            .trim_start()
            .to_string();
        if trimmed.is_empty() {
            credit.remove(0);
        } else {
            credit[0] = Event::Text(trimmed.into());
        }
    }
    let blank = credit
        .iter()
        .all(|e| matches!(e, Event::Text(t) if t.trim().is_empty()));
    if blank {
        Vec::new()
    } else {
        credit
    }
}

/// A footnote as it is collected.
#[derive(Default)]
struct Note<'a> {
    /// Its number, once referenced (or when listed unreferenced).
    number: Option<usize>,
    /// How many references point to it.
    references: usize,
    /// Its content, once its definition is read.
    content: Option<Vec<Event<'a>>>,
}

/// Footnote labels match without regard to case or runs of spaces.
fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// References become numbered links; definitions move to a "Notes" list at
/// the end, each with links back to its references. A reference to a note
/// never defined stays as typed.
fn footnotes<'a>(events: Vec<Event<'a>>, gate: &Gate) -> Vec<Event<'a>> {
    let defined: std::collections::HashSet<String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Start(Tag::FootnoteDefinition(label)) => Some(label_key(label)),
            _ => None,
        })
        .collect();
    if defined.is_empty() {
        return events;
    }
    let mut notes: HashMap<String, Note> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut numbered = 0;
    let mut out = Vec::with_capacity(events.len() + 8);
    // Definitions being read (they may hold others), with their labels.
    let mut open: Vec<(String, Vec<Event<'a>>)> = Vec::new();
    for event in events {
        let event = match event {
            Event::FootnoteReference(label) => {
                let key = label_key(&label);
                if !defined.contains(&key) {
                    Event::Text(CowStr::from(format!("[^{label}]")))
                } else {
                    if !notes.contains_key(&key) {
                        order.push(key.clone());
                    }
                    let note = notes.entry(key).or_default();
                    let number = *note.number.get_or_insert_with(|| {
                        numbered += 1;
                        numbered
                    });
                    note.references += 1;
                    Event::Html(
                        format!(
                            "<sup{}><a href=\"#fn-{number}\"{}{}{}>{number}</a></sup>",
                            gate.attr("class", "footnote-ref"),
                            gate.attr("id", &reference_id(number, note.references)),
                            gate.attr("role", "doc-noteref"),
                            gate.attr("aria-describedby", "fn-label"),
                        )
                        .into(),
                    )
                }
            }
            Event::Start(Tag::FootnoteDefinition(label)) => {
                open.push((label_key(&label), Vec::new()));
                continue;
            }
            Event::End(TagEnd::FootnoteDefinition) => {
                if let Some((key, content)) = open.pop() {
                    if !notes.contains_key(&key) {
                        order.push(key.clone());
                    }
                    // A second definition of a label adds to the first.
                    notes
                        .entry(key)
                        .or_default()
                        .content
                        .get_or_insert_with(Vec::new)
                        .extend(content);
                }
                continue;
            }
            other => other,
        };
        match open.last_mut() {
            Some((_, content)) => content.push(event),
            None => out.push(event),
        }
    }
    // Referenced notes by number, then the rest in the order written.
    let mut listed: Vec<(usize, Note)> = Vec::new();
    for key in order {
        if let Some(mut note) = notes.remove(&key) {
            let number = *note.number.get_or_insert_with(|| {
                numbered += 1;
                numbered
            });
            listed.push((number, note));
        }
    }
    listed.sort_by_key(|(number, _)| *number);
    out.push(Event::Html(
        format!(
            "<div{}{}><h2{}{}>Notes</h2>\n<ol>\n",
            gate.attr("class", "footnotes"),
            gate.attr("role", "doc-endnotes"),
            gate.attr("id", "fn-label"),
            gate.attr("class", "footnotes__heading"),
        )
        .into(),
    ));
    for (number, note) in listed {
        out.push(Event::Html(
            format!("<li{}>", gate.attr("id", &format!("fn-{number}"))).into(),
        ));
        let mut content = note.content.unwrap_or_default();
        let back: String = (1..=note.references)
            .map(|k| {
                let mark = if k == 1 {
                    "↩\u{FE0E}".to_string()
                } else {
                    format!("↩\u{FE0E}{k}")
                };
                let label = if note.references == 1 {
                    format!("Back to reference {number}")
                } else {
                    format!("Back to reference {number} ({k})")
                };
                format!(
                    " <a href=\"#{}\"{}{}{}>{mark}</a>",
                    reference_id(number, k),
                    gate.attr("class", "footnote-back"),
                    gate.attr("role", "doc-backlink"),
                    gate.attr("aria-label", &label),
                )
            })
            .collect();
        // The back-links end the note's last paragraph, as on good sites.
        if matches!(content.last(), Some(Event::End(TagEnd::Paragraph))) {
            content.insert(content.len() - 1, Event::InlineHtml(back.into()));
        } else {
            content.push(Event::Html(back.into()));
        }
        out.extend(content);
        out.push(Event::Html("</li>\n".into()));
    }
    out.push(Event::Html("</ol>\n</div>\n".into()));
    out
}

/// The id of the `k`th reference to note `number`.
fn reference_id(number: usize, k: usize) -> String {
    if k == 1 {
        format!("fnref-{number}")
    } else {
        format!("fnref-{number}-{k}")
    }
}

#[cfg(test)]
mod tests {
    use super::without_pull_quotes;

    #[test]
    fn feeds_copy_drops_every_pull_quote_and_keeps_everything_else() {
        let pull = "<aside class=\"pull-quote\" aria-hidden=\"true\">";
        let html = format!(
            "<p>One.</p>\n{pull}\n<p>Pulled.</p>\n</aside>\n<p>Two.</p>\n\
             {pull}<blockquote>{pull}<p>Nested.</p></aside></blockquote></aside>\n\
             <aside><p>An editor's aside stays.</p></aside>"
        );
        assert_eq!(
            without_pull_quotes(&html),
            "<p>One.</p>\n<p>Two.</p>\n<aside><p>An editor's aside stays.</p></aside>"
        );
        assert_eq!(without_pull_quotes("<p>Plain.</p>"), "<p>Plain.</p>");
    }
}
