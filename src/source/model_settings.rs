//! Model settings as prompt files and eval configs write them: a promptfoo provider
//! (`openai:gpt-4o` with `config: {temperature, max_tokens, response_format}`), `.prompty`
//! front matter (`model: {configuration: {azure_deployment}, parameters: {…}}`), dotprompt
//! front matter (`model: googleai/gemini-1.5-flash`, `config: {maxOutputTokens}`,
//! `output: {format: json}`) and GitHub Models `.prompt.yml` (`modelParameters`,
//! `responseFormat`).

use crate::source::model::{ModelSettingsDef, SettingValue};
use crate::source::tree::{Node, NodeValue};
use crate::source_db::{FileId, Span};

const TEMPERATURE_KEYS: &[&str] = &["temperature"];
const MAX_TOKENS_KEYS: &[&str] = &[
    "max_tokens",
    "max_completion_tokens",
    "max_output_tokens",
    "maxOutputTokens",
    "maxTokens",
    "max_new_tokens",
    "num_predict",
    "maxTokensToSample",
    "max_tokens_to_sample",
];
const RESPONSE_FORMAT_KEYS: &[&str] = &["response_format", "responseFormat", "responseMimeType"];
/// Subtrees that hold data, not settings.
const NOT_SETTINGS: &[&str] = &[
    "inputs",
    "input",
    "sample",
    "messages",
    "testData",
    "tests",
    "vars",
    "schema",
    "evaluators",
];

/// Where a file's settings tree sits: spans of a front matter parsed on its own are relative
/// to it.
#[derive(Clone, Copy)]
pub struct Place {
    pub file: FileId,
    pub base: usize,
}

impl Place {
    fn span(self, node: &Node) -> Span {
        Span::new(
            self.file,
            self.base + node.start,
            self.base + node.end.max(node.start),
        )
    }
}

fn number(node: &Node) -> Option<f64> {
    match &node.value {
        NodeValue::Integer(value) => Some(*value as f64),
        NodeValue::Float(value) => Some(*value),
        NodeValue::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// The first value under one of `keys`, searching mappings depth-first (not into data
/// subtrees), at most `depth` levels down.
fn find<'a>(node: &'a Node, keys: &[&str], depth: usize) -> Option<&'a Node> {
    if depth == 0 {
        return None;
    }
    for (key, value) in node.entries() {
        if key.as_str().is_some_and(|key| keys.contains(&key)) {
            return Some(value);
        }
    }
    for (key, value) in node.entries() {
        if key.as_str().is_some_and(|key| NOT_SETTINGS.contains(&key)) || !value.is_mapping() {
            continue;
        }
        if let Some(found) = find(value, keys, depth - 1) {
            return Some(found);
        }
    }
    None
}

/// Whether a response format asks for JSON (`json_object`, `json_schema`,
/// `{type: json_object}`, `application/json`), or explicitly for text.
fn json_format(node: &Node) -> Option<bool> {
    let text = match &node.value {
        NodeValue::String(text) => text.clone(),
        NodeValue::Mapping(_) => node.get("type").and_then(Node::as_str)?.to_owned(),
        _ => return None,
    };
    let lower = text.to_ascii_lowercase();
    if lower.contains("json") {
        Some(true)
    } else if lower == "text" || lower == "text/plain" {
        Some(false)
    } else {
        None
    }
}

/// The model name from an ID such as `openai:chat:gpt-4o`, `googleai/gemini-1.5-flash` or
/// `azureopenai:chat:my-deployment`; `None` for code providers (`file://provider.py`).
fn model_name(id: &str) -> Option<String> {
    if id.starts_with("file://") || id.starts_with("exec:") || id.starts_with("python:") {
        return None;
    }
    let name = id.rsplit([':', '/']).next()?.trim();
    if name.is_empty() {
        return None;
    }
    Some(name.to_owned())
}

fn settings_from(
    place: Place,
    root: &Node,
    origin: String,
    model: Option<SettingValue<String>>,
    files: Vec<FileId>,
) -> Option<ModelSettingsDef> {
    let temperature = find(root, TEMPERATURE_KEYS, 4).and_then(|node| {
        Some(SettingValue {
            value: number(node)?,
            span: place.span(node),
        })
    });
    let max_output_tokens = find(root, MAX_TOKENS_KEYS, 4).and_then(|node| {
        Some(SettingValue {
            value: number(node)?,
            span: place.span(node),
        })
    });
    let mut json_output = find(root, RESPONSE_FORMAT_KEYS, 4).and_then(|node| {
        Some(SettingValue {
            value: json_format(node)?,
            span: place.span(node),
        })
    });
    // dotprompt: `output: {format: json}`.
    if json_output.is_none()
        && let Some(format) = root.get("output").and_then(|output| output.get("format"))
        && let Some(text) = format.as_str()
    {
        json_output = match text {
            "json" => Some(SettingValue {
                value: true,
                span: place.span(format),
            }),
            "text" => Some(SettingValue {
                value: false,
                span: place.span(format),
            }),
            _ => None,
        };
    }
    if model.is_none()
        && temperature.is_none()
        && max_output_tokens.is_none()
        && json_output.is_none()
    {
        return None;
    }
    Some(ModelSettingsDef {
        span: place.span(root),
        origin,
        model,
        temperature,
        max_output_tokens,
        json_output,
        files,
    })
}

