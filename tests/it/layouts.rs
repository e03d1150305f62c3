//! Repositories as teams lay them out (written for these tests, after real spec-kit, Kiro,
//! promptfoo and Inspect projects): the first run must give right answers with no
//! configuration.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn write(root: &Path, relative: &str, text: &str) {
    let path = root.join(relative);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// `speclint check <arguments>` run in `directory`: exit code and the JSON output.
fn check_json(directory: &Path, arguments: &[&str]) -> (i32, Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .arg("check")
        .args(arguments)
        .args(["--output-format", "json"])
        .current_dir(directory)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "{error}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap(), json)
}

fn list(directory: &Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(["check", "--list", "."])
        .current_dir(directory)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

fn codes(json: &Value) -> Vec<String> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| diagnostic["code"].as_str().unwrap().to_owned())
        .collect()
}

fn with_code<'a>(json: &'a Value, code: &str) -> Vec<&'a Value> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| diagnostic["code"] == code)
        .collect()
}

const SPEC_TEMPLATE: &str = "# Feature Specification: [FEATURE NAME]\n\n## Requirements\n\n- **FR-001**: System MUST [specific capability, e.g., \"allow users to create accounts\"]\n- **FR-002**: System MUST [specific capability, e.g., \"validate email addresses\"]\n- **FR-003**: Users MUST be able to [key interaction]\n- **FR-004**: System MUST authenticate users via [NEEDS CLARIFICATION: auth method not specified - email/password, SSO, OAuth?]\n\n### Measurable Outcomes\n\n- **SC-001**: [Measurable metric, e.g., \"Users can complete account creation in under 2 minutes\"]\n";

/// A spec-kit repository with two features that both number from FR-001, its templates, and
/// plans, task lists, research notes, data models and contracts beside the specs.
fn spec_kit_repository(root: &Path) {
    write(root, ".specify/templates/spec-template.md", SPEC_TEMPLATE);
    write(
        root,
        ".specify/memory/constitution.md",
        "# Constitution\n\n- **P-001**: Every feature MUST have a spec.\n",
    );
    write(
        root,
        "specs/001-voice-orchestrator/spec.md",
        "# Feature Specification: Voice orchestrator\n\n## Clarifications\n\n### Session 2025-10-01\n\n- **Q-001**: Which languages? → English and French.\n\n## Requirements\n\n- **FR-001**: The assistant MUST greet the caller by name.\n- **FR-002**: The assistant MUST NOT read out card numbers.\n\n## Review & Acceptance Checklist\n\n- [x] No [NEEDS CLARIFICATION] markers remain\n",
    );
    write(
        root,
        "specs/001-voice-orchestrator/plan.md",
        "# Plan\n\n## Risks\n\n- **R-001**: Latency of the speech model.\n- **OQ-001**: Do we stream audio?\n\nImplements FR-001 and FR-002.\n",
    );
    write(
        root,
        "specs/001-voice-orchestrator/tasks.md",
        "# Tasks\n\n- [X] **T0-001** Write the greeting prompt (FR-001)\n- [ ] **T0-002** Mask card numbers (FR-002)\n\n| Task | Requirement |\n|---|---|\n| T0-001 | FR-001 |\n| FR-002 | T0-002 |\n",
    );
    write(
        root,
        "specs/001-voice-orchestrator/research.md",
        "# Research\n\n- **D-001**: We chose streaming.\n",
    );
    write(
        root,
        "specs/001-voice-orchestrator/data-model.md",
        "# Data model\n\n| ID | Entity |\n|---|---|\n| FR-001 | Caller |\n",
    );
    write(
        root,
        "specs/001-voice-orchestrator/contracts/api.md",
        "# API\n\n- **FR-001**: `POST /greet`\n",
    );
    write(
        root,
        "specs/002-billing/spec.md",
        "# Feature Specification: Billing\n\n## Requirements\n\n- **FR-001**: Refunds MUST be accepted within 30 days of delivery.\n- **FR-002**: The assistant MUST answer in the customer's language.\n",
    );
    write(
        root,
        "prompts/voice.md.j2",
        "{# 001-voice-orchestrator/FR-001 #}\nGreet the caller by their name.\n\n{# 001-voice-orchestrator/FR-002 #}\nNever read out a card number.\n",
    );
    write(
        root,
        "prompts/billing/refunds.md",
        "<!-- FR-001 -->\nCustomers can return any order within 30 days of delivery.\n\n<!-- 002-billing/FR-002 -->\nAlways answer in the language the customer wrote in.\n",
    );
    write(
        root,
        "evals/promptfooconfig.yaml",
        "prompts:\n  - file://../prompts/billing/refunds.md\nproviders:\n  - openai:gpt-4o-mini\ntests:\n  - description: greeting\n    metadata:\n      requirements: [001-voice-orchestrator/FR-001, 001-voice-orchestrator/FR-002]\n    assert:\n      - type: not-icontains\n        value: '4111'\n  - description: refund window\n    vars: {days_since_delivery: 12}\n    metadata:\n      requirements: [002-billing/FR-001, 002-billing/FR-002]\n    assert:\n      - type: icontains\n        value: 30 days\n  - description: late refund\n    vars: {message: 'It came 40 days ago, refund please'}\n    metadata:\n      requirements: [002-billing/FR-001]\n    assert:\n      - type: llm-rubric\n        value: Declines the refund politely.\n",
    );
}

