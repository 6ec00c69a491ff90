//! harness-core: the pure patch model, parser, apply engine and diagnosis.
//! No processes, no git, no file-system I/O, never prints.

pub mod diagnose;
pub mod report;
