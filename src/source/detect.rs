//! Recognising a file's format from its name and content, not only from its folder: a promptfoo
//! config is a YAML file with `prompts`/`providers`/`tests` keys wherever it lives.
//!
//! Order: a file matched by an `include` written in speclint.toml takes that role; then the
//! default folders (`specs/`, `prompts/`, `evals/`) and names (`promptfooconfig*.yaml`); then,
//! for roles whose `include` was not written, the content decides.

use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::requirement_id::IdPattern;
use crate::settings::{FileSet, Settings};
use crate::source::{CodeLanguage, Format, Role, layout};

/// Precompiled content probes; built once per run.
pub struct Detector {
    spec_line: Regex,
    reference_comment: Regex,
    code_prompt: Regex,
    promptfoo_keys: Regex,
    requirements_key: Regex,
    registry_entry: Regex,
    chat_keys: Regex,
    dataset_keys: Regex,
}

impl Detector {
    /// The detector for `pattern`, compiled once per process for the last pattern asked for:
    /// the language server loads a file after every edit, and compiling these probes cost a
    /// millisecond or two each time.
    pub fn shared(pattern: &IdPattern) -> std::sync::Arc<Detector> {
        static LAST: std::sync::Mutex<Option<(String, std::sync::Arc<Detector>)>> =
            std::sync::Mutex::new(None);
        let source = pattern.source();
        let mut last = LAST
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((kept_source, detector)) = last.as_ref()
            && *kept_source == source
        {
            return std::sync::Arc::clone(detector);
        }
        let detector = std::sync::Arc::new(Detector::new(pattern));
        *last = Some((source.to_owned(), std::sync::Arc::clone(&detector)));
        detector
    }

    pub fn new(pattern: &IdPattern) -> Detector {
        let id = pattern.source();
        let compile = |source: String| Regex::new(&source).unwrap_or_else(|_| never_matches());
        Detector {
            spec_line: compile(format!(
                r"(?m)^[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)?(?:~~)?(?:\*\*|__)(?:{id})\b|^#{{1,6}}[ \t]+(?:\*\*)?(?:{id})\b|^[ \t]*\|[ \t]*(?:\*\*)?(?:{id})\b"
            )),
            reference_comment: compile(format!(
                r"(?:<!--|\{{#|\{{\{{!(?:--)?)[ \t]*(?:[A-Za-z]+:?[ \t]+){{0,3}}(?:{id})\b"
            )),
            code_prompt: compile(format!(
                r#"(?m)^[ \t]*(?:export[ \t]+)?(?:(?:const|let|var)[ \t]+)?[A-Za-z_]*(?:PROMPT|INSTRUCTION|SYSTEM|MESSAGE|TEMPLATE|PERSONA|PREAMBLE)[A-Za-z0-9_]*[ \t]*(?::[^=\n]*)?=|(?i:["']?[A-Za-z_]*(?:prompt|instruction|persona|preamble)[A-Za-z0-9_]*["']?[ \t]*[:=])|(?i:(?:`|"""|'''|"|')[ \t]*(?:you[ \t]+are|you're|your[ \t]+(?:task|job|role|goal)|act[ \t]+as|you[ \t]+will|you[ \t]+must))|speclint:[ \t]*prompt|(?:#|//|/\*)[ \t]*(?:[A-Za-z]+:?[ \t]+){{0,3}}(?:{id})\b"#
            )),
            promptfoo_keys: compile(
                r"(?m)^(?:prompts|providers|tests|defaultTest|scenarios|targets)[ \t]*:".to_owned(),
            ),
            requirements_key: compile(r"(?m)^requirements[ \t]*:".to_owned()),
            registry_entry: compile(r"(?m)^[ \t]+(?:class|samples_jsonl)[ \t]*:".to_owned()),
            chat_keys: compile(r"(?m)^(?:messages|testData)[ \t]*:".to_owned()),
            dataset_keys: compile(
                r#""(?:input|inputs|question|target|ideal|expected_output|expected|requirements|metadata|vars|choices|answer)"\s*:"#
                    .to_owned(),
            ),
        }
    }

