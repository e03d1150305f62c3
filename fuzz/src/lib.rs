//! The fuzz harnesses: each feeds arbitrary text to one of speclint's input loaders (or parsers
//! of its own files) and checks that it returns instead of panicking. `fuzz_targets/` wraps each
//! in a libFuzzer entry point.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use speclint::source_db::FileId;
use speclint::requirement_id::IdPattern;
use speclint::source::table::FileTable;
use speclint::source::{CodeLanguage, Format, LoadContext};

fn pattern() -> &'static IdPattern {
    static PATTERN: OnceLock<IdPattern> = OnceLock::new();
    PATTERN.get_or_init(IdPattern::default_pattern)
}

/// One empty folder for loaders that resolve `file://` references; nothing is ever written.
fn sandbox() -> &'static Path {
    static SANDBOX: OnceLock<PathBuf> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let directory = std::env::temp_dir().join(format!("speclint-fuzz-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&directory);
        directory
    })
}

fn settings() -> &'static speclint::settings::Settings {
    static SETTINGS: OnceLock<speclint::settings::Settings> = OnceLock::new();
    SETTINGS.get_or_init(|| match speclint::config::load_settings(sandbox(), None) {
        Ok(settings) => settings,
        Err(error) => panic!("default settings: {error}"),
    })
}

fn with_table(name: &str, text: &str, format: Format) {
    let table = FileTable::with_overlays(sandbox(), 1 << 26, std::iter::once((sandbox().join(name), std::sync::Arc::from(text))).collect());
    let id = table.intern(&sandbox().join(name));
    let context = LoadContext {
        table: &table,
        settings: settings(),
        kept: None,
    };
    let _ = speclint::source::load_as(&context, id, text, format);
}

pub fn spec_markdown(text: &str) {
    let _ = speclint::source::spec_markdown::load(FileId(0), text, pattern());
    if speclint::source::spec_kiro::is_kiro_spec(text) {
        let _ = speclint::source::spec_kiro::load(FileId(0), text, Path::new("/r/.kiro/specs/f/requirements.md"), Path::new("/r"));
    }
}

pub fn spec_yaml(text: &str) {
    let _ = speclint::source::spec_yaml::load(FileId(0), text, pattern());
}

pub fn promptfoo_config(text: &str) {
    with_table("promptfooconfig.yaml", text, Format::PromptfooConfig);
    with_table("promptfooconfig.json", text, Format::PromptfooConfig);
    with_table("registry.yaml", text, Format::OpenAiRegistry);
    with_table("chat.prompt.yml", text, Format::GithubModels);
}

pub fn datasets(text: &str) {
    let _ = speclint::source::eval_dataset::load_jsonl(FileId(0), text, pattern());
    let _ = speclint::source::eval_dataset::load_json(FileId(0), text, pattern());
    let _ = speclint::source::eval_csv::load_dataset(FileId(0), text, pattern());
}

pub fn prompt_text(text: &str) {
    let _ = speclint::source::prompt_text::load(FileId(0), text, pattern());
    let _ = speclint::source::prompt_frontmatter::load_prompty(FileId(0), text, pattern());
    let _ = speclint::source::prompt_chat::load(FileId(0), text, pattern());
}

pub fn prompt_code(text: &str) {
    for language in [CodeLanguage::Python, CodeLanguage::TypeScript, CodeLanguage::JavaScript] {
        let _ = speclint::source::prompt_code::load(FileId(0), text, language, pattern());
    }
}

pub fn config(text: &str) {
    let _ = speclint::config::settings_from_text(text, &sandbox().join("speclint.toml"), sandbox());
}

pub fn lock_file(text: &str) {
    let _ = speclint::lockfile::parse(text);
}

pub fn baseline(text: &str) {
    let _ = speclint::baseline::parse(text, Path::new("speclint-baseline.json"));
}

/// The language server's input side: framing, JSON-RPC parsing, positions and URIs.
pub fn lsp_messages(text: &str) {
    let mut input = std::io::Cursor::new(text.as_bytes());
    for _ in 0..64 {
        match speclint::lsp::transport::read(&mut input) {
            speclint::lsp::transport::Incoming::Closed => break,
            speclint::lsp::transport::Incoming::Malformed(_) | speclint::lsp::transport::Incoming::Message(_) => {}
        }
    }
    let _ = speclint::lsp::position::offset(text, lsp_types_position(text));
    let _ = speclint::lsp::features::id_at(text, text.len() / 2, pattern());
}

fn lsp_types_position(text: &str) -> speclint::lsp::position::Position {
    let line = u32::try_from(text.len() % 7).unwrap_or(0);
    let character = u32::try_from(text.len() % 13).unwrap_or(0);
    speclint::lsp::position::Position::new(line, character)
}

pub fn drift_facts(text: &str) {
    let _ = speclint::facts::quantity::quantities(text);
    let _ = speclint::facts::directive::directives(text);
    let _ = speclint::facts::literal::literals(text);
    let _ = speclint::facts::literal::enumerations(text);
    let (left, right) = text.split_at(text.len() / 2 - (0..4).find(|shift| text.is_char_boundary(text.len() / 2 - shift)).unwrap_or(0));
    let _ = speclint::facts::compare::wording_disagreements(left, right);
    let _ = speclint::facts::compare::modality_disagreement(left, speclint::modality::detect_modality(left), right);
    let assertion = speclint::source::model::AssertionDef {
        kind: "javascript".into(),
        value: text.into(),
        threshold: None,
        span: speclint::source_db::Span::default(),
    };
    let _ = speclint::facts::compare::assertion_disagreements(left, &speclint::facts::assertion::analyze(&assertion));
}