pub fn spec_kit_features_templates_plans_and_tasks() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    spec_kit_repository(root);
    let (_, json) = check_json(root, &["."]);
    assert!(
        with_code(&json, "SL001").is_empty(),
        "no duplicate across features: {json}"
    );
    assert_eq!(json["summary"]["requirements"], 4, "{json}");
    // The unqualified `FR-001` in prompts/billing is ambiguous: both features define it.
    let ambiguous = with_code(&json, "SL002");
    assert_eq!(ambiguous.len(), 1, "{json}");
    let message = ambiguous[0]["message"].as_str().unwrap();
    assert!(
        message.contains("001-voice-orchestrator/FR-001") && message.contains("002-billing/FR-001"),
        "{message}"
    );
    assert_eq!(ambiguous[0]["related"].as_array().unwrap().len(), 2);
    // Only that requirement lacks a prompt; nothing from templates, plans or tasks appears.
    let missing = with_code(&json, "SL003");
    assert_eq!(missing.len(), 1, "{json}");
    assert_eq!(missing[0]["path"], "specs/002-billing/spec.md");
    assert!(!json.to_string().contains("T0-001"));
    assert!(with_code(&json, "SL013").is_empty(), "{json}");

    let listed = list(root);
    for (path, reason) in [
        (
            ".specify/templates/spec-template.md",
            "spec-kit's own folder",
        ),
        (".specify/memory/constitution.md", "spec-kit's own folder"),
        ("specs/001-voice-orchestrator/plan.md", "plans, task lists"),
        ("specs/001-voice-orchestrator/tasks.md", "plans, task lists"),
        (
            "specs/001-voice-orchestrator/research.md",
            "plans, task lists",
        ),
        ("specs/001-voice-orchestrator/data-model.md", "data model"),
        ("specs/001-voice-orchestrator/contracts/api.md", "contracts"),
    ] {
        let line = listed
            .lines()
            .find(|line| line.starts_with(path))
            .unwrap_or_else(|| panic!("{path} not listed:\n{listed}"));
        assert!(line.contains("skipped:") && line.contains(reason), "{line}");
    }

    // Mapping the billing prompts to their feature resolves the short form.
    write(
        root,
        "speclint.toml",
        "[features]\n\"002-billing\" = [\"prompts/billing/**\"]\n",
    );
    let (code, json) = check_json(root, &["."]);
    assert!(codes(&json).is_empty(), "{json}");
    assert_eq!(code, 0);
}

pub fn a_template_outside_specify_is_not_a_spec() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    // A team's own template, named plainly, in the specs folder.
    write(root, "specs/000-example/spec.md", SPEC_TEMPLATE);
    let listed = list(root);
    assert!(listed.contains("skipped: a template"), "{listed}");
}

