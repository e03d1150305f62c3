//! speclint keeps an LLM feature's spec, prompts and evals in agreement.
//!
//! Data flows one way: [`source`] loaders read files into plain data, [`graph`] links it into an
//! immutable requirements graph, [`rules`] read the graph and emit [`diagnostic`]s, and
//! [`render`] turns them into text. Only `main.rs` prints. `docs/architecture.md` lists which
//! module may import which; `tests/it/architecture.rs` enforces it.

#![warn(clippy::print_stdout, clippy::print_stderr)]

// Leaves: no imports from the crate.
pub mod atomic_write;
pub mod lazy_regex;
pub mod modality;
pub mod needs;
pub mod requirement_id;
pub mod severity;
pub mod source_db;
pub mod stable_hash;

// Settings and the files speclint keeps.
pub mod lockfile;
pub mod settings;

// The pipeline, in the order data flows.
pub mod diagnostic;
pub mod facts;
pub mod graph;
pub mod rules;
pub mod source;

// Configuration, post-filters and the one check entry point.
pub mod baseline;
pub mod changed;
pub mod check;
pub mod config;
pub mod suppress;

// What is built on a check.
pub mod cli;
pub mod error;
pub mod init;
pub mod link;
pub mod link_write;
pub mod lock;
pub mod lsp;
pub mod render;
pub mod report;
