//! harness-core: the pure patch model, parser, apply engine and diagnosis.
//! No processes, no git, no file-system I/O, never prints.

pub mod apply;
mod context;
pub mod diagnose;
mod header;
pub mod parse;
pub mod patch;
pub mod pathbytes;
pub mod report;
