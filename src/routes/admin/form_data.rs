//! Reading a `multipart/form-data` article form: text fields (bounded) and
//! the files of the named file fields (one each). An oversized file is drained and reported, so the rest of
//! the form still comes back to the editor intact.

use std::collections::HashMap;

use actix_multipart::Multipart;
use futures_util::TryStreamExt;

use crate::error::AppError;
use crate::images::MAX_UPLOAD_BYTES;

/// The most a whole form may hold; beyond it the request is refused.
const MAX_FORM_BYTES: usize = 40 * 1024 * 1024;
/// The most one text field may hold.
const MAX_FIELD_BYTES: usize = 512 * 1024;

/// An uploaded file.
#[derive(Debug)]
pub enum Upload {
    /// No file was chosen.
    None,
    /// The file's bytes.
    File(Vec<u8>),
    /// The file was larger than the limit (its size in bytes).
    TooLarge(usize),
}

/// Text fields by name, and the file of each of `file_fields` by name (a
/// field not sent is missing; take it with [`take`]).
pub async fn read(
    mut payload: Multipart,
    file_fields: &[&str],
) -> Result<(HashMap<String, String>, HashMap<String, Upload>), AppError> {
    let mut fields = HashMap::new();
    let mut uploads = HashMap::new();
    let mut total = 0usize;
    let bad = |e: actix_multipart::MultipartError| {
        AppError::BadRequest(format!("The form could not be read: {e}"))
    };
    while let Some(mut field) = payload.try_next().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        let is_file = file_fields.contains(&name.as_str());
        let mut data = Vec::new();
        let mut size = 0usize;
        while let Some(chunk) = field.try_next().await.map_err(bad)? {
            size += chunk.len();
            total += chunk.len();
            if total > MAX_FORM_BYTES {
                return Err(AppError::TooLarge("The form is larger than 40 MB.".into()));
            }
            let limit = if is_file {
                MAX_UPLOAD_BYTES
            } else {
                MAX_FIELD_BYTES
            };
            if size <= limit {
                data.extend_from_slice(&chunk);
            }
        }
        if is_file {
            let upload = match size {
                0 => Upload::None,
                s if s > MAX_UPLOAD_BYTES => Upload::TooLarge(s),
                _ => Upload::File(data),
            };
            uploads.insert(name, upload);
        } else if size > MAX_FIELD_BYTES {
            return Err(AppError::TooLarge(format!(
                "The {name} field is larger than 512 KB."
            )));
        } else {
            fields.insert(name, String::from_utf8_lossy(&data).into_owned());
        }
    }
    Ok((fields, uploads))
}

/// The upload of `name` (none when the field was not sent).
pub fn take(uploads: &mut HashMap<String, Upload>, name: &str) -> Upload {
    uploads.remove(name).unwrap_or(Upload::None)
}

impl Upload {
    /// Decodes and resizes the file off the async workers. `Ok(None)` when no
    /// file was chosen; `Err` is a message for the editor.
    pub async fn process(
        self,
    ) -> Result<Result<Option<Vec<crate::images::Encoded>>, String>, AppError> {
        Ok(match self {
            Upload::None => Ok(None),
            Upload::TooLarge(size) => Err(format!(
                "The file is {:.1} MB; the limit is 10 MB. Choose a smaller image.",
                size as f64 / 1_048_576.0
            )),
            Upload::File(bytes) => crate::images::process_upload_bounded(bytes)
                .await?
                .map(Some),
        })
    }
}