/// Kiro specs in the languages Kiro writes them in: every criterion is read, with the same IDs
/// as in English.
pub fn kiro_specs_in_other_languages() {
    let cases = [
        (
            "zh-hans",
            "# 需求文档\n\n## 需求\n\n### 需求 1：登录\n\n**用户故事：** 作为用户，我希望登录。\n\n#### 验收标准\n\n1. WHEN 用户提交密码 THEN 系统 SHALL 在 2 秒内验证\n2. IF 密码错误 THEN 系统 SHALL 显示错误\n\n### 需求 2：退出\n\n#### 验收标准\n\n1. WHEN 用户点击退出 THEN 系统 SHALL 结束会话\n",
        ),
        (
            "zh-hant",
            "# 需求文件\n\n### 需求 1：登入\n\n#### 驗收條件\n\n1. WHEN 使用者提交密碼 THEN 系統 SHALL 驗證\n2. WHEN 密碼錯誤 THEN 系統 SHALL 顯示錯誤\n\n### 需求 2：登出\n\n#### 驗收標準\n\n1. WHEN 使用者登出 THEN 系統 SHALL 結束工作階段\n",
        ),
        (
            "ja",
            "# 要件定義書\n\n### 要件 1: ログイン\n\n#### 受け入れ基準\n\n1. WHEN ユーザーがパスワードを送信した THEN システム SHALL 検証する\n2. IF パスワードが誤り THEN システム SHALL エラーを表示する\n\n### 要件 2: ログアウト\n\n#### 受け入れ基準\n\n1. WHEN ユーザーがログアウトした THEN システム SHALL セッションを終了する\n",
        ),
        (
            "ko",
            "# 요구사항 문서\n\n### 요구사항 1: 로그인\n\n#### 수락 기준\n\n1. WHEN 사용자가 비밀번호를 제출하면 THEN 시스템 SHALL 검증한다\n2. IF 비밀번호가 틀리면 THEN 시스템 SHALL 오류를 표시한다\n\n### 요구사항 2: 로그아웃\n\n#### 수락 기준\n\n1. WHEN 사용자가 로그아웃하면 THEN 시스템 SHALL 세션을 종료한다\n",
        ),
        (
            "es",
            "# Documento de requisitos\n\n### Requisito 1: Inicio de sesión\n\n#### Criterios de aceptación\n\n1. WHEN el usuario envía la contraseña THEN el sistema SHALL validarla\n2. IF la contraseña es incorrecta THEN el sistema SHALL mostrar un error\n\n### Requisito 2: Cierre de sesión\n\n#### Criterios de aceptación\n\n1. WHEN el usuario cierra la sesión THEN el sistema SHALL terminarla\n",
        ),
        (
            "fr",
            "# Document d'exigences\n\n### Exigence 1 : Connexion\n\n#### Critères d'acceptation\n\n1. WHEN l'utilisateur envoie son mot de passe THEN le système SHALL le vérifier\n2. IF le mot de passe est faux THEN le système SHALL afficher une erreur\n\n### Exigence 2 : Déconnexion\n\n#### Critères d'acceptation\n\n1. WHEN l'utilisateur se déconnecte THEN le système SHALL fermer la session\n",
        ),
        (
            "de",
            "# Anforderungsdokument\n\n### Anforderung 1: Anmeldung\n\n#### Akzeptanzkriterien\n\n1. WHEN der Benutzer das Passwort sendet THEN das System SHALL es prüfen\n2. IF das Passwort falsch ist THEN das System SHALL einen Fehler anzeigen\n\n### Anforderung 2: Abmeldung\n\n#### Akzeptanzkriterien\n\n1. WHEN der Benutzer sich abmeldet THEN das System SHALL die Sitzung beenden\n",
        ),
        (
            "pt",
            "# Documento de requisitos\n\n### Requisito 1: Login\n\n#### Critérios de aceitação\n\n1. WHEN o usuário envia a senha THEN o sistema SHALL validá-la\n2. IF a senha estiver errada THEN o sistema SHALL mostrar um erro\n\n### Requisito 2: Logout\n\n#### Critérios de aceitação\n\n1. WHEN o usuário sai THEN o sistema SHALL encerrar a sessão\n",
        ),
    ];
    for (language, text) in cases {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        write(root, ".kiro/specs/login/requirements.md", text);
        write(
            root,
            ".kiro/specs/login/design.md",
            "# 设计\n\n- **D-001**: 使用 JWT\n",
        );
        write(
            root,
            "prompts/login.md",
            "<!-- R1.1 -->\nCheck the password within 2 seconds.\n",
        );
        let (_, json) = check_json(root, &["."]);
        assert_eq!(json["summary"]["requirements"], 3, "{language}: {json}");
        assert!(with_code(&json, "SL002").is_empty(), "{language}: {json}");
        let listed = list(root);
        assert!(listed.contains("kiro-spec"), "{language}: {listed}");
    }
}

pub fn a_requirements_document_that_yields_nothing_is_reported() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        ".kiro/specs/chat/requirements.md",
        "# Requirements Document\n\n## Requisitos\n\nEl sistema debe responder rápido.\n",
    );
    let (_, json) = check_json(root, &["."]);
    let unread = with_code(&json, "SL000");
    assert_eq!(unread.len(), 1, "{json}");
    assert!(
        unread[0]["message"]
            .as_str()
            .unwrap()
            .contains("looks like a requirements document"),
        "{json}"
    );
}

