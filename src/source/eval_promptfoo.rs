//! promptfoo configs and promptfoo test files.
//!
//! A config's `prompts` (inline strings, `|` blocks, `{id, label, raw}` objects, `file://` paths
//! and globs to text, JSON chat and YAML chat files) become prompt passages; its `tests` (inline
//! lists, `file://` YAML/JSON/JSONL/CSV files and globs, mixed lists), `scenarios` and
//! `defaultTest` (inline or `file://`) become eval cases. A test references requirements through
//! `metadata.requirements` (also `requirement`, `req`), a `# FR-001` comment above it, and known
//! IDs in its `description`; `defaultTest.metadata.requirements` applies to every test.
//!
//! Code (`file://x.py:fn`, `.js`, `.ts`) and remote data (`huggingface://`, `https://`) are
//! recorded as opaque, never run or fetched. A `file://` anywhere in the config whose target does
//! not exist is a broken reference; one that leaves the checked directory is refused.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use compact_str::{CompactString, format_compact};

use crate::requirement_id::IdPattern;
use crate::source::eval_refs::{mention_references, references_in_mapping, token_span};
use crate::source::model::{
    AssertionDef, ClaimedFile, EvalCaseDef, Extraction, Problem, ProblemLevel, Reference,
};
use crate::source::resolve::{Resolution, is_glob, is_reference, resolve};
use crate::source::spec_yaml::yaml_problem;
use crate::source::table::FileText;
use crate::source::tree::Node;
use crate::source::yaml_comments::{YamlComments, find_comments, references_above};
use crate::source::{
    Format, LoadContext, Role, eval_assertions, eval_csv, eval_dataset, json, kept_parses,
    prompt_chat, prompt_text, yaml,
};
use crate::source_db::{FileId, Span};

const CONFIG_KEYS: &[&str] = &[
    "prompts",
    "providers",
    "tests",
    "defaultTest",
    "scenarios",
    "targets",
];
/// Prompt file extensions promptfoo reads as text.
const TEXT_PROMPT_EXTENSIONS: &[&str] = &[
    "txt", "md", "markdown", "j2", "jinja", "jinja2", "njk", "hbs", "prompt",
];

/// What `defaultTest` gives every test.
#[derive(Clone, Debug, Default)]
struct Defaults {
    references: Vec<Reference>,
    assertions: Vec<AssertionDef>,
}

impl Defaults {
    fn is_empty(&self) -> bool {
        self.references.is_empty() && self.assertions.is_empty()
    }

    fn apply(&self, case: &mut EvalCaseDef) {
        case.add_references(&self.references);
        case.add_assertions(&self.assertions);
    }
}

/// One file being read: its text, comments and where it lives.
struct Document<'a> {
    file: FileId,
    text: &'a str,
    comments: YamlComments,
    directory: PathBuf,
}

pub fn load(context: &LoadContext<'_>, file: FileId, text: &str) -> (Format, Extraction) {
    let path = context.table.absolute_path(file);
    let mut extraction = Extraction::default();
    let root = match context.kept {
        Some(kept) => kept.trees.get_or_parse(&path, text, || {
            parse_tree(file, text, &path, &mut extraction)
        }),
        None => parse_tree(file, text, &path, &mut extraction).map(Arc::new),
    };
    let Some(root) = root else {
        return (Format::PromptfooConfig, extraction);
    };
    let document = Document {
        file,
        text,
        comments: if is_json(&path) {
            YamlComments::default()
        } else {
            find_comments(text)
        },
        directory: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    let mut reader = ConfigReader {
        context,
        extraction,
        loaded_tests: std::collections::HashMap::new(),
    };
    if root.is_sequence() {
        let cases = reader.tests_from_list(&document, &root, &Defaults::default());
        reader
            .extraction
            .eval_cases
            .extend(cases.into_iter().map(Arc::new));
        reader.check_references(&document, &root);
        return (Format::PromptfooTests, reader.extraction);
    }
    if !CONFIG_KEYS.iter().any(|key| root.get(key).is_some()) {
        return (Format::Unread, reader.extraction);
    }

    let defaults = match root.get("defaultTest") {
        Some(default_test) => reader.defaults(&document, default_test),
        None => Defaults::default(),
    };
    if let Some(prompts) = root.get("prompts") {
        reader.prompts(&document, prompts);
    }
    if let Some(tests) = root.get("tests") {
        reader.tests(&document, tests, &defaults);
    }
    if let Some(scenarios) = root.get("scenarios") {
        reader.scenarios(&document, scenarios, &defaults);
    }
    reader.check_references(&document, &root);
    reader.providers(&document, &root);
    (Format::PromptfooConfig, reader.extraction)
}

fn defaults_of(file: FileId, text: &str, default_test: &Node) -> Defaults {
    Defaults {
        references: default_test
            .get("metadata")
            .map(|metadata| references_in_mapping(file, text, metadata))
            .unwrap_or_default(),
        assertions: default_test
            .get("assert")
            .map(|list| eval_assertions::from_assert_list(file, list))
            .unwrap_or_default(),
    }
}

fn is_json(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension.eq_ignore_ascii_case("json"))
}

