//! A streaming reader of WordPress WXR exports (RSS 2.0 with the `wp:`,
//! `content:`, `excerpt:` and `dc:` extensions, versions 1.0 to 1.2): it
//! hands over one author, category, tag or item at a time, so an export of
//! any length is never held in memory whole.
//!
//! Elements are matched by the prefixes WordPress writes (`wp:post_id`,
//! `content:encoded`), as every WXR exporter does. Nothing in the file is
//! ever fetched or expanded: a document type declaration (where entities
//! would be declared: "billion laughs", external entities) is refused, and
//! only XML's five predefined entities and character references are read.

use std::io::BufRead;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The most text one element may hold (an embedded image as base64 is the
/// largest honest case).
pub const MAX_ELEMENT_BYTES: usize = 48 * 1024 * 1024;

/// How deeply elements may nest (a real export nests five levels).
const MAX_DEPTH: usize = 32;

/// A newsroom account as WordPress exports it.
#[derive(Debug, Default, Clone)]
pub struct WpAuthor {
    pub login: String,
    pub display_name: String,
}

/// A category: `parent` is the parent's nicename, empty at the top.
#[derive(Debug, Default, Clone)]
pub struct WpCategory {
    pub nicename: String,
    pub parent: String,
    pub name: String,
    pub description: String,
}

/// A tag.
#[derive(Debug, Default, Clone)]
pub struct WpTag {
    pub slug: String,
    pub name: String,
}

/// A category, tag or other term an item is filed under.
#[derive(Debug, Default, Clone)]
pub struct ItemTerm {
    /// `category`, `post_tag`, `post_format`, `nav_menu` …
    pub domain: String,
    pub nicename: String,
    pub name: String,
}

/// One `<item>`: a post, page, attachment or anything else WordPress stores as a post.
#[derive(Debug, Default, Clone)]
pub struct WpItem {
    pub title: String,
    pub link: String,
    pub creator: String,
    pub content: String,
    pub excerpt: String,
    pub post_id: String,
    pub post_date: String,
    pub post_date_gmt: String,
    pub post_modified_gmt: String,
    pub post_name: String,
    pub status: String,
    pub post_type: String,
    pub password: String,
    pub terms: Vec<ItemTerm>,
    /// `wp:postmeta` pairs (`_thumbnail_id`, `_wp_attachment_image_alt` …).
    pub meta: Vec<(String, String)>,
    pub attachment_url: String,
    /// The file's bytes as base64, for exporters that embed them
    /// (`<wp:attachment_data encoding="base64">`); WordPress itself does not.
    pub attachment_data: Option<String>,
    /// Reader comments, which are not imported.
    pub comments: usize,
}

impl WpItem {
    /// The value of a `wp:postmeta` key, if present.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// What the reader hands over.
#[derive(Debug)]
pub enum Record {
    Author(WpAuthor),
    Category(WpCategory),
    Tag(WpTag),
    Item(Box<WpItem>),
}

/// The part of the document being read.
enum Open {
    Author(WpAuthor),
    Category(WpCategory),
    Tag(WpTag),
    Item(Box<WpItem>),
}

/// Reads records from a WXR document.
pub struct WxrReader<R: BufRead> {
    reader: Reader<R>,
    buf: Vec<u8>,
    /// Names of the open elements, outermost first.
    stack: Vec<String>,
    /// Text of the innermost element so far.
    text: String,
    /// The record being filled.
    open: Option<Open>,
    /// The term an item's `<category>` is opening (its attributes).
    term: Option<ItemTerm>,
    /// The postmeta key waiting for its value.
    meta_key: String,
    /// `wp:wxr_version`, once read.
    version: Option<String>,
    finished: bool,
}

impl<R: BufRead> WxrReader<R> {
    /// A reader over `input`.
    pub fn new(input: R) -> Self {
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.check_end_names = true;
        WxrReader {
            reader,
            buf: Vec::new(),
            stack: Vec::new(),
            text: String::new(),
            open: None,
            term: None,
            meta_key: String::new(),
            version: None,
            finished: false,
        }
    }

    /// The WXR version the file declares, once read.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    fn fail(&self, message: impl std::fmt::Display) -> String {
        format!("{message} (near byte {})", self.reader.error_position())
    }

    /// The next record, `None` at the end of a complete document, or a
    /// message saying what is wrong with the file.
    pub fn next_record(&mut self) -> Result<Option<Record>, String> {
        if self.finished {
            return Ok(None);
        }
        loop {
            self.buf.clear();
            let event = match self.reader.read_event_into(&mut self.buf) {
                Ok(event) => event.into_owned(),
                Err(e) => return Err(self.fail(format!("the XML is malformed: {e}"))),
            };
            match event {
                Event::Start(start) => self.start(&start)?,
                Event::End(_) => {
                    if let Some(record) = self.end()? {
                        return Ok(Some(record));
                    }
                }
                Event::Text(t) => {
                    let content = t.xml10_content();
                    self.push_text(&content)?;
                }
                Event::CData(t) => {
                    let content = t.xml10_content();
                    self.push_text(&content)?;
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        Ok(None) => match &*r.into_inner() {
                            "amp" => '&',
                            "lt" => '<',
                            "gt" => '>',
                            "quot" => '"',
                            "apos" => '\'',
                            other => {
                                return Err(self.fail(format!(
                                    "the file uses the entity &{other};, which is not \
                                     XML's own (entities are never expanded)"
                                )))
                            }
                        },
                        Err(e) => return Err(self.fail(format!("a bad character reference: {e}"))),
                    };
                    let mut utf8 = [0; 4];
                    self.push_text(c.encode_utf8(&mut utf8))?;
                }
                Event::DocType(_) => {
                    return Err(self.fail(
                        "the file declares a document type (<!DOCTYPE …>): WordPress exports \
                         have none, and its entities are never expanded",
                    ))
                }
                Event::Eof => {
                    if let Some(open) = self.stack.last() {
                        return Err(
                            self.fail(format!("the file ends inside <{open}>: it is cut short"))
                        );
                    }
                    if self.version.is_none() {
                        return Err(not_wxr("it has no <wp:wxr_version>"));
                    }
                    self.finished = true;
                    return Ok(None);
                }
                Event::Empty(_) | Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
    }

    fn push_text(&mut self, content: &str) -> Result<(), String> {
        // Text between records (indentation) is never kept.
        if self.stack.len() < 3 {
            return Ok(());
        }
        if self.text.len() + content.len() > MAX_ELEMENT_BYTES {
            return Err(self.fail(format!(
                "<{}> holds more than {} MB of text",
                self.stack.last().map_or("", String::as_str),
                MAX_ELEMENT_BYTES >> 20
            )));
        }
        self.text.push_str(content);
        Ok(())
    }

    fn start(&mut self, start: &BytesStart) -> Result<(), String> {
        let name = start.name().as_ref().to_string();
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.fail(format!("elements nest more than {MAX_DEPTH} deep")));
        }
        match self.stack.len() {
            0 if name != "rss" => {
                return Err(not_wxr(&format!("its root element is <{name}>, not <rss>")))
            }
            1 if name != "channel" => {
                return Err(not_wxr(&format!(
                    "<rss> holds <{name}> where <channel> belongs"
                )))
            }
            2 => {
                let record = match name.as_str() {
                    "wp:author" => Some(Open::Author(WpAuthor::default())),
                    "wp:category" => Some(Open::Category(WpCategory::default())),
                    "wp:tag" => Some(Open::Tag(WpTag::default())),
                    "item" => Some(Open::Item(Box::default())),
                    _ => None,
                };
                if record.is_some() && self.version.is_none() {
                    return Err(not_wxr("no <wp:wxr_version> comes before its content"));
                }
                self.open = record;
            }
            3 if name == "category" => {
                let mut term = ItemTerm::default();
                for attr in start.attributes().flatten() {
                    let value = attr
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|e| self.fail(format!("a bad attribute: {e}")))?
                        .into_owned();
                    match attr.key.as_ref() {
                        "domain" => term.domain = value,
                        "nicename" => term.nicename = value,
                        _ => {}
                    }
                }
                self.term = Some(term);
            }
            _ => {}
        }
        self.stack.push(name);
        self.text.clear();
        Ok(())
    }

    fn end(&mut self) -> Result<Option<Record>, String> {
        let name = self.stack.pop().unwrap_or_default();
        let text = std::mem::take(&mut self.text);
        let depth = self.stack.len();
        if depth == 2 && name == "wp:wxr_version" {
            let version = text.trim().to_string();
            if !matches!(version.as_str(), "1.0" | "1.1" | "1.2") {
                return Err(format!(
                    "the file is WXR version {version:?}; this reads versions 1.0 to 1.2"
                ));
            }
            self.version = Some(version);
            return Ok(None);
        }
        if depth == 2 {
            return Ok(self.open.take().map(|open| match open {
                Open::Author(a) => Record::Author(a),
                Open::Category(c) => Record::Category(c),
                Open::Tag(t) => Record::Tag(t),
                Open::Item(i) => Record::Item(i),
            }));
        }
        // The element's parent: the record (depth 3) or a part of an item.
        let parent = self.stack.last().map_or("", String::as_str);
        match (&mut self.open, depth) {
            (Some(Open::Author(a)), 3) => match name.as_str() {
                "wp:author_login" => a.login = text,
                "wp:author_display_name" => a.display_name = text,
                _ => {}
            },
            (Some(Open::Category(c)), 3) => match name.as_str() {
                "wp:category_nicename" => c.nicename = text,
                "wp:category_parent" => c.parent = text,
                "wp:cat_name" => c.name = text,
                "wp:category_description" => c.description = text,
                _ => {}
            },
            (Some(Open::Tag(t)), 3) => match name.as_str() {
                "wp:tag_slug" => t.slug = text,
                "wp:tag_name" => t.name = text,
                _ => {}
            },
            (Some(Open::Item(item)), 3) => match name.as_str() {
                "title" => item.title = text,
                "link" => item.link = text,
                "dc:creator" => item.creator = text,
                "content:encoded" => item.content = text,
                "excerpt:encoded" => item.excerpt = text,
                "wp:post_id" => item.post_id = text,
                "wp:post_date" => item.post_date = text,
                "wp:post_date_gmt" => item.post_date_gmt = text,
                "wp:post_modified_gmt" => item.post_modified_gmt = text,
                "wp:post_name" => item.post_name = text,
                "wp:status" => item.status = text,
                "wp:post_type" => item.post_type = text,
                "wp:post_password" => item.password = text,
                "wp:attachment_url" => item.attachment_url = text,
                "wp:attachment_data" => item.attachment_data = Some(text),
                "wp:comment" => item.comments += 1,
                "category" => {
                    if let Some(mut term) = self.term.take() {
                        term.name = text;
                        item.terms.push(term);
                    }
                }
                _ => {}
            },
            (Some(Open::Item(item)), 4) if parent == "wp:postmeta" => match name.as_str() {
                "wp:meta_key" => self.meta_key = text,
                // Bounded: a post has a few dozen meta pairs.
                "wp:meta_value" if item.meta.len() < 1000 => {
                    item.meta.push((std::mem::take(&mut self.meta_key), text));
                }
                _ => {}
            },
            _ => {}
        }
        Ok(None)
    }
}

