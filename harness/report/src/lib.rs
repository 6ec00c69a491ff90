//! harness-report: the versioned matrix report model and its renderers
//! (Markdown, JUnit XML, HTML). Never prints.

pub mod model;