fn parse_tree(file: FileId, text: &str, path: &Path, extraction: &mut Extraction) -> Option<Node> {
    if is_json(path) {
        return match json::parse(text, 0) {
            Ok(root) => Some(root),
            Err(error) => {
                let at = error.offset_in(text, 0);
                extraction.problems.push(Problem::error(
                    Span::new(file, at, at),
                    format!("invalid JSON: {}", error.message),
                ));
                None
            }
        };
    }
    match yaml::parse(text) {
        Ok(root) => Some(root),
        Err(error) => {
            extraction.problems.push(yaml_problem(file, text, &error));
            None
        }
    }
}

struct ConfigReader<'a, 'b> {
    context: &'a LoadContext<'b>,
    extraction: Extraction,
    /// Test files already loaded, with the reference that loaded them first.
    loaded_tests: std::collections::HashMap<FileId, String>,
}

impl ConfigReader<'_, '_> {
    fn pattern(&self) -> &IdPattern {
        &self.context.settings.id_pattern
    }

    /// Resolves a reference written at `node`, reporting what cannot be read. Returns the files
    /// to read.
    fn resolve_at(&mut self, document: &Document<'_>, node: &Node, raw: &str) -> Vec<FileId> {
        let span = token_span(document.file, document.text, node, raw.trim());
        match resolve(self.context.table, &document.directory, raw) {
            Resolution::Files(files) => files,
            Resolution::Broken(reason) => {
                self.extraction.problems.push(
                    Problem::broken_reference(span, format!("broken file reference: {reason}"))
                        .with_help("paths in promptfoo configs are relative to the config file"),
                );
                Vec::new()
            }
            Resolution::Refused(reason) => {
                self.extraction.problems.push(Problem::broken_reference(
                    span,
                    format!("file reference refused: {reason}"),
                ));
                Vec::new()
            }
            Resolution::Opaque(reason) => {
                self.extraction.problems.push(Problem::opaque(span, reason));
                Vec::new()
            }
            Resolution::Remote(url) => {
                self.extraction.problems.push(Problem::opaque(
                    span,
                    format!(
                        "`{url}` is remote data: speclint never fetches it, so it cannot see inside"
                    ),
                ));
                Vec::new()
            }
        }
    }

    /// The model settings of each provider (`providers`, or its alias `targets`), applying
    /// to every prompt and test this config runs.
    fn providers(&mut self, document: &Document<'_>, root: &Node) {
        let Some(providers) = root.get("providers").or_else(|| root.get("targets")) else {
            return;
        };
        let mut files = vec![document.file];
        for span in self
            .extraction
            .eval_cases
            .iter()
            .map(|case| case.span)
            .chain(self.extraction.passages.iter().map(|passage| passage.span))
        {
            if !files.contains(&span.file) {
                files.push(span.file);
            }
        }
        let place = crate::source::model_settings::Place {
            file: document.file,
            base: 0,
        };
        let entries: Vec<&Node> = if providers.is_sequence() {
            providers.items().iter().collect()
        } else {
            vec![providers]
        };
        for entry in entries {
            self.extraction
                .model_settings
                .extend(crate::source::model_settings::from_provider(
                    place,
                    entry,
                    files.clone(),
                ));
        }
    }

