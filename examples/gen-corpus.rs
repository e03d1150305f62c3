//! Writes a deterministic benchmark repository: `cargo run --release --example gen-corpus --
//! --scale 1 --seed 42 --out target/corpus-1`.
//!
//! Scale 1 is 10,000 requirements (spec-kit Markdown with bold-ID items, headings and tables),
//! 2,000 prompt files (Markdown, Jinja and Python modules with prompt constants) and 100,000
//! eval cases (promptfoo configs with inline tests, CSV and JSONL test files, JSONL datasets).
//! A few percent of the links are deliberately broken, drifted or missing, so every rule has
//! work. The random numbers come from SplitMix64, seeded, so the same arguments always write
//! the same files.

// A benchmark tool with its own fixed tables, not a reader of user input: indexing within
// bounds it computes itself, and panicking on an unwritable output folder, are what it should do.
#![allow(clippy::indexing_slicing, clippy::panic)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound.max(1)
    }

    /// True with the given percentage.
    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const TOPICS: &[&str] = &[
    "refund",
    "shipping",
    "invoice",
    "warranty",
    "subscription",
    "password",
    "delivery",
    "discount",
    "loyalty",
    "exchange",
    "payment",
    "receipt",
    "address",
    "order",
    "voucher",
    "complaint",
];
const ACTIONS: &[&str] = &[
    "answer",
    "summarise",
    "escalate",
    "confirm",
    "explain",
    "verify",
    "list",
    "cite",
];

struct Requirement {
    id: String,
    topic: &'static str,
    action: &'static str,
    days: u64,
    words: u64,
    negative: bool,
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)
            .unwrap_or_else(|error| panic!("{}: {error}", parent.display()));
    }
    std::fs::write(path, text).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
}

fn requirement_sentence(requirement: &Requirement) -> String {
    if requirement.negative {
        format!(
            "The assistant MUST NOT {} {} details for another customer.",
            requirement.action, requirement.topic
        )
    } else {
        format!(
            "The assistant MUST {} {} questions within {} days, in at most {} words.",
            requirement.action, requirement.topic, requirement.days, requirement.words
        )
    }
}

fn prompt_sentence(requirement: &Requirement, random: &mut Random) -> String {
    // A few percent of prompts drift from their requirement.
    let days = if random.percent(3) {
        requirement.days + 7
    } else {
        requirement.days
    };
    if requirement.negative {
        format!(
            "Never {} {} details for another customer.",
            requirement.action, requirement.topic
        )
    } else {
        format!(
            "Always {} {} questions within {days} days and keep it to {} words or fewer.",
            requirement.action, requirement.topic, requirement.words
        )
    }
}

