//! What each message is: a patch, a cover letter, a diff sent as a reply,
//! a review, a comment, or none of these.

use super::thread::Thread;
use super::Message;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Patch,
    Cover,
    ReplyPatch,
    Review,
    Comment,
    Other,
}

fn first_role(m: &Message) -> Role {
    if m.is_cover() && m.info.is_patch {
        Role::Cover
    } else if m.is_patch() && m.info.reply {
        Role::ReplyPatch
    } else if m.is_patch() {
        Role::Patch
    } else if m.info.reply && !m.quoted.is_empty() {
        Role::Review
    } else if m.info.reply || m.in_reply_to.is_some() || !m.references.is_empty() {
        Role::Comment
    } else {
        Role::Other
    }
}

/// Roles of all messages. A message without `[PATCH 0/N]` is still a cover
/// letter when a patch replies to it directly and, as b4 requires, it has a
/// diffstat, or it is a thread root by the same author (b4 0.16 `get_series`).
pub(super) fn roles(messages: &[Message], thread: &Thread) -> Vec<Role> {
    let mut roles: Vec<Role> = messages.iter().map(first_role).collect();
    for (j, m) in messages.iter().enumerate() {
        if roles.get(j) != Some(&Role::Patch) {
            continue;
        }
        let Some(p) = m.in_reply_to.as_deref().and_then(|id| thread.index_of(id)) else {
            continue;
        };
        let Some(pm) = messages.get(p) else { continue };
        let naked = !pm.is_patch()
            && !pm.info.reply
            && (pm.diffstat
                || (pm.parent_id().is_none()
                    && pm.from_email().is_some()
                    && pm.from_email() == m.from_email()));
        let plain = matches!(roles.get(p), Some(Role::Other | Role::Comment));
        if naked && plain {
            if let Some(r) = roles.get_mut(p) {
                *r = Role::Cover;
            }
        }
    }
    roles
}