    fn claim(&mut self, file: FileId, role: Role, format: Format) {
        self.extraction
            .claimed_files
            .push(ClaimedFile { file, role, format });
    }

    /// `defaultTest`: a mapping, or a `file://` reference to one.
    fn defaults(&mut self, document: &Document<'_>, default_test: &Node) -> Defaults {
        let Some(raw) = default_test.as_str() else {
            return defaults_of(document.file, document.text, default_test);
        };
        let mut defaults = Defaults::default();
        for target in self.resolve_at(document, default_test, raw) {
            self.claim(target, Role::Eval, Format::PromptfooTests);
            let FileText::Text(target_text) = self.context.table.text(target) else {
                continue;
            };
            let target_path = self.context.table.absolute_path(target);
            let mut inner = Extraction::default();
            if let Some(node) = parse_tree(target, &target_text, &target_path, &mut inner) {
                let found = defaults_of(target, &target_text, &node);
                defaults.references.extend(found.references);
                defaults.assertions.extend(found.assertions);
            }
            self.extraction.problems.extend(inner.problems);
        }
        defaults
    }

    fn prompts(&mut self, document: &Document<'_>, prompts: &Node) {
        if prompts.as_str().is_some() {
            self.prompt_entry(document, prompts);
            return;
        }
        if prompts.is_mapping() {
            // The old form: `prompts: {file://prompt.txt: label}`.
            for (key, _) in prompts.entries() {
                self.prompt_entry(document, key);
            }
            return;
        }
        for entry in prompts.items() {
            self.prompt_entry(document, entry);
        }
    }

    fn prompt_entry(&mut self, document: &Document<'_>, entry: &Node) {
        if !entry.is_mapping() {
            if let Some(value) = entry.as_str() {
                self.prompt_value(document, entry, entry, value);
            }
            return;
        }
        if let Some(raw) = entry.get("raw") {
            if let Some(value) = raw.as_str() {
                self.prompt_value(document, entry, raw, value);
            }
            return;
        }
        // `id` names a file only when it is a reference; otherwise it is a label.
        if let Some(id) = entry.get("id")
            && let Some(value) = id.as_str()
            && is_reference(value)
        {
            self.prompt_value(document, entry, id, value);
        }
    }

    fn prompt_value(&mut self, document: &Document<'_>, entry: &Node, node: &Node, value: &str) {
        if is_reference(value) || looks_like_prompt_path(value) {
            for target in self.resolve_at(document, node, value) {
                self.prompt_file(target);
            }
            return;
        }
        // An inline prompt: template comments inside it, or YAML comments above its entry.
        let pattern = self.pattern().clone();
        let passages = prompt_chat::string_prompt_passages(
            document.file,
            document.text,
            node,
            entry.start,
            &document.comments,
            &pattern,
        );
        self.extraction.passages.extend(passages);
    }

    /// The path, lower-cased extension and text of a referenced file; a file that cannot be
    /// read is claimed as unread for `role` and its problem reported.
    fn read_target(&mut self, target: FileId, role: Role) -> Option<(PathBuf, String, Arc<str>)> {
        let path = self.context.table.absolute_path(target);
        let extension = path
            .extension()
            .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match self.context.table.text(target) {
            FileText::Text(text) => Some((path, extension, text)),
            FileText::Unreadable(problem) => {
                self.claim(target, role, Format::Unread);
                self.extraction.problems.push(problem);
                None
            }
        }
    }

    fn prompt_file(&mut self, target: FileId) {
        let Some((_, extension, text)) = self.read_target(target, Role::Prompt) else {
            return;
        };
        let pattern = self.pattern().clone();
        let (format, loaded) = match extension.as_str() {
            "json" | "yaml" | "yml" => prompt_chat::load(target, &text, &pattern),
            "prompty" => (
                Format::Prompty,
                crate::source::prompt_frontmatter::load_prompty(target, &text, &pattern),
            ),
            _ => (
                Format::TextPrompt,
                prompt_text::load(target, &text, &pattern),
            ),
        };
        self.claim(target, Role::Prompt, format);
        self.extraction.merge(loaded);
    }

