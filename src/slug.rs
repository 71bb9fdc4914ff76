//! Slugs made from headlines and names: lowercase ASCII letters, digits and
//! single hyphens, with other scripts transliterated so no headline loses its
//! words ("Zürich" is `zurich`, not `z-rich`).

/// Lowercase letters, digits and single hyphens, transliterated to ASCII
/// (by `deunicode`) first.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn letters_from_every_script_become_ascii_words() {
        assert_eq!(
            slugify("Zürich Opens Night Ferry"),
            "zurich-opens-night-ferry"
        );
        assert_eq!(slugify("Ελληνικά νέα"), "ellenika-nea");
        assert!(!slugify("港口夜渡开通").is_empty());
        assert_eq!(slugify("  Crème brûlée -- 2027! "), "creme-brulee-2027");
    }
}
