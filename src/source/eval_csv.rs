//! CSV eval files: promptfoo test CSVs (`__expected*` assertion columns, `__metadata:<key>`
//! columns, `__description`) and generic datasets (`input`, `target`, ...). A row references
//! requirements through a `__metadata:requirements` or `requirements` column (several IDs
//! separated by commas or spaces), and known IDs in its description.

use compact_str::{CompactString, format_compact};

use crate::requirement_id::{IdPattern, split_id_list};
use crate::source::eval_assertions::from_expected_cell;
use crate::source::eval_refs::REQUIREMENT_KEYS;
use crate::source::model::{
    EvalCaseDef, Extraction, Problem, ProblemLevel, Reference, ReferenceKind,
};
use crate::source_db::{FileId, Span};
use std::sync::Arc;

/// A CSV file of eval cases; `defaults` are references every row inherits (promptfoo
/// `defaultTest`).
pub fn load(file: FileId, text: &str, pattern: &IdPattern, defaults: &[Reference]) -> Extraction {
    let mut extraction = Extraction::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(headers) => headers
            .iter()
            .map(|header| header.trim().to_owned())
            .collect(),
        Err(error) => {
            extraction.problems.push(Problem::error(
                Span::file_start(file),
                format!("invalid CSV header: {error}"),
            ));
            return extraction;
        }
    };
    let requirement_columns: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, header)| is_requirement_column(header))
        .map(|(index, _)| index)
        .collect();
    let description_column = headers
        .iter()
        .position(|header| matches!(header.as_str(), "__description" | "description"));
    let id_column = headers.iter().position(|header| header == "id");
    let expected_columns: Vec<usize> = headers
        .iter()
        .enumerate()
        .filter(|(_, header)| header.starts_with("__expected"))
        .map(|(index, _)| index)
        .collect();

    let mut record = csv::StringRecord::new();
    let mut row_number = 0;
    loop {
        let start = usize::try_from(reader.position().byte()).unwrap_or(0);
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(error) => {
                let at = error
                    .position()
                    .and_then(|position| usize::try_from(position.byte()).ok())
                    .unwrap_or(start);
                extraction.problems.push(Problem::error(
                    Span::new(file, at, at),
                    format!("invalid CSV row: {error}"),
                ));
                continue;
            }
        }
        row_number += 1;
        let end = usize::try_from(reader.position().byte())
            .unwrap_or(text.len())
            .min(text.len());
        if record.len() != headers.len() && !record.iter().all(|cell| cell.trim().is_empty()) {
            let line_end = text
                .get(start..end)
                .map_or(start, |row| start + row.trim_end().len());
            extraction.problems.push(
                Problem::eval_config(
                    Span::new(file, start, line_end),
                    ProblemLevel::Error,
                    format!(
                        "row {row_number} has {} fields where the header has {}: promptfoo rejects a CSV whose rows do not match its header",
                        record.len(),
                        headers.len()
                    ),
                )
                .with_help("quote cells that hold commas, and give every row one cell per column"),
            );
        }
        let row_text = text.get(start..end).unwrap_or("");
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut references = defaults.to_vec();
        for &column in &requirement_columns {
            let cell = record.get(column).unwrap_or("");
            for (_, token) in split_id_list(cell) {
                references.push(Reference {
                    id: CompactString::from(token),
                    span: find_in_row(file, row_text, start, token),
                    kind: ReferenceKind::Explicit,
                });
            }
        }
        let description = description_column
            .and_then(|column| record.get(column))
            .unwrap_or("");
        for found in pattern.find_all(description) {
            references.push(Reference {
                id: CompactString::from(found.id),
                span: find_in_row(file, row_text, start, found.id),
                kind: ReferenceKind::Mention,
            });
        }
        let label = if description.trim().is_empty() {
            id_column
                .and_then(|column| record.get(column))
                .filter(|id| !id.trim().is_empty())
                .map_or_else(|| format_compact!("row {row_number}"), CompactString::from)
        } else {
            CompactString::from(description.trim())
        };
        let line_length = row_text
            .trim_end()
            .find('\n')
            .unwrap_or(row_text.trim_end().len());
        let assertions: Vec<_> = expected_columns
            .iter()
            .filter_map(|&column| {
                let cell = record.get(column)?;
                let span = find_in_row(file, row_text, start, cell.trim());
                from_expected_cell(cell, span)
            })
            .collect();
        let mut inputs = String::new();
        for (column, header) in headers.iter().enumerate() {
            let skipped = requirement_columns.contains(&column)
                || expected_columns.contains(&column)
                || Some(column) == description_column
                || Some(column) == id_column
                || header.starts_with("__");
            if skipped {
                continue;
            }
            if let Some(cell) = record.get(column) {
                inputs.push_str(header);
                inputs.push_str(": ");
                inputs.push_str(cell);
                inputs.push('\n');
            }
        }
        extraction.eval_cases.push(Arc::new(EvalCaseDef {
            span: Span::new(file, start, start + line_length),
            label,
            references: references.into_boxed_slice(),
            assertions: assertions.into_boxed_slice(),
            inputs: inputs.into_boxed_str(),
            runs: 1,
        }));
    }
    extraction
}

/// A CSV dataset found on its own (not through a promptfoo config).
pub fn load_dataset(file: FileId, text: &str, pattern: &IdPattern) -> Extraction {
    load(file, text, pattern, &[])
}

fn is_requirement_column(header: &str) -> bool {
    let key = header.strip_prefix("__metadata:").unwrap_or(header);
    let key = key.trim_end_matches("[]");
    REQUIREMENT_KEYS.contains(&key)
}

fn find_in_row(file: FileId, row_text: &str, row_start: usize, token: &str) -> Span {
    match row_text.find(token) {
        Some(at) => Span::new(file, row_start + at, row_start + at + token.len()),
        None => Span::new(file, row_start, row_start),
    }
}
