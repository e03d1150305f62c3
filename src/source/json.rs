//! JSON into a [`Node`] tree with byte spans. serde_json has no spans, so each container is
//! read as borrowed `RawValue`s, whose position in the input gives the span of every child.

use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::source::tree::{Node, NodeValue};

/// A JSON syntax error with its 1-based line and column.
#[derive(Clone, Debug)]
pub struct JsonError {
    pub message: String,
    pub line: usize,
    pub column: usize,
    /// The byte offset in the file, when known exactly (it wins over line and column).
    pub offset: Option<usize>,
}

impl JsonError {
    /// The error's byte offset in `file_text`, where the parsed text started at `base`.
    pub fn offset_in(&self, file_text: &str, base: usize) -> usize {
        if let Some(offset) = self.offset {
            return offset;
        }
        let text = file_text.get(base..).unwrap_or("");
        base + crate::source::spec_yaml::offset_of_line_column(text, self.line, self.column)
    }
}

impl From<serde_json::Error> for JsonError {
    fn from(error: serde_json::Error) -> JsonError {
        let message = error.to_string();
        // serde_json appends " at line L column C"; the position is reported separately.
        let message = match message.rfind(" at line ") {
            Some(cut) => message.get(..cut).unwrap_or(&message).to_owned(),
            None => message,
        };
        JsonError {
            message,
            line: error.line().max(1),
            column: error.column().max(1),
            offset: None,
        }
    }
}

/// Nesting deeper than this is refused, as serde_json refuses it for typed values: the tree is
/// built recursively, and no eval file needs more.
pub const MAX_DEPTH: usize = 128;

/// Parses one JSON value; `base` is the offset of `text` in its file. Well-formed JSON is read
/// in one pass (`source/json_scan.rs`); the rest as [`parse_in_two_passes`] reads it.
pub fn parse(text: &str, base: usize) -> Result<Node, JsonError> {
    if let Some(node) = crate::source::json_scan::tree(text, base) {
        return Ok(node);
    }
    parse_in_two_passes(text, base)
}

/// serde_json's reading of `text` as borrowed `RawValue`s, each container parsed again for its
/// children's spans: what [`parse`] gives for text that the one-pass reader leaves to it, with
/// serde_json's own errors. Public so that tests can hold the two readings side by side.
pub fn parse_in_two_passes(text: &str, base: usize) -> Result<Node, JsonError> {
    let raw: &RawValue = serde_json::from_str(text)?;
    convert(raw, text, base, 0)
}

fn too_deep(offset: usize) -> JsonError {
    JsonError {
        message: format!("recursion limit exceeded: more than {MAX_DEPTH} levels of nesting"),
        line: 1,
        column: 1,
        offset: Some(offset),
    }
}

fn offset_in(outer: &str, inner: &str) -> usize {
    (inner.as_ptr() as usize).saturating_sub(outer.as_ptr() as usize)
}

fn convert(raw: &RawValue, whole: &str, base: usize, depth: usize) -> Result<Node, JsonError> {
    let text = raw.get();
    let start = base + offset_in(whole, text);
    let end = start + text.len();
    if depth > MAX_DEPTH {
        return Err(too_deep(start));
    }
    let value = match text.as_bytes().first() {
        Some(b'{') => {
            let entries: OrderedRawMap<'_> = serde_json::from_str(text)?;
            let mut converted = Vec::with_capacity(entries.0.len());
            for (key, value) in entries.0 {
                let value = convert(value, text, start, depth + 1)?;
                let key_node = Node {
                    value: NodeValue::String(key),
                    start: value.start,
                    end: value.start,
                };
                converted.push((key_node, value));
            }
            NodeValue::Mapping(converted)
        }
        Some(b'[') => {
            let items: Vec<&RawValue> = serde_json::from_str(text)?;
            let mut converted = Vec::with_capacity(items.len());
            for item in items {
                converted.push(convert(item, text, start, depth + 1)?);
            }
            NodeValue::Sequence(converted)
        }
        _ => match serde_json::from_str::<serde_json::Value>(text)? {
            serde_json::Value::Null => NodeValue::Null,
            serde_json::Value::Bool(flag) => NodeValue::Bool(flag),
            serde_json::Value::Number(number) => match number.as_i64() {
                Some(integer) => NodeValue::Integer(integer),
                None => NodeValue::Float(number.as_f64().unwrap_or(f64::NAN)),
            },
            serde_json::Value::String(string) => NodeValue::String(string),
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => NodeValue::Null,
        },
    };
    Ok(Node { value, start, end })
}

/// An object's entries in written order, values borrowed. Key positions are not known to
/// serde_json, so a key's span is the start of its value, which is on the same line in practice.
struct OrderedRawMap<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for OrderedRawMap<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(OrderedRawMapVisitor(std::marker::PhantomData))
    }
}

struct OrderedRawMapVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for OrderedRawMapVisitor<'a> {
    type Value = OrderedRawMap<'a>;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
            entries.push((key, value));
        }
        Ok(OrderedRawMap(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn children_have_exact_spans() {
        let text = r#"[{"input": "hi", "metadata": {"requirements": ["FR-001"]}}]"#;
        let root = parse(text, 0).unwrap_or_else(|error| panic!("{error:?}"));
        let requirement = root
            .items()
            .first()
            .and_then(|case| case.get("metadata"))
            .and_then(|metadata| metadata.get("requirements"))
            .and_then(|list| list.items().first().cloned())
            .unwrap_or_else(|| panic!("missing node in {root:?}"));
        assert_eq!(
            text.get(requirement.start..requirement.end),
            Some("\"FR-001\"")
        );
    }

    #[test]
    fn errors_have_positions() {
        let error = parse("{\n  \"a\": [1,\n}", 0).err();
        let error = error.unwrap_or_else(|| panic!("expected an error"));
        assert_eq!(error.line, 3);
    }
}