/// A promptfoo `providers` entry: an ID string, or `{id, config}`.
pub fn from_provider(place: Place, entry: &Node, files: Vec<FileId>) -> Option<ModelSettingsDef> {
    // `- openai:gpt-4o: {config: {…}}`: the ID as the single key of a mapping.
    if entry.is_mapping()
        && entry.get("id").is_none()
        && let [(key, options)] = entry.entries().collect::<Vec<_>>().as_slice()
        && key.as_str().is_some_and(|key| key.contains(':'))
    {
        let model = key.as_str().and_then(model_name).map(|value| SettingValue {
            value,
            span: place.span(key),
        });
        let origin = format!("promptfoo provider `{}`", key.as_str().unwrap_or_default());
        return provider_settings(place, entry, options, origin, model, files);
    }
    let id_node = if entry.as_str().is_some() {
        Some(entry)
    } else {
        entry.get("id")
    };
    let id = id_node.and_then(Node::as_str).unwrap_or_default();
    let model = id_node
        .and_then(|node| {
            Some(SettingValue {
                value: model_name(node.as_str()?)?,
                span: place.span(node),
            })
        })
        .filter(|_| !id.is_empty());
    let origin = if id.is_empty() {
        "promptfoo provider".to_owned()
    } else {
        format!("promptfoo provider `{id}`")
    };
    provider_settings(place, entry, entry, origin, model, files)
}

/// A provider's settings: those of its `config` (found in `options`), or its model alone.
fn provider_settings(
    place: Place,
    entry: &Node,
    options: &Node,
    origin: String,
    model: Option<SettingValue<String>>,
    files: Vec<FileId>,
) -> Option<ModelSettingsDef> {
    if let Some(config) = options.get("config") {
        return settings_from(place, config, origin, model, files);
    }
    model.map(|model| ModelSettingsDef {
        span: place.span(entry),
        origin,
        model: Some(model),
        temperature: None,
        max_output_tokens: None,
        json_output: None,
        files,
    })
}

/// Front matter of a `.prompty` or dotprompt file, or a GitHub Models `.prompt.yml`.
pub fn from_prompt_file(place: Place, root: &Node, origin: &str) -> Option<ModelSettingsDef> {
    let model_node = root.get("model");
    let model = model_node.and_then(|node| {
        // dotprompt and `.prompt.yml` name the model as a string; prompty names the deployment
        // in `model.configuration`.
        let named = if node.as_str().is_some() {
            node
        } else {
            let configuration = node.get("configuration")?;
            ["azure_deployment", "model", "name", "deployment"]
                .iter()
                .find_map(|key| configuration.get(key))?
        };
        Some(SettingValue {
            value: model_name(named.as_str()?)?,
            span: place.span(named),
        })
    });
    settings_from(place, root, origin.to_owned(), model, vec![place.file])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::yaml;

    fn place() -> Place {
        Place {
            file: FileId::default(),
            base: 0,
        }
    }

    #[test]
    fn promptfoo_provider() {
        let root = yaml::parse(
            "id: openai:chat:gpt-4o-mini\nconfig:\n  temperature: 0.9\n  max_tokens: 100\n  response_format: {type: json_object}\n",
        )
        .unwrap();
        let found = from_provider(place(), &root, Vec::new()).unwrap();
        assert_eq!(found.model.unwrap().value, "gpt-4o-mini");
        assert_eq!(found.temperature.unwrap().value, 0.9);
        assert_eq!(found.max_output_tokens.unwrap().value, 100.0);
        assert!(found.json_output.unwrap().value);
    }

    #[test]
    fn provider_keyed_by_its_id() {
        let root = yaml::parse("openai:gpt-4o:\n  config:\n    temperature: 0.5\n").unwrap();
        let found = from_provider(place(), &root, Vec::new()).unwrap();
        assert_eq!(found.model.unwrap().value, "gpt-4o");
        assert_eq!(found.temperature.unwrap().value, 0.5);
    }

    #[test]
    fn prompty_and_dotprompt() {
        let prompty = yaml::parse(
            "name: x\nmodel:\n  api: chat\n  configuration:\n    type: azure_openai\n    azure_deployment: gpt-35-turbo\n  parameters:\n    max_tokens: 3000\n    temperature: 0.2\n",
        )
        .unwrap();
        let found = from_prompt_file(place(), &prompty, "front matter").unwrap();
        assert_eq!(found.model.unwrap().value, "gpt-35-turbo");
        assert_eq!(found.max_output_tokens.unwrap().value, 3000.0);
        let dotprompt = yaml::parse(
            "model: googleai/gemini-1.5-flash\nconfig:\n  maxOutputTokens: 400\noutput:\n  format: text\n",
        )
        .unwrap();
        let found = from_prompt_file(place(), &dotprompt, "front matter").unwrap();
        assert_eq!(found.model.unwrap().value, "gemini-1.5-flash");
        assert!(!found.json_output.unwrap().value);
    }
}
