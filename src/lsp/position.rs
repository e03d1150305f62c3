//! Conversions between LSP positions (0-based lines, UTF-16 columns), byte offsets and URIs.

use std::path::{Path, PathBuf};

pub use lsp_types::Position;
use lsp_types::Uri;

/// The byte offset of an LSP position in `text`, clamped to the text.
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text.get(line_start..).and_then(|rest| rest.find('\n')) {
            Some(at) => line_start += at + 1,
            None => return text.len(),
        }
    }
    let line = text.get(line_start..).unwrap_or("");
    let line = line.split('\n').next().unwrap_or("");
    let mut units = 0u32;
    for (index, character) in line.char_indices() {
        if units >= position.character {
            return line_start + index;
        }
        units += u32::try_from(character.len_utf16()).unwrap_or(1);
    }
    line_start + line.len()
}

/// The path of a `file://` URI, percent-decoded.
pub fn uri_path(uri: &Uri) -> Option<PathBuf> {
    let text = uri.as_str();
    let rest = text.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let mut bytes = Vec::with_capacity(rest.len());
    let raw = rest.as_bytes();
    let mut index = 0;
    while let Some(&byte) = raw.get(index) {
        if byte == b'%'
            && let Some(hex) = rest.get(index + 1..index + 3)
            && let Ok(decoded) = u8::from_str_radix(hex, 16)
        {
            bytes.push(decoded);
            index += 3;
            continue;
        }
        bytes.push(byte);
        index += 1;
    }
    let path = String::from_utf8(bytes).ok()?;
    Some(crate::source::resolve::normalize(Path::new(&path)))
}

/// The LSP position (line, UTF-16 column) of byte `offset` in `text`.
pub fn position_of(text: &str, offset: usize) -> Position {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let column: usize = before
        .get(line_start..)
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns() {
        let text = "ab\né€x\n";
        assert_eq!(offset(text, Position::new(1, 2)), "ab\né€".len());
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn file_uris() {
        let uri: Uri = "file:///tmp/a%20b/c.md".parse().unwrap();
        assert_eq!(uri_path(&uri), Some(PathBuf::from("/tmp/a b/c.md")));
    }
}
