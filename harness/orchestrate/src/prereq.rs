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
