//! The related rebuild's spill files: what it writes once and reads back
//! in order instead of holding in memory (see `rebuild`).

use std::io::{BufReader, BufWriter, Read, Seek, Write};

use chrono::NaiveDateTime;
use diesel::QueryResult;

use crate::models::related_index::PoolArticle;

/// A temporary file the rebuild streams through, deleted when dropped.
/// Little-endian; a term list is its length, then (term, f32) pairs.
pub struct Spill {
    file: std::fs::File,
}

/// An article's head in the raw spill file (its term frequencies follow).
pub struct Head {
    pub id: i32,
    pub section_id: Option<i32>,
    pub published_at: NaiveDateTime,
}

/// The rebuild speaks diesel's error type; a failing spill file is carried in it.
pub fn spill_error(err: std::io::Error) -> diesel::result::Error {
    diesel::result::Error::QueryBuilderError(format!("related rebuild spill file: {err}").into())
}

impl Spill {
    pub fn new() -> QueryResult<Self> {
        let file = tempfile::tempfile().map_err(spill_error)?;
        Ok(Spill { file })
    }

    pub fn writer(&mut self) -> BufWriter<&mut std::fs::File> {
        BufWriter::new(&mut self.file)
    }

    /// From the start.
    pub fn reader(&mut self) -> QueryResult<BufReader<&mut std::fs::File>> {
        self.file.rewind().map_err(spill_error)?;
        Ok(BufReader::new(&mut self.file))
    }
}

pub fn write_head(out: &mut impl Write, article: &PoolArticle) -> std::io::Result<()> {
    let micros = article.published_at.and_utc().timestamp_micros();
    out.write_all(&article.id.to_le_bytes())?;
    out.write_all(&article.section_id.unwrap_or(0).to_le_bytes())?;
    out.write_all(&micros.to_le_bytes())
}

pub fn read_head(input: &mut impl Read) -> std::io::Result<Head> {
    let mut eight = [0u8; 8];
    input.read_exact(&mut eight)?;
    let [id, section] = [&eight[..4], &eight[4..]]
        .map(|half| i32::from_le_bytes(half.try_into().expect("four bytes")));
    input.read_exact(&mut eight)?;
    let published_at = chrono::DateTime::from_timestamp_micros(i64::from_le_bytes(eight))
        .unwrap_or_default()
        .naive_utc();
    Ok(Head {
        id,
        section_id: (section != 0).then_some(section),
        published_at,
    })
}

pub fn write_terms(out: &mut impl Write, terms: &[(u32, f32)]) -> std::io::Result<()> {
    out.write_all(&(terms.len() as u32).to_le_bytes())?;
    for &(t, f) in terms {
        out.write_all(&t.to_le_bytes())?;
        out.write_all(&f.to_le_bytes())?;
    }
    Ok(())
}

/// Reads one term list into `terms` (emptied first).
pub fn read_terms(input: &mut impl Read, terms: &mut Vec<(u32, f32)>) -> std::io::Result<()> {
    let mut four = [0u8; 4];
    let mut eight = [0u8; 8];
    input.read_exact(&mut four)?;
    terms.clear();
    for _ in 0..u32::from_le_bytes(four) {
        input.read_exact(&mut eight)?;
        let [t, f] = [&eight[..4], &eight[4..]].map(|half| half.try_into().expect("four bytes"));
        terms.push((u32::from_le_bytes(t), f32::from_le_bytes(f)));
    }
    Ok(())
}
