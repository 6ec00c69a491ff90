//! `prerequisite-patch-id:` lines (b4 writes them with `git patch-id
//! --stable`): found among the patches on offer (the input's own messages,
//! the threads fetched for `prerequisite-message-id:`) by computing each
//! one's stable patch-id ([`crate::patch_id`]).

use harness_ingest::{Message, Series, SeriesPatch};
use serde::Serialize;

use crate::patch_id::stable_patch_id;

/// What became of one `prerequisite-patch-id:`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum PatchIdOutcome {
    /// Found: this message's patch is applied first.
    Resolved {
        patch_id: String,
        message_id: Option<String>,
        subject: String,
    },
    /// Already among the prerequisites (a fetched prerequisite series).
    AlreadyPrerequisite { patch_id: String, name: String },
    /// A patch of the series itself has that id.
    InSeries { patch_id: String, name: String },
    /// No patch on offer has that id.
    NotFound { patch_id: String },
}

/// `id` as given (lower case) matches the full id `full` (a prefix of at
/// least 7 digits counts, as git abbreviates).
fn same_id(id: &str, full: &str) -> bool {
    id.len() >= 7 && full.starts_with(id)
}

/// Resolve `ids` against the series (`series`), the prerequisites found so
/// far (`already`), and the messages on offer (`offered`, in order: the
/// first carrying a patch with the id is taken). Returns the patches to
/// apply first (in the order of `ids`) and an outcome per id.
pub fn resolve_patch_ids(
    ids: &[String],
    series: &Series,
    already: &[SeriesPatch],
    offered: &[&Message],
) -> (Vec<SeriesPatch>, Vec<PatchIdOutcome>) {
    let ids_of = |ps: &[SeriesPatch]| -> Vec<Option<String>> {
        ps.iter().map(|p| stable_patch_id(&p.content)).collect()
    };
    let in_series = ids_of(&series.patches);
    let in_already = ids_of(already);
    let on_offer: Vec<Option<String>> = offered
        .iter()
        .map(|m| m.is_patch().then(|| stable_patch_id(&m.content)).flatten())
        .collect();
    let find = |list: &[Option<String>], id: &str| {
        list.iter()
            .position(|p| p.as_deref().is_some_and(|p| same_id(id, p)))
    };
    let mut first = Vec::new();
    let mut outcomes = Vec::new();
    for raw in ids {
        let patch_id = raw.trim().to_ascii_lowercase();
        let outcome = if let Some(i) = find(&in_series, &patch_id) {
            PatchIdOutcome::InSeries {
                patch_id,
                name: series.patches[i].name.clone(),
            }
        } else if let Some(i) = find(&in_already, &patch_id) {
            PatchIdOutcome::AlreadyPrerequisite {
                patch_id,
                name: already[i].name.clone(),
            }
        } else if let Some(i) = find(&on_offer, &patch_id) {
            let m = offered[i];
            first.push(SeriesPatch {
                index: 0,
                name: format!("prerequisite patch-id {}: {}", short(&patch_id), m.subject),
                subject: Some(m.subject.clone()),
                strip: 1,
                content: m.content.clone(),
                from_mail: true,
                message_id: m.message_id.clone(),
                revision: Some(m.info.version),
            });
            PatchIdOutcome::Resolved {
                patch_id,
                message_id: m.message_id.clone(),
                subject: m.subject.clone(),
            }
        } else {
            PatchIdOutcome::NotFound { patch_id }
        };
        outcomes.push(outcome);
    }
    (first, outcomes)
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: &[u8] = b"Message-ID: <p@x>\nSubject: [PATCH] add sub\n\nmsg\n---\ndiff --git a/u.h b/u.h\n--- a/u.h\n+++ b/u.h\n@@ -1,2 +1,3 @@\n int add(int a, int b);\n+int sub(int a, int b);\n #endif\n";
    const S: &[u8] = b"Message-ID: <s@x>\nSubject: [PATCH] add mul\n\nmsg\n---\ndiff --git a/u.h b/u.h\n--- a/u.h\n+++ b/u.h\n@@ -2,2 +2,3 @@\n int sub(int a, int b);\n+int mul(int a, int b);\n #endif\n";

    fn series_of(raw: &[u8]) -> Series {
        Series {
            name: "s".into(),
            kind: harness_ingest::SourceKind::Mbox,
            root: ".".into(),
            patches: vec![SeriesPatch {
                index: 1,
                name: "0001-add-mul.patch".into(),
                subject: None,
                strip: 1,
                content: raw.to_vec(),
                from_mail: true,
                message_id: None,
                revision: None,
            }],
        }
    }

    #[test]
    fn ids_resolve_to_offered_patches_the_series_or_nothing() {
        let p = Message::from_raw(0, "m".into(), 1, P);
        let p_id = stable_patch_id(&p.content).expect("P has a diff");
        let s_id = stable_patch_id(S).expect("S has a diff");
        let ids = vec![p_id[..10].to_uppercase(), s_id.clone(), "f".repeat(40)];
        let (first, outcomes) = resolve_patch_ids(&ids, &series_of(S), &[], &[&p]);
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].message_id.as_deref(), Some("p@x"));
        assert!(matches!(&outcomes[0], PatchIdOutcome::Resolved { .. }));
        assert!(matches!(&outcomes[1], PatchIdOutcome::InSeries { .. }));
        assert_eq!(
            outcomes[2],
            PatchIdOutcome::NotFound {
                patch_id: "f".repeat(40)
            }
        );
        // already among the prerequisites: not applied twice
        let (first, outcomes) = resolve_patch_ids(&ids[..1], &series_of(S), &first, &[&p]);
        assert!(first.is_empty());
        assert!(matches!(
            &outcomes[0],
            PatchIdOutcome::AlreadyPrerequisite { .. }
        ));
    }
}