    /// `tests`: a list, or a reference (string or `{path: …}`) to files of tests.
    fn tests(&mut self, document: &Document<'_>, tests: &Node, defaults: &Defaults) {
        if tests.as_str().is_some() || tests.get("path").is_some() {
            self.test_entry_reference(document, tests, defaults);
            return;
        }
        let cases = self.tests_from_list(document, tests, defaults);
        self.extraction
            .eval_cases
            .extend(cases.into_iter().map(Arc::new));
        for entry in tests.items() {
            if entry.as_str().is_some() || entry.get("path").is_some() {
                self.test_entry_reference(document, entry, defaults);
            }
        }
    }

    fn test_entry_reference(&mut self, document: &Document<'_>, entry: &Node, defaults: &Defaults) {
        let node = entry.get("path").unwrap_or(entry);
        let Some(raw) = node.as_str() else {
            return;
        };
        for target in self.resolve_at(document, node, raw) {
            if let Some(first) = self.loaded_tests.get(&target) {
                let span = token_span(document.file, document.text, node, raw.trim());
                let name = self.context.table.relative_path(target);
                let message = if first == raw.trim() {
                    format!("`{name}` is loaded again here: promptfoo runs its tests once more")
                } else {
                    format!(
                        "`{name}` is loaded again here (also by `{first}`): promptfoo runs its tests once more"
                    )
                };
                self.extraction.problems.push(
                    Problem::eval_config(span, ProblemLevel::Warning, message).with_help(
                        "list each test file once, or narrow the glob so it leaves out the files named elsewhere",
                    ),
                );
            } else {
                self.loaded_tests.insert(target, raw.trim().to_owned());
            }
            self.tests_file(target, defaults);
        }
    }

    /// `scenarios`: inline, a `file://` reference, or a list mixing both. promptfoo runs each
    /// scenario's tests once per entry of its `config`.
    fn scenarios(&mut self, document: &Document<'_>, scenarios: &Node, defaults: &Defaults) {
        let entries: Vec<&Node> = if scenarios.as_str().is_some() {
            vec![scenarios]
        } else {
            scenarios.items().iter().collect()
        };
        for entry in entries {
            let Some(raw) = entry.as_str() else {
                self.scenario(document, entry, defaults);
                continue;
            };
            for target in self.resolve_at(document, entry, raw) {
                self.scenarios_file(target, defaults);
            }
        }
    }

