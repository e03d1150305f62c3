//! speclint keeps an LLM feature's spec, prompts and evals in agreement.
//!
//! Data flows one way: [`source`] loaders read files into plain data, [`graph`] links it into an
//! immutable requirements graph, [`rules`] read the graph and emit [`diagnostic`]s, and
//! [`render`] turns them into text. Only `main.rs` prints.

pub mod baseline;
pub mod cache;
pub mod changed;
pub mod check;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod facts;
pub mod graph;
pub mod lock;
pub mod lsp;
pub mod modality;
pub mod render;
pub mod report;
pub mod rules;
pub mod source;
pub mod suppress;
