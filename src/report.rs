//! The traceability matrix behind `speclint report`: every requirement with the prompt passages
//! and eval cases that cover it and its status, computed from the graph and the findings.

use serde::Serialize;

use crate::check::CheckResult;
use crate::source::model::Status;

/// The status of one requirement, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TraceStatus {
    Drifted,
    Stale,
    MissingPrompt,
    Untested,
    Covered,
    Deprecated,
    Draft,
}

impl TraceStatus {
    pub fn label(self) -> &'static str {
        match self {
            TraceStatus::Drifted => "drifted",
            TraceStatus::Stale => "stale",
            TraceStatus::MissingPrompt => "missing prompt",
            TraceStatus::Untested => "untested",
            TraceStatus::Covered => "covered",
            TraceStatus::Deprecated => "deprecated",
            TraceStatus::Draft => "draft",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Place {
    pub path: String,
    pub line: usize,
    /// The eval case's label, for eval cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub id: String,
    pub path: String,
    pub line: usize,
    pub modality: Option<&'static str>,
    pub text: String,
    /// The most severe status.
    pub status: TraceStatus,
    /// Every status that applies, most severe first.
    pub statuses: Vec<TraceStatus>,
    pub prompts: Vec<Place>,
    pub eval_cases: Vec<Place>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    pub requirements: usize,
    pub covered: usize,
    pub drifted: usize,
    pub stale: usize,
    pub missing_prompt: usize,
    pub untested: usize,
    pub not_active: usize,
    /// Share of active requirements with every coverage they need and no drift, in percent.
    pub coverage_percent: f64,
}

/// Adoption per spec file: how many of its active requirements are linked, so that a team
/// can watch the number grow.
#[derive(Clone, Debug, Serialize)]
pub struct SpecFileAdoption {
    pub path: String,
    /// Active requirements defined in the file.
    pub requirements: usize,
    /// Of those, the ones referenced by at least one prompt passage.
    pub with_prompt: usize,
    /// Of those, the ones referenced by at least one eval case.
    pub with_eval: usize,
    /// Of those, the ones with every link they need (`Needs:`, `[coverage] needs`).
    pub linked: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct Matrix {
    pub rows: Vec<Row>,
    pub summary: Summary,
    /// Linked / total per spec file, in path order.
    pub spec_files: Vec<SpecFileAdoption>,
}

pub fn matrix(check: &CheckResult) -> Matrix {
    let graph = &check.graph;
    let mut rows = Vec::new();
    let mut spec_files: std::collections::BTreeMap<String, SpecFileAdoption> =
        std::collections::BTreeMap::new();
    for index in graph.requirement_indices() {
        let requirement = &graph[index];
        // Later duplicate definitions are reported by their own rule; the matrix lists one row
        // per ID.
        if graph.definitions(&requirement.def.id).first() != Some(&index) {
            continue;
        }
        let id = &requirement.def.id;
        let about: Vec<&str> = check
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.requirement.as_deref() == Some(id.as_str()))
            .map(|diagnostic| diagnostic.code)
            .collect();
        let mut statuses = Vec::new();
        match requirement.def.status {
            Status::Deprecated => statuses.push(TraceStatus::Deprecated),
            Status::Draft => statuses.push(TraceStatus::Draft),
            Status::Active => {
                if about
                    .iter()
                    .any(|code| matches!(*code, "SL006" | "SL007" | "SL008" | "SL021"))
                {
                    statuses.push(TraceStatus::Drifted);
                }
                if about.contains(&"SL009") {
                    statuses.push(TraceStatus::Stale);
                }
                if about.contains(&"SL003") {
                    statuses.push(TraceStatus::MissingPrompt);
                }
                if about.contains(&"SL004") {
                    statuses.push(TraceStatus::Untested);
                }
                if statuses.is_empty() {
                    statuses.push(TraceStatus::Covered);
                }
            }
        }
        statuses.sort();
        if requirement.def.status == Status::Active {
            let path = graph.db.path(requirement.def.id_span.file).to_owned();
            let with_prompt = !graph.passages_for(index).is_empty();
            let with_eval = !graph.eval_cases_for(index).is_empty();
            let needs = requirement.needs;
            let adoption = spec_files
                .entry(path.clone())
                .or_insert_with(|| SpecFileAdoption {
                    path,
                    requirements: 0,
                    with_prompt: 0,
                    with_eval: 0,
                    linked: 0,
                });
            adoption.requirements += 1;
            adoption.with_prompt += usize::from(with_prompt);
            adoption.with_eval += usize::from(with_eval);
            let linked = (with_prompt || !needs.prompt) && (with_eval || !needs.eval);
            adoption.linked += usize::from(linked);
        }
        let (start, _) = graph.db.line_column(requirement.def.id_span);
        let place = |span: crate::source_db::Span, label: Option<String>| {
            let (start, _) = graph.db.line_column(span);
            Place {
                path: graph.db.path(span.file).to_owned(),
                line: start.line,
                label,
            }
        };
        rows.push(Row {
            id: id.clone(),
            path: graph.db.path(requirement.def.id_span.file).to_owned(),
            line: start.line,
            modality: requirement
                .def
                .modality
                .map(crate::modality::Modality::keyword),
            text: requirement.def.text.clone(),
            status: statuses.first().copied().unwrap_or(TraceStatus::Covered),
            statuses,
            prompts: graph
                .passages_for(index)
                .iter()
                .map(|&passage| &graph[passage])
                .map(|passage| place(passage.span, None))
                .collect(),
            eval_cases: graph
                .eval_cases_for(index)
                .iter()
                .map(|&case| &graph[case])
                .map(|case| place(case.span, Some(case.label.to_string())))
                .collect(),
        });
    }
    let count = |status: TraceStatus| {
        rows.iter()
            .filter(|row| row.statuses.contains(&status))
            .count()
    };
    let not_active = rows
        .iter()
        .filter(|row| matches!(row.status, TraceStatus::Deprecated | TraceStatus::Draft))
        .count();
    let active = rows.len() - not_active;
    let covered = count(TraceStatus::Covered);
    let summary = Summary {
        requirements: rows.len(),
        covered,
        drifted: count(TraceStatus::Drifted),
        stale: count(TraceStatus::Stale),
        missing_prompt: count(TraceStatus::MissingPrompt),
        untested: count(TraceStatus::Untested),
        not_active,
        coverage_percent: if active == 0 {
            100.0
        } else {
            (covered as f64 * 1000.0 / active as f64).round() / 10.0
        },
    };
    Matrix {
        rows,
        summary,
        spec_files: spec_files.into_values().collect(),
    }
}