fn not_wxr(why: &str) -> String {
    format!("the file is not a WordPress export (WXR): {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(xml: &str) -> Result<Vec<Record>, String> {
        let mut reader = WxrReader::new(xml.as_bytes());
        let mut all = Vec::new();
        while let Some(record) = reader.next_record()? {
            all.push(record);
        }
        Ok(all)
    }

    const HEAD: &str = r#"<?xml version="1.0"?><rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version>"#;

    #[test]
    fn items_come_with_their_terms_and_meta() {
        let xml = format!(
            "{HEAD}<item><title>Fish &amp; chips &#8211; a guide</title><wp:post_id>7</wp:post_id>\
             <category domain=\"post_tag\" nicename=\"food\"><![CDATA[Food]]></category>\
             <wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key><wp:meta_value>9</wp:meta_value></wp:postmeta>\
             <wp:comment><wp:comment_id>1</wp:comment_id></wp:comment></item></channel></rss>"
        );
        let all = records(&xml).unwrap();
        let Record::Item(item) = &all[0] else {
            panic!("{all:?}")
        };
        assert_eq!(item.title, "Fish & chips \u{2013} a guide");
        assert_eq!(item.post_id, "7");
        assert_eq!(item.terms[0].domain, "post_tag");
        assert_eq!(item.terms[0].name, "Food");
        assert_eq!(item.meta("_thumbnail_id"), Some("9"));
        assert_eq!(item.comments, 1);
    }

    #[test]
    fn entities_and_doctypes_are_refused_not_expanded() {
        let laughs = r#"<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><rss><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>&b;</title></item></channel></rss>"#;
        let e = records(laughs).unwrap_err();
        assert!(e.contains("document type"), "{e}");
        let unknown = format!("{HEAD}<item><title>&nbsp;</title></item></channel></rss>");
        let e = records(&unknown).unwrap_err();
        assert!(e.contains("&nbsp;"), "{e}");
    }

    #[test]
    fn broken_and_foreign_files_say_what_is_wrong() {
        let cut = format!("{HEAD}<item><title>Half");
        assert!(records(&cut).unwrap_err().contains("cut short"));
        let mismatched = format!("{HEAD}<item><title>x</link></item></channel></rss>");
        assert!(records(&mismatched).unwrap_err().contains("malformed"));
        let feed = r#"<feed xmlns="http://www.w3.org/2005/Atom"></feed>"#;
        assert!(records(feed)
            .unwrap_err()
            .contains("not a WordPress export"));
        let rss = r#"<rss><channel><item><title>x</title></item></channel></rss>"#;
        assert!(records(rss).unwrap_err().contains("wxr_version"));
    }
}
