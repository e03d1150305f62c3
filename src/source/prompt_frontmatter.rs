//! Prompt files with YAML front matter: Microsoft `.prompty` (front matter, then `system:` /
//! `user:` sections in Jinja) and Google dotprompt `.prompt` (front matter, then Handlebars with
//! `{{role "system"}}` blocks). The front matter is checked as YAML; the body is read like a text
//! prompt, so `{# FR-001 #}` and `{{!-- FR-001 --}}` comments reference requirements.

use crate::requirement_id::IdPattern;
use crate::source::model::{Extraction, Problem};
use crate::source::prompt_text;
use crate::source::yaml;
use crate::source_db::{FileId, Span};

pub fn load_prompty(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    load_with_front_matter(file, text, pattern)
}

pub fn load_dotprompt(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    load_with_front_matter(file, text, pattern)
}

fn load_with_front_matter(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    let Some((front_start, front_end, body_start)) = front_matter(text) else {
        return prompt_text::load(file, text, pattern);
    };
    let mut extraction = Extraction::default();
    let front = text.get(front_start..front_end).unwrap_or("");
    let parsed = yaml::parse(front);
    if let Ok(root) = &parsed {
        let place = crate::source::model_settings::Place {
            file,
            base: front_start,
        };
        extraction
            .model_settings
            .extend(crate::source::model_settings::from_prompt_file(
                place,
                root,
                "front matter",
            ));
    }
    if let Err(error) = parsed {
        let offset = front_start
            + error.line_column.map_or(0, |(line, column)| {
                crate::source::spec_yaml::offset_of_line_column(front, line, column)
            });
        extraction.problems.push(Problem::error(
            Span::new(file, offset, offset),
            format!("YAML syntax error in the front matter: {}", error.message),
        ));
    }
    // The body is read in place, so that spans stay offsets into the whole file.
    let masked = mask_before(text, body_start);
    let body = prompt_text::load(file, &masked, pattern);
    extraction.merge(body);
    extraction
}

/// `(front matter start, front matter end, body start)` for a file opening with `---`.
pub fn front_matter(text: &str) -> Option<(usize, usize, usize)> {
    let first_line_end = text.find('\n')?;
    if text.get(..first_line_end)?.trim_end() != "---" {
        return None;
    }
    let front_start = first_line_end + 1;
    let mut offset = front_start;
    for line in text.get(front_start..)?.split_inclusive('\n') {
        if line.trim_end() == "---" {
            return Some((front_start, offset, offset + line.len()));
        }
        offset += line.len();
    }
    None
}

/// The text with everything before `start` replaced by spaces (newlines kept), so that a loader
/// run on it reports offsets valid in the original.
pub fn mask_before(text: &str, start: usize) -> String {
    let mut masked = String::with_capacity(text.len());
    for (index, character) in text.char_indices() {
        if index >= start {
            masked.push_str(text.get(index..).unwrap_or(""));
            break;
        }
        if character == '\n' {
            masked.push('\n');
        } else {
            for _ in 0..character.len_utf8() {
                masked.push(' ');
            }
        }
    }
    masked
}
