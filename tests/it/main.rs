//! Every integration test, in one binary (one link step), run by libtest-mimic so that a test
//! can be generated per rule fixture and a test whose inputs are missing here (`../shared`,
//! Chromium) is reported as ignored, with the reason, instead of passing silently.
//!
//! A test is a `pub fn` listed in `main` below; an unlisted one is dead code, which clippy
//! rejects in CI, so none is forgotten.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod architecture;
mod bad_input;
mod cache;
mod ci_docs;
mod cli;
mod disk_state;
mod drift_corpus;
mod example;
mod formats;
mod generated;
mod layouts;
mod link_corpus;
mod lock;
mod lsp;
mod memo;
mod outputs;
mod patch;
mod realworld;
mod report;
mod rule_fixtures;
mod safe_write;
mod support;

use libtest_mimic::{Arguments, Trial};

/// Trials for test functions, named `module::function`.
macro_rules! tests {
    ($($module:ident::$function:ident),+ $(,)?) => {
        vec![$(
            Trial::ignorable_test(
                concat!(stringify!($module), "::", stringify!($function)),
                || support::TestOutcome::into_completion($module::$function()),
            )
        ),+]
    };
}

fn main() {
    let arguments = Arguments::from_args();
    let mut trials = rule_fixtures::trials();
    trials.extend(tests![
        architecture::every_import_is_allowed_by_docs_architecture,
        architecture::the_table_names_every_module,
        bad_input::yaml_alias_bomb,
        cache::a_second_run_reads_every_file_from_the_cache,
        cache::a_changed_file_that_a_config_reads_is_read_again,
        cache::a_new_file_that_a_glob_matches_is_seen,
        cache::a_damaged_or_foreign_cache_is_ignored_and_rewritten,
        cache::no_cache_writes_nothing,
        cache::files_of_old_settings_and_versions_are_pruned,
        cache::findings_are_reused_only_while_nothing_they_depend_on_changed,
        cache::reused_findings_give_every_output_and_baseline_an_uncached_run_gives,
        cache::a_settled_file_rewritten_with_its_old_time_and_length_is_read_again,
        cache::files_checked_right_after_they_were_written_get_their_stamps_once_they_settle,
        cache::drawings_are_kept_only_for_findings_drawn_the_same,
        cache::an_output_that_fails_while_kept_bytes_are_copied,
        cache::suggestions_follow_edits_to_untagged_passages_and_cases,
        cache::findings_of_requirements_that_moved_are_kept,
        cache::an_unchanged_run_prints_the_kept_output_in_every_format,
        cache::a_kept_output_is_printed_only_when_it_checks_out_and_speaks_for_the_stored_findings,
        cache::structural_edits_give_what_an_uncached_run_gives,
        memo::a_kept_requirement_index_is_used_only_for_the_same_requirements,
        memo::assertion_facts_are_read_once_per_kind_value_and_threshold,
        patch::a_patched_graph_equals_a_full_build_after_random_edits,
        patch::edits_beyond_their_file_are_not_patched,
        patch::patches_equal_full_checks_on_real_projects,
        bad_input::deep_nesting_in_yaml_and_json,
        bad_input::huge_and_sparse_files_are_skipped_by_the_size_limit,
        bad_input::encodings_binary_and_line_endings,
        bad_input::crlf_mixed_endings_and_no_trailing_newline_keep_spans_right,
        bad_input::symlinks_are_not_followed,
        bad_input::unreadable_files_are_reported,
        bad_input::special_files_are_not_read,
        bad_input::file_references_leaving_the_repository_are_refused,
        bad_input::bad_configurations,
        bad_input::a_hundred_thousand_requirements_in_one_file,
        bad_input::git_lfs_pointer_where_data_was_expected,
        bad_input::unreadable_paths_become_problems,
        bad_input::long_unpunctuated_text_with_many_numbers,
        ci_docs::workflows_pass_actionlint,
        ci_docs::actionlint_rejects_a_script_injection,
        cli::cli,
        drift_corpus::drift_detection_is_precise,
        drift_corpus::real_sentence_drift_corpus,
        drift_corpus::real_sentence_citations_hold,
        link_corpus::link_suggestions_against_labelled_projects,
        link_corpus::link_write_on_the_labelled_projects,
        example::every_deliberate_defect_is_found_with_both_sides,
        example::a_corrected_copy_of_the_example_is_clean,
        formats::spec_kit,
        formats::kiro,
        formats::yaml_spec,
        formats::text_prompts,
        formats::code_prompts,
        formats::prompty_and_dotprompt,
        formats::github_models,
        formats::promptfoo,
        formats::openai_evals,
        formats::inspect_datasets,
        formats::promptfoo_runs_and_rejected_inputs,
        formats::own_yaml_files_are_read_as_serde_saphyr_reads_them,
        formats::own_json_files_are_read_as_two_passes_read_them,
        generated::config_schema_is_current,
        generated::output_schema_is_current,
        generated::rule_reference_is_current,
        generated::readme_rules_table_is_current,
        generated::json_output_matches_its_schema,
        generated::example_specs_match_the_spec_schema,
        disk_state::a_changed_added_or_removed_file_is_seen,
        layouts::spec_kit_features_templates_plans_and_tasks,
        layouts::eval_blind_spots_in_a_kiro_project,
        layouts::link_write_adds_the_links_and_keeps_other_bytes,
        layouts::a_template_outside_specify_is_not_a_spec,
        layouts::kiro_specs_in_other_languages,
        layouts::a_requirements_document_that_yields_nothing_is_reported,
        layouts::prompts_in_classes_objects_and_dicts,
        layouts::a_project_without_a_spec_gets_one_finding,
        layouts::inspect_datasets_and_application_configs,
        layouts::clarification_markers_only_where_open,
        layouts::a_subfolder_is_checked_against_the_whole_project,
        layouts::needs_lines_in_kiro_specs,
        layouts::a_subfolder_of_a_project_that_is_not_a_repository,
        layouts::init_writes_a_configuration_check_accepts_on_every_layout,
        layouts::link_suggests_passages_and_abstains,
        lock::rewording_one_requirement_makes_exactly_its_links_stale,
        lock::reformatting_the_spec_makes_nothing_stale,
        lock::the_lock_is_sorted_and_stable,
        lock::a_malformed_lock_is_reported_and_not_overwritten,
        lsp::incremental_diagnostics_equal_a_full_check_after_random_edits,
        lsp::edits_to_files_a_config_reads_equal_a_full_check,
        lsp::kept_tests_files_are_read_again_under_a_new_file_id,
        lsp::language_server_end_to_end,
        lsp::ten_thousand_rapid_changes_are_debounced_and_the_server_stays_responsive,
        lsp::typing_is_checked_at_the_first_key_and_when_it_stops,
        lsp::checks_are_traced_while_the_client_asks,
        lsp::a_killed_editor_ends_the_server_with_its_documented_code,
        outputs::sarif_is_valid_against_the_sarif_2_1_0_schema,
        outputs::machine_formats_parse,
        outputs::changed_since_keeps_changed_files_and_changed_requirements,
        outputs::sarif_paths_are_uri_references_and_fingerprints_distinct,
        outputs::gitlab_fingerprints_are_distinct_for_repeated_findings,
        outputs::junit_is_valid_against_jenkins_xsd,
        outputs::ci_paths_are_relative_to_the_repository_root,
        outputs::sarif_passes_the_sarif_multitool,
        outputs::a_configured_baseline_applies_everywhere,
        realworld::every_realworld_folder_is_read_without_a_crash,
        realworld::requirements_are_counted_exactly_in_named_specs,
        realworld::promptfoo_tests_are_counted_from_every_source,
        realworld::the_known_broken_promptfoo_reference_is_found,
        realworld::promptfoo_examples_have_no_false_eval_config_problems,
        realworld::yaml_files_are_read_as_serde_saphyr_reads_them,
        realworld::json_files_are_read_as_two_passes_read_them,
        report::every_format_lists_every_requirement_with_its_status,
        report::the_html_report_works_in_a_browser,
        safe_write::a_failed_write_leaves_the_old_file_and_no_temporary,
        safe_write::killing_speclint_while_it_writes_never_leaves_a_torn_lock,
    ]);
    libtest_mimic::run(&arguments, trials).exit();
}