    fn scenarios_file(&mut self, target: FileId, defaults: &Defaults) {
        let Some((path, _, text)) = self.read_target(target, Role::Eval) else {
            return;
        };
        self.claim(target, Role::Eval, Format::PromptfooTests);
        let mut loaded = Extraction::default();
        let Some(root) = parse_tree(target, &text, &path, &mut loaded) else {
            self.extraction.merge(loaded);
            return;
        };
        self.extraction.merge(loaded);
        let inner_document = Document {
            file: target,
            text: &text,
            comments: find_comments(&text),
            directory: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        let scenarios: Vec<&Node> = if root.is_mapping() {
            vec![&root]
        } else {
            root.items().iter().collect()
        };
        for scenario in scenarios {
            self.scenario(&inner_document, scenario, defaults);
        }
        self.check_references(&inner_document, &root);
    }

    fn scenario(&mut self, document: &Document<'_>, scenario: &Node, defaults: &Defaults) {
        let Some(tests) = scenario.get("tests") else {
            return;
        };
        let configs = scenario
            .get("config")
            .map_or(1, |config| config.items().len().max(1));
        let first_new = self.extraction.eval_cases.len();
        self.tests(document, tests, defaults);
        let runs = u32::try_from(configs).unwrap_or(u32::MAX);
        for case in self.extraction.eval_cases.iter_mut().skip(first_new) {
            let case = Arc::make_mut(case);
            case.runs = case.runs.saturating_mul(runs);
        }
    }

    /// What a CSV, JSONL or JSON tests file holds before `defaultTest` is applied: `load`'s
    /// result, or, in the language server, the one kept from the same text, ID pattern and
    /// file ID (the eval cases are shared, not copied).
    fn tests_file_cases(
        &self,
        target: FileId,
        path: &Path,
        text: &str,
        pattern: &IdPattern,
        load: impl FnOnce() -> Extraction,
    ) -> Extraction {
        let Some(kept) = self.context.kept else {
            return load();
        };
        // The cases' spans name the file by its ID, which a file added before it changes.
        let key = kept_parses::input_hash(text, pattern.source()) ^ u128::from(target.0);
        kept.tests_files
            .get_or_parse_keyed(path, key, || {
                // Shrunk now: cases shared with the memo are not shrunk with the config's.
                let mut loaded = load();
                loaded.shrink_to_fit();
                Some(loaded)
            })
            .map(|kept| (*kept).clone())
            .unwrap_or_default()
    }

    fn tests_file(&mut self, target: FileId, defaults: &Defaults) {
        let Some((path, extension, text)) = self.read_target(target, Role::Eval) else {
            return;
        };
        let pattern = self.pattern().clone();
        let (format, mut loaded) = match extension.as_str() {
            "csv" => (
                Format::CsvDataset,
                self.tests_file_cases(target, &path, &text, &pattern, || {
                    eval_csv::load(target, &text, &pattern, &[])
                }),
            ),
            "jsonl" | "ndjson" => (
                Format::JsonlDataset,
                self.tests_file_cases(target, &path, &text, &pattern, || {
                    eval_dataset::load_jsonl(target, &text, &pattern)
                }),
            ),
            "json" => (
                Format::JsonDataset,
                self.tests_file_cases(target, &path, &text, &pattern, || {
                    let mut loaded = eval_dataset::load_json(target, &text, &pattern);
                    loaded.problems.extend(tests_without_vars(target, &text));
                    loaded
                }),
            ),
            _ => {
                let mut loaded = Extraction::default();
                let inner_document = Document {
                    file: target,
                    text: &text,
                    comments: find_comments(&text),
                    directory: path.parent().map(Path::to_path_buf).unwrap_or_default(),
                };
                if let Some(root) = parse_tree(target, &text, &path, &mut loaded) {
                    let list = root.get("tests").unwrap_or(&root);
                    let cases = if list.is_mapping() {
                        self.tests_from_nodes(
                            &inner_document,
                            std::slice::from_ref(list),
                            &Defaults::default(),
                        )
                    } else {
                        self.tests_from_list(&inner_document, list, &Defaults::default())
                    };
                    loaded.eval_cases.extend(cases.into_iter().map(Arc::new));
                    self.check_references(&inner_document, &root);
                }
                (Format::PromptfooTests, loaded)
            }
        };
        if !defaults.is_empty() {
            for case in &mut loaded.eval_cases {
                defaults.apply(Arc::make_mut(case));
            }
        }
        self.claim(target, Role::Eval, format);
        self.extraction.merge(loaded);
    }

    /// The inline tests of a list; entries that are references are handled by the caller.
    fn tests_from_list(
        &self,
        document: &Document<'_>,
        tests: &Node,
        defaults: &Defaults,
    ) -> Vec<EvalCaseDef> {
        self.tests_from_nodes(document, tests.items(), defaults)
    }

    fn tests_from_nodes(
        &self,
        document: &Document<'_>,
        tests: &[Node],
        defaults: &Defaults,
    ) -> Vec<EvalCaseDef> {
        let pattern = self.pattern();
        let mut cases = Vec::new();
        for (index, test) in tests.iter().enumerate() {
            if !test.is_mapping() || test.get("path").is_some() {
                continue;
            }
            let mut references = Vec::new();
            if let Some(metadata) = test.get("metadata") {
                references.extend(references_in_mapping(
                    document.file,
                    document.text,
                    metadata,
                ));
            }
            references.extend(references_above(
                document.file,
                document.text,
                &document.comments,
                test.start,
                pattern,
            ));
            let description = test.get("description");
            if let Some(description) = description {
                references.extend(mention_references(
                    document.file,
                    document.text,
                    description,
                    pattern,
                ));
            }
            let label = description.and_then(Node::as_str).map_or_else(
                || format_compact!("test #{}", index + 1),
                CompactString::from,
            );
            let assertions = test
                .get("assert")
                .map(|list| eval_assertions::from_assert_list(document.file, list))
                .unwrap_or_default();
            let mut case = EvalCaseDef {
                span: prompt_chat::first_line_span(document.file, document.text, test),
                label,
                references: references.into_boxed_slice(),
                assertions: assertions.into_boxed_slice(),
                inputs: test
                    .get("vars")
                    .map(|vars| vars.input_text(&[]))
                    .unwrap_or_default()
                    .into_boxed_str(),
                runs: 1,
            };
            defaults.apply(&mut case);
            cases.push(case);
        }
        cases
    }

    /// Every other `file://` string in the tree (vars, asserts, providers) must exist; it is
    /// never read or run. References under `prompts`, and `tests` or `defaultTest` given as a
    /// reference, were resolved when they were loaded.
    fn check_references(&mut self, document: &Document<'_>, root: &Node) {
        let mut stack: Vec<&Node> = Vec::new();
        if root.is_sequence() {
            stack.extend(root.items().iter().filter(|item| item.is_mapping()));
        }
        for (key, value) in root.entries() {
            match key.as_str() {
                Some("prompts") => {}
                Some("tests") => {
                    stack.extend(value.items().iter().filter(|item| item.is_mapping()))
                }
                Some("defaultTest") if value.as_str().is_some() => {}
                _ => stack.push(value),
            }
        }
        while let Some(node) = stack.pop() {
            stack.extend(node.entries().map(|(_, value)| value));
            stack.extend(node.items());
            if let Some(value) = node.as_str()
                && value.trim_start().starts_with("file://")
            {
                self.check_existence(document, node, value);
            }
        }
    }

    fn check_existence(&mut self, document: &Document<'_>, node: &Node, raw: &str) {
        let span = token_span(document.file, document.text, node, raw.trim());
        match resolve(self.context.table, &document.directory, raw) {
            Resolution::Broken(reason) => self.extraction.problems.push(
                Problem::broken_reference(span, format!("broken file reference: {reason}"))
                    .with_help("paths in promptfoo configs are relative to the config file"),
            ),
            Resolution::Refused(reason) => self.extraction.problems.push(
                Problem::broken_reference(span, format!("file reference refused: {reason}")),
            ),
            Resolution::Files(_) | Resolution::Opaque(_) | Resolution::Remote(_) => {}
        }
    }
}

/// A bare prompt entry that names files rather than holding text: `prompts/*.txt`,
/// `prompt.json`.
/// Keys only a promptfoo test case has; a row with none of them is a data row, whose keys
/// promptfoo takes as the test's variables (as in promptfoo's own cyberseceval example).
const TEST_CASE_KEYS: &[&str] = &[
    "assert",
    "description",
    "options",
    "threshold",
    "provider",
    "providerOutput",
];

/// promptfoo rejects a JSON tests file whose test cases (rows with test-case keys such as
/// `assert` or `description`) have no `vars`.
fn tests_without_vars(file: FileId, text: &str) -> Vec<Problem> {
    let Ok(root) = crate::source::json::parse(text, 0) else {
        return Vec::new();
    };
    let list = root.get("tests").unwrap_or(&root);
    list.items()
        .iter()
        .filter(|test| {
            test.is_mapping()
                && test.get("vars").is_none()
                && TEST_CASE_KEYS.iter().any(|key| test.get(key).is_some())
        })
        .map(|test| {
            Problem::eval_config(
                Span::new(file, test.start, test.start + 1),
                ProblemLevel::Error,
                "promptfoo rejects this test: a test in a JSON tests file needs `vars`",
            )
            .with_help("add `\"vars\": {…}` with the test's inputs")
        })
        .collect()
}

fn looks_like_prompt_path(value: &str) -> bool {
    let value = value.trim();
    if value.contains(char::is_whitespace) || value.contains("{{") || value.is_empty() {
        return false;
    }
    let extension = Path::new(value)
        .extension()
        .map(|extension| extension.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    TEXT_PROMPT_EXTENSIONS.contains(&extension.as_str())
        || matches!(extension.as_str(), "json" | "yaml" | "yml" | "prompty")
        || (is_glob(value) && value.contains('.'))
}
