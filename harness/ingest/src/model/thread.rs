//! Threading: who replies to whom, by `In-Reply-To` / `References`.

use super::Message;
use std::collections::HashMap;

/// Message-ID index over the messages of a source.
pub(super) struct Thread<'a> {
    messages: &'a [Message],
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Thread<'a> {
    pub(super) fn new(messages: &'a [Message]) -> Thread<'a> {
        let by_id = messages
            .iter()
            .enumerate()
            .filter_map(|(i, m)| m.message_id.as_deref().map(|id| (id, i)))
            .collect();
        Thread { messages, by_id }
    }

    pub(super) fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The parent of `i` when it is in this source (and not `i` itself).
    pub(super) fn parent(&self, i: usize) -> Option<usize> {
        let p = self.messages.get(i)?.parent_id()?;
        self.index_of(p).filter(|&j| j != i)
    }

    /// `i`'s ancestors in this source, nearest first (bounded; cycles stop it).
    pub(super) fn ancestors(&self, i: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = i;
        while let Some(p) = self.parent(cur) {
            if p == i || out.contains(&p) || out.len() > self.messages.len() {
                break;
            }
            out.push(p);
            cur = p;
        }
        out
    }

    /// The thread root of `i` within this source.
    pub(super) fn root(&self, i: usize) -> usize {
        self.ancestors(i).last().copied().unwrap_or(i)
    }
}