fn main() {
    let mut scale = 1.0f64;
    let mut seed = 42u64;
    let mut out = PathBuf::from("target/corpus");
    let mut arguments = std::env::args().skip(1);
    while let Some(argument) = arguments.next() {
        match argument.as_str() {
            "--scale" => {
                scale = arguments
                    .next()
                    .and_then(|value| value.parse().ok())
                    .unwrap_or(scale)
            }
            "--seed" => {
                seed = arguments
                    .next()
                    .and_then(|value| value.parse().ok())
                    .unwrap_or(seed)
            }
            "--out" => out = arguments.next().map(PathBuf::from).unwrap_or(out),
            other => {
                eprintln!(
                    "unknown argument {other}; usage: gen-corpus [--scale N] [--seed N] [--out DIR]"
                );
                std::process::exit(2);
            }
        }
    }
    let mut random = Random(seed);
    let requirement_count = (10_000.0 * scale).round() as usize;
    let prompt_files = (2_000.0 * scale).round().max(1.0) as usize;
    let eval_cases = (100_000.0 * scale).round() as usize;
    if out.exists() {
        std::fs::remove_dir_all(&out).unwrap_or_else(|error| panic!("{}: {error}", out.display()));
    }

    // Requirements, 100 per spec file.
    let requirements: Vec<Requirement> = (0..requirement_count)
        .map(|index| Requirement {
            id: format!("FR-{}", index + 1),
            topic: TOPICS[random.below(TOPICS.len() as u64) as usize],
            action: ACTIONS[random.below(ACTIONS.len() as u64) as usize],
            days: 7 + random.below(60),
            words: 50 + 10 * random.below(20),
            negative: random.percent(10),
        })
        .collect();
    for (feature, chunk) in requirements.chunks(100).enumerate() {
        let mut spec = format!(
            "# Feature Specification: feature {feature}\n\n## Requirements\n\n### Functional Requirements\n\n"
        );
        let mut headings = String::new();
        let mut table = String::from(
            "\n### Non-functional Requirements\n\n| ID | Requirement |\n|----|-------------|\n",
        );
        for requirement in chunk {
            let sentence = requirement_sentence(requirement);
            match random.below(10) {
                0..=6 => {
                    let _ = writeln!(spec, "- **{}**: {sentence}", requirement.id);
                }
                7 | 8 => {
                    let _ = write!(
                        headings,
                        "\n### {}: {} handling\n\n{sentence}\n",
                        requirement.id, requirement.topic
                    );
                }
                _ => {
                    let _ = writeln!(table, "| {} | {sentence} |", requirement.id);
                }
            }
        }
        spec.push_str(&table);
        spec.push_str(&headings);
        write(
            &out.join(format!("specs/{feature:03}-feature/spec.md")),
            &spec,
        );
    }

    // Prompt files: each covers about five requirements; 2% of requirements are left out.
    let per_file = requirement_count.div_ceil(prompt_files).max(1);
    for (index, chunk) in requirements.chunks(per_file).enumerate() {
        let kind = index % 20;
        let mut text = String::new();
        if kind < 3 {
            // A Python module with prompt constants.
            text.push_str(
                "\"\"\"Prompts for one assistant.\"\"\"\n\nMODEL = \"gpt-4o\"  # PROJ-1234\n\n",
            );
            for (number, requirement) in chunk.iter().enumerate() {
                if random.percent(2) {
                    continue;
                }
                let _ = write!(
                    text,
                    "# {}\nPROMPT_{number} = \"\"\"{}\"\"\"\n\n",
                    requirement.id,
                    prompt_sentence(requirement, &mut random)
                );
            }
            write(&out.join(format!("prompts/module_{index:04}.py")), &text);
            continue;
        }
        let jinja = kind < 8;
        text.push_str(
            "You are the support assistant of an online shop. Be friendly and concise.\n\n",
        );
        for requirement in chunk {
            if random.percent(2) {
                continue;
            }
            // 1% of references are typos.
            let id = if random.percent(1) {
                format!("{}9", requirement.id)
            } else {
                requirement.id.clone()
            };
            if jinja {
                let _ = write!(
                    text,
                    "{{# {id} #}}\n{}\n\n",
                    prompt_sentence(requirement, &mut random)
                );
            } else {
                let _ = write!(
                    text,
                    "<!-- {id} -->\n{}\n\n",
                    prompt_sentence(requirement, &mut random)
                );
            }
        }
        let extension = if jinja { "j2" } else { "md" };
        write(
            &out.join(format!("prompts/prompt_{index:04}.{extension}")),
            &text,
        );
    }

    // Eval cases: 10% inline in promptfoo configs, 30% in CSV test files, 60% in JSONL.
    let pick = |random: &mut Random| -> (String, u64) {
        let requirement = &requirements[random.below(requirements.len() as u64) as usize];
        let words = if random.percent(2) {
            requirement.words + 30
        } else {
            requirement.words
        };
        let id = if random.percent(1) {
            format!("{}0x", requirement.id)
        } else {
            requirement.id.clone()
        };
        (id, words)
    };
    let inline = eval_cases / 10;
    let csv_cases = eval_cases * 3 / 10;
    let jsonl_cases = eval_cases - inline - csv_cases;
    let configs = (inline / 200).max(1);
    for config in 0..configs {
        let mut text = format!(
            "description: suite {config}\nprompts:\n  - file://../prompts/prompt_{:04}.md\nproviders:\n  - openai:gpt-4o-mini\ntests:\n",
            (config * 20 + 10) % prompt_files.max(1)
        );
        let count = if config + 1 == configs {
            inline - 200 * (configs - 1)
        } else {
            200
        };
        for case in 0..count {
            let (id, words) = pick(&mut random);
            if random.percent(2) {
                let _ = write!(
                    text,
                    "  - description: untraced case {case}\n    vars: {{question: \"case {case}\"}}\n"
                );
                continue;
            }
            let _ = write!(
                text,
                "  - description: case {case}\n    vars:\n      question: \"Question {case} about {}\"\n    metadata:\n      requirements: [{id}]\n    assert:\n      - type: javascript\n        value: output.split(/\\s+/).length <= {words}\n",
                TOPICS[case % TOPICS.len()]
            );
        }
        if config % 5 == 0 {
            let _ = writeln!(text, "  - file://tests/suite_{config:03}.csv");
        }
        write(
            &out.join(format!("evals/promptfooconfig_{config:03}.yaml")),
            &text,
        );
    }
    let csv_files = configs.div_ceil(5).max(1);
    for file in 0..csv_files {
        let config = file * 5;
        let mut text = String::from("question,__expected,__metadata:requirements\n");
        let count = csv_cases / csv_files + usize::from(file < csv_cases % csv_files);
        for row in 0..count {
            let (id, words) = pick(&mut random);
            let _ = writeln!(
                text,
                "\"Question {row}\",\"javascript: output.split(/\\s+/).length <= {words}\",{id}"
            );
        }
        write(
            &out.join(format!("evals/tests/suite_{config:03}.csv")),
            &text,
        );
    }
    let jsonl_files = (jsonl_cases / 500).max(1);
    for file in 0..jsonl_files {
        let mut text = String::new();
        let count = jsonl_cases / jsonl_files + usize::from(file < jsonl_cases % jsonl_files);
        for row in 0..count {
            let (id, words) = pick(&mut random);
            let _ = writeln!(
                text,
                "{{\"input\": \"Question {row} of dataset {file}\", \"target\": \"an answer\", \"metadata\": {{\"requirements\": [\"{id}\"], \"max_words\": {words}}}}}"
            );
        }
        write(
            &out.join(format!("evals/datasets/dataset_{file:04}.jsonl")),
            &text,
        );
    }
    write(
        &out.join("speclint.toml"),
        "[coverage]\nneeds = [\"prompt\", \"eval\"]\n",
    );
    println!(
        "wrote {} requirements, {prompt_files} prompt files and {eval_cases} eval cases to {}",
        requirement_count,
        out.display()
    );
}