/// Prompts kept where application code keeps them: class fields, class attributes, object and
/// dict values, template literals and f-strings, tagged by comments.
pub fn prompts_in_classes_objects_and_dicts() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        "specs/spec.md",
        "- **FR-001**: The assistant MUST answer in English or French only.\n- **FR-002**: The assistant MUST NOT mention the risk score.\n- **FR-003**: Summaries MUST be at most 120 words.\n- **FR-004**: The assistant MUST greet the user by name.\n",
    );
    write(
        root,
        "src/agent.ts",
        "export class SupportAgent {\n  // FR-001\n  private readonly SYSTEM_EN = `You are a support agent for an online shop. Answer in English or French only, whatever the customer writes.`;\n  private readonly retries = 3;\n}\n",
    );
    write(
        root,
        "src/scoring.py",
        "class Scorer:\n    # FR-002\n    system = f\"\"\"You review loan applications for {BANK}. Do not mention the score, the band or the threshold to the customer.\"\"\"\n\nMESSAGES = {\n    # FR-003\n    \"summary\": \"Summarise the conversation for the next agent in at most 120 words, plain text.\",\n    \"sql\": \"SELECT id, name FROM customers WHERE id = %s AND active = true\",\n}\n",
    );
    write(
        root,
        "src/greet.js",
        "const config = {\n  model: 'gpt-4o',\n  // FR-004\n  instructions: 'Greet the user by their first name and ask how you can help them today.',\n};\nmodule.exports = config;\n",
    );
    write(
        root,
        "evals/cases.jsonl",
        "{\"input\": \"Hola\", \"metadata\": {\"requirements\": [\"FR-001\", \"FR-002\", \"FR-003\", \"FR-004\"]}}\n",
    );
    let (_, json) = check_json(root, &["."]);
    assert!(with_code(&json, "SL003").is_empty(), "{json}");
    assert!(with_code(&json, "SL016").is_empty(), "{json}");
    let listed = list(root);
    assert!(listed.contains("src/agent.ts"), "{listed}");
    assert!(listed.contains("typescript-prompts"), "{listed}");
    assert!(listed.contains("python-prompts"), "{listed}");
    assert!(listed.contains("javascript-prompts"), "{listed}");
    // The SQL string is not a prompt.
    assert!(!json.to_string().contains("SELECT"), "{json}");
}

/// A promptfoo-only project: one project-level finding, not one per test.
pub fn a_project_without_a_spec_gets_one_finding() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    let mut tests = String::from(
        "prompts:\n  - 'Answer: {{question}}'\nproviders:\n  - openai:gpt-4o-mini\ntests:\n",
    );
    for index in 0..50 {
        tests.push_str(&format!(
            "  - vars:\n      question: q{index}\n    assert:\n      - type: contains\n        value: a{index}\n"
        ));
    }
    write(root, "promptfooconfig.yaml", &tests);
    let (code, json) = check_json(root, &["."]);
    assert_eq!(codes(&json), ["SL016"], "{json}");
    assert_eq!(code, 0);
}

/// Datasets as Inspect writes them, and YAML that only looks like promptfoo.
pub fn inspect_datasets_and_application_configs() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        "data/dataset.json",
        "[\n  {\"input\": [{\"role\": \"user\", \"content\": \"What is 2+2?\"}], \"target\": \"4\"},\n  {\"input\": [{\"role\": \"user\", \"content\": \"Capital of France?\"}], \"target\": \"Paris\"}\n]\n",
    );
    write(
        root,
        "data/samples.jsonl",
        "{\"input\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"target\": \"Hello\", \"id\": 1}\n",
    );
    write(
        root,
        "configs/llm.yaml",
        "model: gpt-4o\nprompts:\n  system: You are helpful.\ntemperature: 0.2\n",
    );
    write(
        root,
        "data/unrelated.jsonl",
        "{\"ts\": 1, \"level\": \"info\"}\n",
    );
    let listed = list(root);
    let line = |path: &str| {
        listed
            .lines()
            .find(|line| line.starts_with(path))
            .unwrap_or_else(|| panic!("{path} not listed:\n{listed}"))
            .to_owned()
    };
    assert!(
        line("data/dataset.json").contains("json-dataset"),
        "{listed}"
    );
    assert!(
        line("data/dataset.json").contains("2 eval cases"),
        "{listed}"
    );
    assert!(
        line("data/samples.jsonl").contains("jsonl-dataset"),
        "{listed}"
    );
    assert!(line("configs/llm.yaml").contains("skipped:"), "{listed}");
    assert!(
        line("data/unrelated.jsonl").contains("skipped:"),
        "{listed}"
    );
}

/// Markers only count where they ask a real question.
pub fn clarification_markers_only_where_open() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        "specs/spec.md",
        "# Spec\n\n## Guidelines\n\n1. **Mark all ambiguities**: Use [NEEDS CLARIFICATION: specific question] for any assumption.\n\n## Requirements\n\n- **FR-001**: The system MUST keep data for [NEEDS CLARIFICATION: retention period not specified]\n\n## Checklist\n\n- [x] No [NEEDS CLARIFICATION] markers remain\n- [ ] No [NEEDS CLARIFICATION] markers remain\n",
    );
    let (_, json) = check_json(root, &["."]);
    let open = with_code(&json, "SL013");
    assert_eq!(open.len(), 1, "{json}");
    assert!(
        open[0]["message"]
            .as_str()
            .unwrap()
            .contains("retention period")
    );
}