    /// The role and format of a file, or why speclint has no use for it (shown by `--list`).
    pub fn detect(
        &self,
        settings: &Settings,
        glob_path: &str,
        path: &Path,
        text: &str,
    ) -> Result<(Role, Format), String> {
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let extension = extension_of(&name);
        let detected = self.detect_by_rules(settings, glob_path, &name, &extension, text);
        // Layout rules apply to Markdown that is read as a spec, or not read at all: a plan or
        // a task list says why it defines nothing.
        let markdown = matches!(extension.as_str(), "md" | "markdown" | "mdx");
        let as_spec_or_nothing = match detected {
            None => markdown,
            Some((role, format)) => role == Role::Spec && format == Format::MarkdownSpec,
        };
        if as_spec_or_nothing
            && !settings.spec_files.explicit
            && let Some(reason) = layout::not_a_requirements_document(glob_path)
        {
            return Err(reason.to_owned());
        }
        detected.ok_or_else(|| skip_reason(&extension).to_owned())
    }

    fn detect_by_rules(
        &self,
        settings: &Settings,
        glob_path: &str,
        name: &str,
        extension: &str,
        text: &str,
    ) -> Option<(Role, Format)> {
        let name = name.to_owned();
        let extension = extension.to_owned();
        let sets = [
            (Role::Spec, &settings.spec_files),
            (Role::Prompt, &settings.prompt_files),
            (Role::Eval, &settings.eval_files),
        ];
        // Globs written in speclint.toml decide first, then the default folders.
        for explicit in [true, false] {
            for (role, set) in sets {
                if set.explicit == explicit
                    && set.matches(glob_path)
                    && let Some(format) = self.format_for_role(role, &name, &extension, text)
                {
                    return Some((role, format));
                }
            }
        }
        let allowed = |set: &FileSet| !set.explicit && !set.excludes(glob_path);
        let spec_allowed = allowed(&settings.spec_files);
        let prompt_allowed = allowed(&settings.prompt_files);
        let eval_allowed = allowed(&settings.eval_files);

        match extension.as_str() {
            "md" | "markdown" | "mdx" => {
                if spec_allowed
                    && (self.looks_like_spec(text) || is_feature_requirements_document(glob_path))
                {
                    return Some((Role::Spec, Format::MarkdownSpec));
                }
                if prompt_allowed
                    && (prompt_like_path(glob_path, &name) || self.reference_comment.is_match(text))
                {
                    return Some((Role::Prompt, Format::TextPrompt));
                }
                None
            }
            "yaml" | "yml" => {
                if name.ends_with(".prompt.yml") || name.ends_with(".prompt.yaml") {
                    return prompt_allowed.then_some((Role::Prompt, Format::GithubModels));
                }
                if eval_allowed
                    && (name.starts_with("promptfooconfig") || looks_like_promptfoo(text))
                {
                    return Some((Role::Eval, Format::PromptfooConfig));
                }
                if spec_allowed && self.requirements_key.is_match(text) {
                    return Some((Role::Spec, Format::YamlSpec));
                }
                if eval_allowed && self.registry_entry.is_match(text) && text.contains("args") {
                    return Some((Role::Eval, Format::OpenAiRegistry));
                }
                if prompt_allowed && self.chat_keys.is_match(text) && text.contains("role") {
                    return Some((Role::Prompt, Format::GithubModels));
                }
                None
            }
            "json" => {
                if eval_allowed && name.starts_with("promptfooconfig") {
                    return Some((Role::Eval, Format::PromptfooConfig));
                }
                let start = text.trim_start();
                // An array of samples whose `input` is a message list (Inspect) is a dataset,
                // not a chat: a chat's messages have `role` and `content` at the top.
                if eval_allowed
                    && start.starts_with('[')
                    && first_key(start).is_some_and(|key| !CHAT_KEYS.contains(&key))
                    && self.dataset_keys.is_match(head(text))
                {
                    return Some((Role::Eval, Format::JsonDataset));
                }
                if prompt_allowed && start.starts_with('[') && looks_like_chat(start) {
                    return Some((Role::Prompt, Format::ChatPrompt));
                }
                if eval_allowed && start.starts_with('[') && self.dataset_keys.is_match(head(text))
                {
                    return Some((Role::Eval, Format::JsonDataset));
                }
                None
            }
            "jsonl" | "ndjson" => {
                let first_line = text
                    .lines()
                    .find(|line| !line.trim().is_empty())
                    .unwrap_or("");
                let dataset = crate::source::eval_refs::is_lfs_pointer(text)
                    || self.dataset_keys.is_match(first_line);
                (eval_allowed && dataset).then_some((Role::Eval, Format::JsonlDataset))
            }
            "csv" => {
                let header = text.lines().next().unwrap_or("").to_ascii_lowercase();
                let dataset = header
                    .split(',')
                    .map(|column| column.trim().trim_matches('"'))
                    .any(|column| {
                        matches!(
                            column,
                            "input"
                                | "target"
                                | "expected"
                                | "expected_output"
                                | "requirements"
                                | "ideal"
                        ) || column.starts_with("__expected")
                            || column.starts_with("__metadata")
                    });
                (eval_allowed && dataset).then_some((Role::Eval, Format::CsvDataset))
            }
            "prompty" => prompt_allowed.then_some((Role::Prompt, Format::Prompty)),
            "prompt" => prompt_allowed.then_some((Role::Prompt, Format::Dotprompt)),
            "txt" | "j2" | "jinja" | "jinja2" | "njk" | "hbs" | "handlebars" | "mustache"
            | "tmpl" => {
                let prompt =
                    prompt_like_path(glob_path, &name) || self.reference_comment.is_match(text);
                (prompt_allowed && prompt).then_some((Role::Prompt, Format::TextPrompt))
            }
            _ => {
                let language = code_language(&extension)?;
                (prompt_allowed && self.code_prompt.is_match(text))
                    .then_some((Role::Prompt, Format::CodePrompt(language)))
            }
        }
    }

