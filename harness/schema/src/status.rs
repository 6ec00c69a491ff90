//! One name table per status concept.
//!
//! Every status of the report is an enum whose word (the same in JSON, in
//! rendered text and when parsed from matrix.yaml) comes from one table: the
//! [`Word`] impl. Enums defined here get their serde, `Display` and `FromStr`
//! from that table ([`word_enum!`]); the statuses defined by the stage crates
//! (`harness-core`'s apply statuses, `harness-boot`'s boot and test statuses)
//! keep their own derives and their table is checked against their JSON form
//! by the tests below.
//!
//! "Did this stage pass" is [`StageOutcome::passed`], defined once per stage.

use crate::matrix::{AggregateStatus, BootStatus, HunkStatus, TestStatus};
use serde::{Deserialize, Deserializer, Serializer};

/// A status with one word per value.
pub trait Word: Copy + Eq + Sized + 'static {
    /// Every value, in the contract's order.
    const ALL: &'static [Self];
    /// What the status is the status of, for messages ("apply", "build").
    const WHAT: &'static str;
    /// The contract's word for this value.
    fn word(self) -> &'static str;

    /// The value a word names.
    fn from_word(word: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|s| s.word() == word)
    }

    /// Every word, comma separated (for messages).
    fn words() -> String {
        let all: Vec<&str> = Self::ALL.iter().map(|s| s.word()).collect();
        all.join(", ")
    }

    /// Parse a word, or say which words there are.
    fn parse_word(word: &str) -> Result<Self, UnknownWord> {
        Self::from_word(word).ok_or_else(|| UnknownWord {
            word: word.to_owned(),
            what: Self::WHAT,
            known: Self::words(),
        })
    }
}

/// The status of a stage of a cell.
pub trait StageOutcome: Word {
    /// True when the stage did what an undeclared expectation asks: passed.
    fn passed(self) -> bool;
    /// True when the stage did not run (after an earlier stage failed).
    fn not_run(self) -> bool {
        false
    }
}

/// A word that is not a status of its kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{word}` is not a {what} status (one of: {known})")]
pub struct UnknownWord {
    pub word: String,
    pub what: &'static str,
    pub known: String,
}

/// Serialize a status as its word.
pub fn serialize_word<T: Word, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.word())
}

/// Deserialize a status from its word; an unknown word is an error naming
/// the words there are.
pub fn deserialize_word<'de, T: Word, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    let w = String::deserialize(d)?;
    T::parse_word(&w).map_err(serde::de::Error::custom)
}

/// [`deserialize_word`] for an optional field (`#[serde(default,
/// deserialize_with = "status::deserialize_opt_word")]`).
pub fn deserialize_opt_word<'de, T: Word, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(w) => T::parse_word(&w)
            .map(Some)
            .map_err(serde::de::Error::custom),
    }
}

/// [`serialize_word`] for an optional field.
pub fn serialize_opt_word<T: Word, S: Serializer>(v: &Option<T>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_some(v.word()),
        None => s.serialize_none(),
    }
}

/// An enum whose serde, `Display` and `FromStr` come from one word table.
#[macro_export]
macro_rules! word_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $crate::status::Word for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const WHAT: &'static str = $what;
            fn word(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str($crate::status::Word::word(*self))
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::status::UnknownWord;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$name as $crate::status::Word>::parse_word(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                $crate::status::serialize_word(self, s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::status::deserialize_word(d)
            }
        }
    };
}

impl Word for AggregateStatus {
    const ALL: &'static [Self] = &AggregateStatus::ALL;
    const WHAT: &'static str = "apply";
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl StageOutcome for AggregateStatus {
    /// Every hunk is in the tree: applied now, or the series is already
    /// upstream (nothing failed).
    fn passed(self) -> bool {
        self.is_done()
    }
}

impl Word for HunkStatus {
    const ALL: &'static [Self] = &HunkStatus::ALL;
    const WHAT: &'static str = "hunk";
    fn word(self) -> &'static str {
        self.as_str()
    }
}

impl StageOutcome for HunkStatus {
    /// The hunk is in the tree: applied now, or already there.
    fn passed(self) -> bool {
        matches!(self, HunkStatus::Applied | HunkStatus::AlreadyApplied)
    }
}