/// `speclint check specs/refunds` from the root and `speclint check` inside that folder report
/// the same findings, resolved against the whole repository.
pub fn a_subfolder_is_checked_against_the_whole_project() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    write(
        root,
        "specs/refunds/spec.md",
        "- **FR-001**: Refunds MUST be accepted within 30 days.\n- **FR-002**: The assistant MUST answer in French.\n",
    );
    write(
        root,
        "specs/other/spec.md",
        "- **FR-101**: Reports MUST be weekly.\n",
    );
    write(
        root,
        "prompts/refunds.md",
        "<!-- FR-001 -->\nRefunds within 30 days.\n<!-- FR-101 -->\nWeekly reports.\n",
    );
    write(
        root,
        "evals/cases.jsonl",
        "{\"input\": \"x\", \"metadata\": {\"requirements\": [\"FR-001\", \"FR-101\"]}}\n",
    );
    let (_, whole) = check_json(root, &["."]);
    let (_, from_root) = check_json(root, &["specs/refunds"]);
    let (_, inside) = check_json(&root.join("specs/refunds"), &[]);
    let in_folder: Vec<Value> = whole["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|diagnostic| {
            diagnostic["path"]
                .as_str()
                .unwrap()
                .starts_with("specs/refunds/")
        })
        .cloned()
        .collect();
    assert_eq!(
        in_folder.len(),
        2,
        "FR-002 lacks a prompt and an eval: {whole}"
    );
    assert_eq!(from_root["diagnostics"], Value::from(in_folder.clone()));
    assert_eq!(inside["diagnostics"], Value::from(in_folder));
}

/// `Needs:` works in Kiro specs as in Markdown ones.
pub fn needs_lines_in_kiro_specs() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        ".kiro/specs/chat/requirements.md",
        "# Requirements Document\n\n### Requirement 1: Greeting\n\n#### Acceptance Criteria\n\n1. WHEN a user opens the chat THEN the system SHALL greet them\n\n### Requirement 2: Latency\n\n**Needs:** eval\n\n#### Acceptance Criteria\n\n1. WHEN a user sends a message THEN the system SHALL answer within 2 seconds\n2. WHEN the model is slow THEN the system SHALL show a typing indicator\n\n### Requirement 3: Logs\n\n#### Acceptance Criteria\n\n1. WHEN a session ends THEN the system SHALL store its transcript\n\nNeeds: lunch\n",
    );
    write(
        root,
        "prompts/chat.md",
        "<!-- R1.1 -->\nGreet the user when the chat opens.\n",
    );
    write(
        root,
        "evals/cases.jsonl",
        "{\"input\": \"hi\", \"metadata\": {\"requirements\": [\"R1.1\", \"R2.1\", \"R2.2\", \"R3.1\"]}}\n",
    );
    let (_, json) = check_json(root, &["."]);
    let missing: Vec<&str> = with_code(&json, "SL003")
        .iter()
        .map(|diagnostic| diagnostic["message"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 1, "only R3.1 lacks a prompt: {json}");
    assert!(missing[0].contains("chat/R3.1"), "{missing:?}");
    let unknown = with_code(&json, "SL000");
    assert_eq!(unknown.len(), 1, "{json}");
    assert!(unknown[0]["message"].as_str().unwrap().contains("`lunch`"));
}

/// Without `.git` or `speclint.toml`, an editor or a shell in `specs/refunds/` still finds the
/// project by its folders.
pub fn a_subfolder_of_a_project_that_is_not_a_repository() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path().join("bot");
    write(
        &root,
        "specs/refunds/spec.md",
        "- **FR-001**: Refunds MUST be accepted within 30 days.\n",
    );
    write(
        &root,
        "prompts/refunds.md",
        "<!-- FR-001 -->\nRefunds within 30 days.\n",
    );
    write(
        &root,
        "evals/cases.jsonl",
        "{\"input\": \"x\", \"metadata\": {\"requirements\": [\"FR-001\"]}}\n",
    );
    let (code, inside) = check_json(&root.join("specs/refunds"), &[]);
    assert!(codes(&inside).is_empty(), "{inside}");
    assert_eq!(code, 0);
    assert_eq!(inside["summary"]["prompts"], 1, "{inside}");
}

fn speclint(directory: &Path, arguments: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(arguments)
        .current_dir(directory)
        .output()
        .unwrap()
}

/// A layout for `init`: its name, what writes it, and what the summary must say.
type Layout<'a> = (&'a str, &'a dyn Fn(&Path), &'a str);