    fn looks_like_spec(&self, text: &str) -> bool {
        self.spec_line.is_match(text) || crate::source::spec_kiro::is_kiro_spec(text)
    }

    /// The format of a file that a configured or default glob gives `role`.
    fn format_for_role(
        &self,
        role: Role,
        name: &str,
        extension: &str,
        text: &str,
    ) -> Option<Format> {
        match role {
            Role::Spec => match extension {
                "md" | "markdown" | "mdx" => Some(Format::MarkdownSpec),
                "yaml" | "yml" => Some(Format::YamlSpec),
                _ => None,
            },
            Role::Prompt => match extension {
                "md" | "markdown" | "mdx" | "txt" | "j2" | "jinja" | "jinja2" | "njk" | "hbs"
                | "handlebars" | "mustache" | "tmpl" => Some(Format::TextPrompt),
                "prompty" => Some(Format::Prompty),
                "prompt" => Some(Format::Dotprompt),
                "json" => Some(Format::ChatPrompt),
                "yaml" | "yml"
                    if name.ends_with(".prompt.yml") || name.ends_with(".prompt.yaml") =>
                {
                    Some(Format::GithubModels)
                }
                "yaml" | "yml" => Some(Format::ChatPrompt),
                _ => code_language(extension).map(Format::CodePrompt),
            },
            Role::Eval => match extension {
                "yaml" | "yml"
                    if name.ends_with(".prompt.yml") || name.ends_with(".prompt.yaml") =>
                {
                    Some(Format::GithubModels)
                }
                "yaml" | "yml"
                    if self.registry_entry.is_match(text)
                        && !self.promptfoo_keys.is_match(text) =>
                {
                    Some(Format::OpenAiRegistry)
                }
                "yaml" | "yml" => Some(Format::PromptfooConfig),
                "json" if name.starts_with("promptfooconfig") => Some(Format::PromptfooConfig),
                "json" => Some(Format::JsonDataset),
                "jsonl" | "ndjson" => Some(Format::JsonlDataset),
                "csv" => Some(Format::CsvDataset),
                _ => None,
            },
        }
    }
}

/// A feature folder's `requirements.md` (Kiro) or `spec.md` (spec-kit) is read as a spec even
/// when nothing in it looks like a requirement, so that one speclint cannot read is reported,
/// never skipped.
fn is_feature_requirements_document(glob_path: &str) -> bool {
    let name = glob_path.rsplit('/').next().unwrap_or(glob_path);
    matches!(name, "requirements.md" | "spec.md") && layout::feature_of(glob_path).is_some()
}

