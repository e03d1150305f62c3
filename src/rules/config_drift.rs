use std::collections::HashSet;

use crate::diagnostic::Diagnostic;
use crate::facts::model_claims::{
    json_claim, length_claim, model_claim, same_model, temperature_allowed, temperature_claim,
};
use crate::graph::{Requirement, RequirementIndex};
use crate::rules::{GlobalInput, RequirementRule, check_each_requirement, Drift, Rule, RuleContext, declare_rule};
use crate::source::model::{ModelSettingsDef, Status};
use crate::source_db::FileId;

declare_rule! {
    /// ## What it does
    /// Compares the model settings a requirement states with the settings its prompts and evals
    /// run with: promptfoo `providers` (`config.temperature`, `max_tokens`, `response_format`),
    /// `.prompty` and dotprompt front matter (`model`, `parameters`/`config`,
    /// `output.format`) and GitHub Models `.prompt.yml` files (`model`, `modelParameters`,
    /// `responseFormat`). Settings apply to a requirement when a prompt passage or eval case
    /// linked to it lives in the file that declares them, or in a prompt or test file that
    /// promptfoo config runs.
    ///
    /// It reports:
    /// - a **temperature** the requirement sets ("temperature 0", "temperature at most 0.3") or
    ///   implies ("deterministic", "reproducible", "the same answer for the same question"
    ///   mean temperature 0) that the configured `temperature` breaks;
    /// - an **output length** ("at most 300 words") the configured maximum output tokens cannot
    ///   hold. The conversions assumed: 1 word = 4/3 tokens (0.75 words per token, OpenAI's
    ///   rule of thumb for English), 1 character = 1/4 token, 1 sentence = 25 words,
    ///   1 paragraph = 120 words;
    /// - a **model** the requirement names ("MUST use gpt-4o") that the configuration does not
    ///   run (`gpt-4o-2024-08-06` and `gpt-4o-latest` count as `gpt-4o`; `gpt-4o-mini` does
    ///   not; the provider prefix `openai:` or `googleai/` is ignored);
    /// - **JSON output** the requirement asks for when the configuration explicitly sets a
    ///   plain-text response format (`response_format: {type: text}`, `output.format: text`).
    ///
    /// ## Why is this bad?
    /// No prompt wording can make a model hold a 300-word answer in 100 tokens, or answer
    /// deterministically at temperature 0.9. The spec, the prompt and the evals agree, and
    /// the product still breaks the requirement.
    ///
    /// ## Example
    /// ```yaml
    /// # SUM-001: Summaries MUST be at most 300 words.
    /// providers:
    ///   - id: openai:gpt-4o-mini
    ///     config: {max_tokens: 100}
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// providers:
    ///   - id: openai:gpt-4o-mini
    ///     config: {max_tokens: 500}
    /// ```
    ConfigDrift, code = "SL021", name = "config-drift", level = Warning
}

impl Rule for ConfigDrift {
    fn check(&self, context: &RuleContext<'_>, diagnostics: &mut Vec<Diagnostic>) {
        check_each_requirement(self, context, diagnostics);
    }

    fn per_requirement(&self) -> Option<&dyn RequirementRule> {
        Some(self)
    }
}

impl RequirementRule for ConfigDrift {
    fn check_requirement(
        &self,
        context: &RuleContext<'_>,
        index: RequirementIndex,
        requirement: &Requirement,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let graph = context.graph;
        if graph.model_settings.is_empty() {
            return;
        }
        if requirement.def.status != Status::Active {
            return;
        }
        let text = &requirement.def.text;
        let temperature = temperature_claim(text);
        let length = length_claim(text, context.requirement_quantities(index));
        let model = model_claim(text);
        let json = json_claim(text);
        if temperature.is_none() && length.is_none() && model.is_none() && json.is_none() {
            return;
        }
        let files: HashSet<FileId> = graph
            .linked_passages(index)
            .map(|passage| passage.span.file)
            .chain(graph.linked_eval_cases(index).map(|case| case.span.file))
            .collect();
        // The settings that apply to those files, in the order they were read.
        let mut applying: Vec<usize> = files
            .iter()
            .flat_map(|file| graph.model_settings_of(*file))
            .copied()
            .collect();
        applying.sort_unstable();
        applying.dedup();
        for settings in applying
            .into_iter()
            .filter_map(|position| graph.model_settings.get(position))
        {
            let id = &requirement.def.id;
            let mut report = |span, message: String, label: String, help: String| {
                diagnostics.push(context.drift_diagnostic(
                    &Self::META,
                    Drift {
                        requirement: &requirement.def,
                        artifact_span: span,
                        phrase: "",
                        message,
                        label,
                        help,
                    },
                ));
            };
            if let (Some(claim), Some(configured)) = (&temperature, &settings.temperature)
                && !temperature_allowed(claim, configured.value)
            {
                report(
                    configured.span,
                    format!(
                        "{} sets temperature {} where `{id}` asks for \"{}\"",
                        settings.origin, configured.value, claim.phrase
                    ),
                    format!("temperature {}", configured.value),
                    format!(
                        "set the temperature to {} (or change the requirement)",
                        claim.value
                    ),
                );
            }
            if let (Some(claim), Some(configured)) = (&length, &settings.max_output_tokens)
                && configured.value < claim.tokens
            {
                report(
                    configured.span,
                    format!(
                        "{} caps the output at {} tokens, too few for \"{}\" in `{id}` (about {} tokens)",
                        settings.origin, configured.value, claim.phrase, claim.tokens
                    ),
                    "cannot hold the required length".to_owned(),
                    format!("raise the maximum output tokens to at least {}", claim.tokens),
                );
            }
            if let (Some(required), Some(configured)) = (&model, &settings.model)
                && !same_model(required, &configured.value)
            {
                report(
                    configured.span,
                    format!(
                        "{} runs `{}` where `{id}` names `{required}`",
                        settings.origin, configured.value
                    ),
                    format!("not {required}"),
                    format!("run `{required}` here, or update the requirement"),
                );
            }
            report_json(settings, json.as_deref(), id, &mut report);
        }
    }

    fn global_inputs(&self) -> &'static [GlobalInput] {
        &[GlobalInput::ModelSettings]
    }
}

fn report_json(
    settings: &ModelSettingsDef,
    claim: Option<&str>,
    id: &str,
    report: &mut impl FnMut(crate::source_db::Span, String, String, String),
) {
    let (Some(claim), Some(configured)) = (claim, &settings.json_output) else {
        return;
    };
    if configured.value {
        return;
    }
    report(
        configured.span,
        format!(
            "{} sets a plain-text response format where `{id}` asks for JSON (\"{claim}\")",
            settings.origin
        ),
        "plain text, not JSON".to_owned(),
        "set a JSON response format (`response_format: {type: json_object}`, `output.format: json`)".to_owned(),
    );
}