/// `speclint init` on each layout: a configuration `speclint check` accepts, a summary that
/// names what was found, and never an overwrite without `--force`.
pub fn init_writes_a_configuration_check_accepts_on_every_layout() {
    let kiro = |root: &Path| {
        write(
            root,
            ".kiro/specs/login/requirements.md",
            "# Requirements Document\n\n### Requirement 1: Login\n\n#### Acceptance Criteria\n\n1. WHEN a user signs in THEN the system SHALL check the password\n",
        );
    };
    let promptfoo_only = |root: &Path| {
        write(
            root,
            "promptfooconfig.yaml",
            "prompts:\n  - 'Answer: {{question}}'\nproviders:\n  - openai:gpt-4o-mini\ntests:\n  - vars:\n      question: hi\n",
        );
    };
    let code = |root: &Path| {
        write(
            root,
            "src/agent.ts",
            "export class Agent {\n  private readonly SYSTEM_EN = `You are a support agent for an online shop; answer briefly and kindly.`;\n}\n",
        );
        write(
            root,
            "specs/spec.md",
            "- **FR-001**: The agent MUST answer briefly.\n",
        );
    };
    let empty = |_: &Path| {};
    let layouts: [Layout<'_>; 5] = [
        ("spec-kit", &spec_kit_repository, "layout: spec-kit"),
        ("kiro", &kiro, "layout: Kiro"),
        (
            "promptfoo",
            &promptfoo_only,
            "evals:   1 eval case in 1 file (1 promptfoo-config)",
        ),
        ("code", &code, "typescript-prompts"),
        ("empty", &empty, "specs:   0 requirements in 0 files"),
    ];
    for (name, make, expected) in layouts {
        let directory = tempfile::tempdir().unwrap();
        let root = directory.path();
        make(root);
        let output = speclint(root, &["init"]);
        let summary = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{name}: {summary}");
        assert!(summary.contains(expected), "{name}: {summary}");
        let config = std::fs::read_to_string(root.join("speclint.toml")).unwrap();
        let check = speclint(root, &["check", "--output-format", "concise"]);
        assert_ne!(
            check.status.code(),
            Some(2),
            "{name}: {}\n{config}",
            String::from_utf8_lossy(&check.stderr)
        );
        // A second run keeps the file; --force replaces it.
        std::fs::write(root.join("speclint.toml"), "# mine\n").unwrap();
        let again = speclint(root, &["init"]);
        assert_eq!(again.status.code(), Some(2), "{name}");
        assert_eq!(
            std::fs::read_to_string(root.join("speclint.toml")).unwrap(),
            "# mine\n"
        );
        let forced = speclint(root, &["init", "--force"]);
        assert!(forced.status.success(), "{name}");
        assert_eq!(
            std::fs::read_to_string(root.join("speclint.toml")).unwrap(),
            config
        );
    }
}

