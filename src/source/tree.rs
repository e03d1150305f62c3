//! A data tree with a byte span on every node. YAML and JSON loaders both produce it, so the
//! eval and spec loaders walk one shape whatever the file format; they walk it instead of typed
//! structs because promptfoo configs and similar files are too loose for a fixed schema.

use std::borrow::Cow;

/// One node with the byte range it was written at.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: NodeValue,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeValue {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    Sequence(Vec<Node>),
    Mapping(Vec<(Node, Node)>),
}

impl Node {
    /// The value of `key` when this node is a mapping with a string key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .find(|(entry_key, _)| entry_key.as_str() == Some(key))
            .map(|(_, value)| value)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&Node, &Node)> {
        let entries: &[(Node, Node)] = match &self.value {
            NodeValue::Mapping(entries) => entries,
            _ => &[],
        };
        entries.iter().map(|(key, value)| (key, value))
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            NodeValue::Sequence(items) => items,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            NodeValue::String(text) => Some(text),
            _ => None,
        }
    }

    pub fn is_mapping(&self) -> bool {
        matches!(self.value, NodeValue::Mapping(_))
    }

    pub fn is_sequence(&self) -> bool {
        matches!(self.value, NodeValue::Sequence(_))
    }

    /// Scalars as text (numbers and booleans too), for fields like `requirements: 12`.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            NodeValue::String(text) => Some(text.clone()),
            NodeValue::Integer(number) => Some(number.to_string()),
            NodeValue::Float(number) => Some(number.to_string()),
            NodeValue::Bool(flag) => Some(flag.to_string()),
            NodeValue::Null | NodeValue::Sequence(_) | NodeValue::Mapping(_) => None,
        }
    }

    /// The scalars under this node as "key: value" lines, leaving out the keys in `skip` at
    /// the top level: what an eval case gives the model (its `vars`, a dataset row's input).
    /// Nesting and length are bounded so that a huge row costs little.
    pub fn input_text(&self, skip: &[&str]) -> String {
        // The lines are gathered in a buffer each thread keeps, then copied out at their exact
        // length: a dataset has one such text per row, and growing each one by doubling (and
        // then shrinking it to fit) cost more than reading the row.
        thread_local! {
            static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
        }
        // Keys are not bounded by the length limit: a buffer a huge key grew is not kept.
        const KEPT_BUFFER_BYTES: usize = 64 * 1024;
        BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            self.append_inputs(skip, "", 0, buffer);
            let text = buffer.as_str().to_owned();
            if buffer.capacity() > KEPT_BUFFER_BYTES {
                *buffer = String::new();
            }
            text
        })
    }

    /// [`Node::scalar_text`], borrowed when the scalar is a string.
    fn scalar_str(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            NodeValue::String(text) => Some(Cow::Borrowed(text)),
            _ => self.scalar_text().map(Cow::Owned),
        }
    }

    fn append_inputs(&self, skip: &[&str], key: &str, depth: usize, text: &mut String) {
        const MAX_DEPTH: usize = 8;
        const MAX_LENGTH: usize = 8 * 1024;
        if depth > MAX_DEPTH || text.len() >= MAX_LENGTH {
            return;
        }
        match &self.value {
            NodeValue::Mapping(entries) => {
                for (entry_key, value) in entries {
                    let name = entry_key.scalar_str().unwrap_or_default();
                    if depth == 0 && skip.contains(&name.as_ref()) {
                        continue;
                    }
                    value.append_inputs(skip, &name, depth + 1, text);
                }
            }
            NodeValue::Sequence(items) => {
                for item in items {
                    item.append_inputs(skip, key, depth + 1, text);
                }
            }
            NodeValue::Null => {}
            _ => {
                let Some(value) = self.scalar_str() else {
                    return;
                };
                if !key.is_empty() {
                    text.push_str(key);
                    text.push_str(": ");
                }
                let room = MAX_LENGTH.saturating_sub(text.len());
                let mut end = value.len().min(room);
                while end > 0 && !value.is_char_boundary(end) {
                    end -= 1;
                }
                text.push_str(value.get(..end).unwrap_or_default());
                text.push('\n');
            }
        }
    }

    /// Converts to JSON for schema validation.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            NodeValue::Null => serde_json::Value::Null,
            NodeValue::Bool(flag) => serde_json::Value::Bool(*flag),
            NodeValue::Integer(number) => serde_json::Value::from(*number),
            NodeValue::Float(number) => serde_json::Number::from_f64(*number)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            NodeValue::String(text) => serde_json::Value::String(text.clone()),
            NodeValue::Sequence(items) => {
                serde_json::Value::Array(items.iter().map(Node::to_json).collect())
            }
            NodeValue::Mapping(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| {
                        let key = key.scalar_text().unwrap_or_default();
                        (key, value.to_json())
                    })
                    .collect(),
            ),
        }
    }

    /// Follows a JSON pointer (`/requirements/0/id`) to the node it names.
    pub fn at_pointer(&self, pointer: &str) -> Option<&Node> {
        let mut node = self;
        for raw_segment in pointer.split('/').skip(1) {
            let segment = raw_segment.replace("~1", "/").replace("~0", "~");
            node = match &node.value {
                NodeValue::Sequence(items) => items.get(segment.parse::<usize>().ok()?)?,
                NodeValue::Mapping(_) => node
                    .entries()
                    .find(|(key, _)| key.scalar_text().as_deref() == Some(segment.as_str()))
                    .map(|(_, value)| value)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// The next number below `bound` from a xorshift generator at `state`: the generated-document
/// tests of the YAML and JSON readers use it, so that their documents are the same on every
/// machine.
#[cfg(test)]
pub(crate) fn generated_below(state: &mut u64, bound: usize) -> usize {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    usize::try_from(*state % u64::try_from(bound.max(1)).unwrap_or(1)).unwrap_or(0)
}
