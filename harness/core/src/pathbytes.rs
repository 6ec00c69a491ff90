//! Byte-exact path names: see harness-schema.
pub use harness_schema::pathbytes::*;