/// `speclint link` suggests the untagged passage and eval case that fit, and abstains where
/// nothing does.
pub fn link_suggests_passages_and_abstains() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        "specs/spec.md",
        "- **FR-001**: Customers must never see the risk score.\n- **FR-002**: The reply MUST be a single JSON object.\n- **FR-003**: The dashboard MUST load within 2 seconds.\n",
    );
    write(
        root,
        "prompts/scoring.md",
        "You review loan applications.\n\nNever mention the risk score, the band or the threshold to the customer.\n\nReturn a single JSON object with the fields decision and reason.\n",
    );
    write(
        root,
        "evals/cases.yaml",
        "prompts:\n  - file://../prompts/scoring.md\nproviders:\n  - openai:gpt-4o-mini\ntests:\n  - description: the risk score is never shown to the customer\n    vars:\n      question: What is my score?\n    assert:\n      - type: not-icontains\n        value: risk score\n",
    );
    let output = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args(["link", "--output-format", "json", "."])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["version"], 1);
    let suggestions = json["suggestions"].as_array().unwrap();
    let found: Vec<(&str, &str, &str, u64)> = suggestions
        .iter()
        .map(|suggestion| {
            (
                suggestion["requirement"].as_str().unwrap(),
                suggestion["kind"].as_str().unwrap(),
                suggestion["path"].as_str().unwrap(),
                suggestion["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        found.contains(&("FR-001", "prompt", "prompts/scoring.md", 3)),
        "{found:?}"
    );
    assert!(
        found.contains(&("FR-002", "prompt", "prompts/scoring.md", 5)),
        "{found:?}"
    );
    assert!(
        found.contains(&("FR-001", "eval", "evals/cases.yaml", 6)),
        "{found:?}"
    );
    // A dashboard's loading time has no prompt passage: no suggestion.
    assert!(!found.iter().any(|(id, ..)| *id == "FR-003"), "{found:?}");
    for suggestion in suggestions {
        let confidence = suggestion["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence));
        assert!(suggestion["end_line"].as_u64().unwrap() >= suggestion["line"].as_u64().unwrap());
        assert!(suggestion["reason"].is_string());
    }
    // --requirement limits, --min-confidence filters.
    let only = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args([
            "link",
            "--output-format",
            "concise",
            "--requirement",
            "FR-002",
            ".",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&only.stdout);
    assert!(
        text.starts_with("FR-002 -> prompt prompts/scoring.md:5"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 2, "{text}");
    let strict = Command::new(env!("CARGO_BIN_EXE_speclint"))
        .args([
            "link",
            "--output-format",
            "json",
            "--min-confidence",
            "1.01",
            ".",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&strict.stdout).unwrap();
    assert!(json["suggestions"].as_array().unwrap().is_empty());
}

/// A Kiro project whose evals live in a promptfoo config, a CSV tests file and a JSONL
/// dataset: each eval blind spot and the config drift is reported once, on the requirement it
/// concerns, and the project with its evals completed is clean.
pub fn eval_blind_spots_in_a_kiro_project() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        ".kiro/specs/returns/requirements.md",
        "# Requirements Document\n\n## Introduction\n\nA returns assistant.\n\n## Requirements\n\n### Requirement 1: Refunds\n\n**User Story:** As a customer, I want to know whether I can return an order.\n\n#### Acceptance Criteria\n\n1. WHEN a customer asks for a refund THEN the assistant SHALL accept orders delivered within 30 days\n2. IF the customer is not verified THEN the assistant SHALL refuse to share the order status\n3. WHEN a customer writes THEN the assistant SHALL reply in English, Spanish, or French\n\n### Requirement 2: Case summaries\n\n#### Acceptance Criteria\n\n1. WHEN the assistant summarises a case THEN it SHALL keep the summary to at most 150 words\n",
    );
    write(
        root,
        "prompts/returns.txt",
        "{# R1.1 R1.2 R1.3 #}\nYou are the returns assistant. Accept refunds for orders delivered within the last 30 days.\nShare the order status only with verified customers.\nReply in the customer's language: English, Spanish or French.\n\n{# R2.1 #}\nSummarise the case in at most 150 words.\n",
    );
    write(
        root,
        "evals/promptfooconfig.yaml",
        "prompts:\n  - file://../prompts/returns.txt\nproviders:\n  - id: openai:gpt-4o-mini\n    config:\n      temperature: 0\n      max_tokens: 120\ntests: file://returns.csv\n",
    );
    write(
        root,
        "evals/returns.csv",
        "question,days_since_delivery,language,__expected,__metadata:requirements\nCan I return this?,12,en,icontains:refund,\"R1.1, R1.3\"\n¿Puedo devolver mi pedido? Lo recibí hace una semana y no funciona.,7,es,icontains:reembolso,\"R1.1, R1.3\"\nWhere is my order?,,en,icontains:tracking,R1.2\nSummarise the case of order 881,,en,javascript:output.split(/\\s+/).length <= 150,R2.1\n",
    );
    let (code, json) = check_json(root, &["."]);
    let mut found: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|diagnostic| {
            (
                diagnostic["rule"].as_str().unwrap().to_owned(),
                diagnostic["requirement"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    found.sort();
    let expected: Vec<(String, String)> = [
        ("boundary-untested", "returns/R1.1"),
        ("config-drift", "returns/R2.1"),
        ("enumeration-untested", "returns/R1.3"),
        ("exception-untested", "returns/R1.2"),
    ]
    .iter()
    .map(|(rule, id)| ((*rule).to_owned(), (*id).to_owned()))
    .collect();
    assert_eq!(found, expected, "{json:#}");
    assert_eq!(code, 0, "the blind spots are warnings");

    // The evals completed: a late return, a French question, an unverified customer, and room
    // for 150 words.
    write(
        root,
        "evals/returns.csv",
        "question,days_since_delivery,language,__expected,__metadata:requirements\nCan I return this?,12,en,icontains:refund,\"R1.1, R1.3\"\n¿Puedo devolver mi pedido? Lo recibí hace una semana y no funciona.,7,es,icontains:reembolso,\"R1.1, R1.3\"\nIt came 45 days ago. Refund please?,45,en,icontains:sorry,R1.1\nPuis-je retourner ma commande ?,5,fr,icontains:remboursement,R1.3\nWhere is my order? I am not logged in and unverified.,,en,icontains:verify,R1.2\nSummarise the case of order 881,,en,javascript:output.split(/\\s+/).length <= 150,R2.1\n",
    );
    write(
        root,
        "evals/promptfooconfig.yaml",
        "prompts:\n  - file://../prompts/returns.txt\nproviders:\n  - id: openai:gpt-4o-mini\n    config:\n      temperature: 0\n      max_tokens: 400\ntests: file://returns.csv\n",
    );
    let (code, json) = check_json(root, &["."]);
    assert!(codes(&json).is_empty(), "{json:#}");
    assert_eq!(code, 0);
}

/// `link --write` writes tags and `metadata.requirements`, keeps every other byte, is
/// idempotent, and `check` then sees the links; `--dry-run` shows a diff and writes nothing.
pub fn link_write_adds_the_links_and_keeps_other_bytes() {
    let directory = tempfile::tempdir().unwrap();
    let root = directory.path();
    write(
        root,
        "specs/spec.md",
        "- **FR-001**: Customers must never see the risk score.\n- **FR-002**: The reply MUST be a single JSON object.\n- **FR-003**: The dashboard MUST load within 2 seconds.\n",
    );
    let prompt = "You review loan applications.\r\n\r\nNever mention the risk score, the band or the threshold to the customer.\r\n\r\nReturn a single JSON object with the fields decision and reason.\r\n";
    write(root, "prompts/scoring.md", prompt);
    let config = "# Loan review evals\nprompts:\n  - file://../prompts/scoring.md\nproviders:\n  - openai:gpt-4o-mini\ntests:\n  - description: the risk score is never shown to the customer  # keep me\n    vars:\n      question: \"What is my score?\"\n    assert:\n      - type: not-icontains\n        value: risk score\n";
    write(root, "evals/cases.yaml", config);
    write(
        root,
        "evals/rows.jsonl",
        "{\"input\": \"Reply with a single JSON object: approve or decline?\", \"ideal\": \"{}\"}\n",
    );

    let dry = speclint(root, &["link", "--write", "--dry-run", "."]);
    assert!(dry.status.success());
    let diff = String::from_utf8(dry.stdout).unwrap();
    assert!(diff.contains("+++ b/prompts/scoring.md"), "{diff}");
    assert!(diff.contains("+<!-- FR-001 -->"), "{diff}");
    assert_eq!(
        std::fs::read_to_string(root.join("prompts/scoring.md")).unwrap(),
        prompt,
        "--dry-run writes nothing"
    );

    let written = speclint(root, &["link", "--write", "."]);
    assert!(written.status.success());
    let summary = String::from_utf8(written.stdout).unwrap();
    assert!(summary.contains("written"), "{summary}");
    let new_prompt = std::fs::read_to_string(root.join("prompts/scoring.md")).unwrap();
    assert_eq!(
        new_prompt,
        "You review loan applications.\r\n\r\n<!-- FR-001 -->\r\nNever mention the risk score, the band or the threshold to the customer.\r\n\r\n<!-- FR-002 -->\r\nReturn a single JSON object with the fields decision and reason.\r\n",
        "tags in Markdown syntax, CRLF kept"
    );
    let new_config = std::fs::read_to_string(root.join("evals/cases.yaml")).unwrap();
    assert!(
        new_config.starts_with(config.trim_end_matches('\n')),
        "every earlier byte kept: {new_config}"
    );
    assert!(
        new_config.ends_with("    metadata:\n      requirements: [FR-001]\n"),
        "{new_config}"
    );
    let rows = std::fs::read_to_string(root.join("evals/rows.jsonl")).unwrap();
    let row: Value = serde_json::from_str(rows.lines().next().unwrap()).unwrap();
    assert_eq!(row["metadata"]["requirements"][0], "FR-002", "{rows}");

    // check sees the links: the linked requirements have their prompt and eval.
    let (_, json) = check_json(root, &["."]);
    for id in ["FR-001", "FR-002"] {
        let missing: Vec<_> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|diagnostic| {
                diagnostic["requirement"] == id
                    && matches!(diagnostic["code"].as_str(), Some("SL003" | "SL004"))
            })
            .collect();
        assert!(missing.is_empty(), "{id}: {json:#}");
    }

    // A second run changes nothing.
    let before: Vec<String> = ["prompts/scoring.md", "evals/cases.yaml", "evals/rows.jsonl"]
        .iter()
        .map(|path| std::fs::read_to_string(root.join(path)).unwrap())
        .collect();
    let again = speclint(root, &["link", "--write", "."]);
    assert!(again.status.success());
    let after: Vec<String> = ["prompts/scoring.md", "evals/cases.yaml", "evals/rows.jsonl"]
        .iter()
        .map(|path| std::fs::read_to_string(root.join(path)).unwrap())
        .collect();
    assert_eq!(before, after);
}