/// A YAML file promptfoo would run: its schema comment, or top-level promptfoo keys with what
/// promptfoo configs hold (tests, assertions, variables, `file://` references). An application
/// config that merely has a `prompts:` or `providers:` key is not one.
fn looks_like_promptfoo(text: &str) -> bool {
    static TOP_KEY: LazyLock<Regex> = crate::lazy_regex::lazy_regex!(
        r"(?m)^(prompts|providers|targets|tests|defaultTest|scenarios|evaluateOptions|redteam)[ \t]*:"
    );
    if text.contains("promptfoo.dev/config-schema") {
        return true;
    }
    let mut keys: Vec<&str> = TOP_KEY
        .captures_iter(text)
        .filter_map(|captures| captures.get(1))
        .map(|key| key.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    if keys.is_empty() {
        return false;
    }
    let has_tests = keys
        .iter()
        .any(|key| matches!(*key, "tests" | "defaultTest" | "scenarios" | "redteam"));
    let promptfoo_content = ["assert:", "vars:", "file://", "{{"]
        .iter()
        .any(|marker| text.contains(marker));
    // Two of the three signs: test keys, more than one promptfoo key, promptfoo content.
    let signs = [has_tests, keys.len() >= 2, promptfoo_content];
    signs.iter().filter(|sign| **sign).count() >= 2
        || (has_tests && promptfoo_content)
        || (keys.len() >= 2 && promptfoo_content)
}

/// Why a candidate file of this extension was not read, when no rule took it.
fn skip_reason(extension: &str) -> &'static str {
    match extension {
        "md" | "markdown" | "mdx" => {
            "no requirement definitions, no reference comments, and not in a prompts folder"
        }
        "yaml" | "yml" => "not a promptfoo config, YAML spec, OpenAI evals entry or chat prompt",
        "json" => {
            "not a chat prompt, promptfoo config or dataset (an array of objects with input/target-like keys)"
        }
        "jsonl" | "ndjson" => {
            "the first row has none of the dataset keys (input, target, ideal, expected, vars, metadata, requirements)"
        }
        "csv" => {
            "no dataset columns (input, target, expected, __expected…, __metadata…, requirements)"
        }
        "txt" | "j2" | "jinja" | "jinja2" | "njk" | "hbs" | "handlebars" | "mustache" | "tmpl" => {
            "not in a prompts folder, not named like a prompt, and no reference comment"
        }
        _ => "no prompt-named or prompt-like string and no requirement comment",
    }
}

fn never_matches() -> Regex {
    // `[^\s\S]` matches nothing; it always compiles, so the fallback cannot fail.
    crate::lazy_regex::compile_constant(r"[^\s\S]")
}

fn head(text: &str) -> &str {
    let mut end = text.len().min(4096);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.get(..end).unwrap_or(text)
}

/// Keys a chat message has at its top level.
const CHAT_KEYS: &[&str] = &["role", "content", "name", "tool_calls", "tool_call_id"];

/// The first key of the first object of a JSON array: `input` in `[{"input": …`.
fn first_key(text: &str) -> Option<&str> {
    let rest = text
        .strip_prefix('[')?
        .trim_start()
        .strip_prefix('{')?
        .trim_start();
    let rest = rest.strip_prefix('"')?;
    let end = rest.find('"')?;
    rest.get(..end)
}

fn looks_like_chat(text: &str) -> bool {
    let head = head(text);
    head.contains("\"role\"") && head.contains("\"content\"")
}

fn extension_of(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default()
}

/// A file in a `prompts` folder, or named like a prompt.
fn prompt_like_path(glob_path: &str, name: &str) -> bool {
    name.contains("prompt")
        || glob_path
            .split('/')
            .rev()
            .skip(1)
            .any(|directory| matches!(directory, "prompts" | "prompt" | "templates"))
}

pub fn code_language(extension: &str) -> Option<CodeLanguage> {
    match extension {
        "py" | "pyi" => Some(CodeLanguage::Python),
        "ts" | "mts" | "cts" => Some(CodeLanguage::TypeScript),
        "tsx" => Some(CodeLanguage::Tsx),
        "js" | "mjs" | "cjs" | "jsx" => Some(CodeLanguage::JavaScript),
        _ => None,
    }
}

/// Extensions worth reading at all.
pub fn is_candidate(path: &Path) -> bool {
    let extension = path
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    matches!(
        extension.as_str(),
        "md" | "markdown"
            | "mdx"
            | "yaml"
            | "yml"
            | "json"
            | "jsonl"
            | "ndjson"
            | "csv"
            | "txt"
            | "j2"
            | "jinja"
            | "jinja2"
            | "njk"
            | "hbs"
            | "handlebars"
            | "mustache"
            | "tmpl"
            | "prompt"
            | "prompty"
    ) || code_language(&extension).is_some()
}