impl Word for BootStatus {
    const ALL: &'static [Self] = &[
        BootStatus::Passed,
        BootStatus::TestsPassedKernelWarned,
        BootStatus::TestsFailed,
        BootStatus::Panic,
        BootStatus::Timeout,
        BootStatus::NoOutput,
        BootStatus::QemuError,
    ];
    const WHAT: &'static str = "boot";
    fn word(self) -> &'static str {
        match self {
            BootStatus::Passed => "passed",
            BootStatus::TestsPassedKernelWarned => "tests-passed-kernel-warned",
            BootStatus::TestsFailed => "tests-failed",
            BootStatus::Panic => "panic",
            BootStatus::Timeout => "timeout",
            BootStatus::NoOutput => "no-output",
            BootStatus::QemuError => "qemu-error",
        }
    }
}

impl Word for TestStatus {
    const ALL: &'static [Self] = &[
        TestStatus::Pass,
        TestStatus::Fail,
        TestStatus::Skip,
        TestStatus::Xfail,
    ];
    const WHAT: &'static str = "test";
    fn word(self) -> &'static str {
        match self {
            TestStatus::Pass => "pass",
            TestStatus::Fail => "fail",
            TestStatus::Skip => "skip",
            TestStatus::Xfail => "xfail",
        }
    }
}

impl Word for crate::boot::RetryVerdict {
    const ALL: &'static [Self] = &[
        crate::boot::RetryVerdict::Flaky,
        crate::boot::RetryVerdict::FailedAgain,
    ];
    const WHAT: &'static str = "retry";
    fn word(self) -> &'static str {
        match self {
            crate::boot::RetryVerdict::Flaky => "flaky",
            crate::boot::RetryVerdict::FailedAgain => "failed-again",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matrix::{BootOutcome, LimitHit, Severity, StageStatus};

    /// The table of `T` names each value as its JSON form does, every value
    /// once, and parses back.
    fn table_is_the_json_form<T: Word + serde::Serialize + std::fmt::Debug>() {
        let mut seen = std::collections::BTreeSet::new();
        for &v in T::ALL {
            let json = serde_json::to_value(v).expect("serialize");
            assert_eq!(json.as_str(), Some(v.word()), "{v:?}");
            assert_eq!(T::from_word(v.word()), Some(v));
            assert!(seen.insert(v.word()), "{} twice", v.word());
        }
    }

    #[test]
    fn every_table_is_the_json_form() {
        table_is_the_json_form::<AggregateStatus>();
        table_is_the_json_form::<HunkStatus>();
        table_is_the_json_form::<BootStatus>();
        table_is_the_json_form::<TestStatus>();
        table_is_the_json_form::<crate::boot::RetryVerdict>();
        table_is_the_json_form::<StageStatus>();
        table_is_the_json_form::<BootOutcome>();
        table_is_the_json_form::<Severity>();
        table_is_the_json_form::<LimitHit>();
        table_is_the_json_form::<crate::history::RunResult>();
    }

    #[test]
    fn the_tables_hold_every_value() {
        // Counted from the enum definitions (a value missing from ALL would
        // never parse).
        assert_eq!(AggregateStatus::ALL.len(), 5);
        assert_eq!(<BootStatus as Word>::ALL.len(), 7);
        assert_eq!(<TestStatus as Word>::ALL.len(), 4);
        assert_eq!(BootOutcome::ALL.len(), 8);
    }

    #[test]
    fn an_unknown_word_names_the_known_ones() {
        let e = StageStatus::parse_word("faild").expect_err("a typo");
        assert_eq!(
            e.to_string(),
            "`faild` is not a build status (one of: passed, failed, skipped)"
        );
        let e: Result<StageStatus, _> = serde_json::from_str("\"faild\"");
        assert!(e.expect_err("typo").to_string().contains("one of: passed"));
        assert_eq!("skipped".parse::<StageStatus>(), Ok(StageStatus::Skipped));
        assert_eq!(StageStatus::Skipped.to_string(), "skipped");
    }

    #[test]
    fn passed_is_what_an_undeclared_stage_must_do() {
        assert!(AggregateStatus::AlreadyApplied.passed());
        assert!(AggregateStatus::Applied.passed());
        assert!(HunkStatus::AlreadyApplied.passed() && !HunkStatus::Malformed.passed());
        assert!(!AggregateStatus::Partial.passed());
        assert!(StageStatus::Passed.passed() && !StageStatus::Skipped.passed());
        assert!(BootOutcome::Ran(BootStatus::Passed).passed());
        assert!(!BootOutcome::Ran(BootStatus::TestsPassedKernelWarned).passed());
        assert!(!BootOutcome::Skipped.passed());
    }
}
