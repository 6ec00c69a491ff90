//! Keep only the messages of one thread, and write messages as mboxrd.

use harness_ingest::mbox::RawMessage;
use harness_ingest::Message;
use std::collections::{BTreeSet, HashMap};

/// The messages of `all` that belong to the thread of `msgid`: the message
/// itself, its ancestors, and every message whose `In-Reply-To`/`References`
/// name a message already kept (transitively), in server order. A message
/// the server put in the same mbox for another reason (a public-inbox
/// thread joined by subject, a stray) is dropped. Returns the kept raw
/// messages and how many were dropped.
pub fn strict_thread(all: Vec<RawMessage>, msgid: &str) -> (Vec<RawMessage>, usize) {
    let parsed: Vec<Message> = all
        .iter()
        .enumerate()
        .map(|(i, r)| Message::from_raw(i, r.path.clone(), r.line, &r.bytes))
        .collect();
    let by_id: HashMap<&str, usize> = parsed
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.message_id.as_deref().map(|id| (id, i)))
        .collect();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    ids.insert(msgid.to_owned());
    // ancestors of the asked message (the thread's root and the path to it)
    if let Some(&i) = by_id.get(msgid) {
        if let Some(m) = parsed.get(i) {
            ids.extend(m.references.iter().cloned());
            ids.extend(m.in_reply_to.iter().cloned());
        }
    }
    // descendants, to a fixed point
    loop {
        let before = ids.len();
        for m in &parsed {
            let Some(id) = &m.message_id else { continue };
            if ids.contains(id) {
                continue;
            }
            let linked = m
                .in_reply_to
                .iter()
                .chain(m.references.iter())
                .any(|r| ids.contains(r));
            if linked {
                ids.insert(id.clone());
            }
        }
        if ids.len() == before {
            break;
        }
    }
    let total = all.len();
    let kept: Vec<RawMessage> = all
        .into_iter()
        .zip(parsed.iter())
        .filter(|(_, m)| m.message_id.as_ref().is_some_and(|id| ids.contains(id)))
        .map(|(r, _)| r)
        .collect();
    let dropped = total - kept.len();
    (kept, dropped)
}

/// Messages as an mboxrd file: a `From mboxrd@z` separator before each,
/// `>*From ` body lines quoted with one more `>`, a blank line after each.
pub fn to_mboxrd(msgs: &[RawMessage]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n");
        for line in m.bytes.split_inclusive(|&b| b == b'\n') {
            let gts = line.iter().take_while(|&&b| b == b'>').count();
            if line.get(gts..).is_some_and(|r| r.starts_with(b"From ")) {
                out.push(b'>');
            }
            out.extend_from_slice(line);
        }
        if !out.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn mail(id: &str, parent: Option<&str>, subject: &str) -> String {
        let irt = parent
            .map(|p| format!("In-Reply-To: <{p}>\nReferences: <{p}>\n"))
            .unwrap_or_default();
        format!("From mboxrd@z Thu Jan  1 00:00:00 1970\nMessage-ID: <{id}>\n{irt}Subject: {subject}\n\nbody\n>From here\n\n")
    }

    #[test]
    fn keeps_the_thread_drops_strays() {
        let text = [
            mail("root@x", None, "[PATCH 0/1] a"),
            mail("p1@x", Some("root@x"), "[PATCH 1/1] a"),
            mail("other@x", None, "[PATCH 0/1] a"),
            mail("r1@x", Some("p1@x"), "Re: [PATCH 1/1] a"),
            mail("r2@x", Some("other@x"), "Re: [PATCH 0/1] a"),
        ]
        .concat();
        let raw = harness_ingest::mbox::split_mbox(Path::new("t"), text.as_bytes());
        let (kept, dropped) = strict_thread(raw.clone(), "p1@x");
        assert_eq!(dropped, 2);
        assert_eq!(kept.len(), 3);
        // written back, the file splits into the same messages
        let again = to_mboxrd(&kept);
        let back = harness_ingest::mbox::split_mbox(Path::new("t"), &again);
        let bodies: Vec<&[u8]> = back.iter().map(|m| m.bytes.as_slice()).collect();
        let want: Vec<&[u8]> = kept.iter().map(|m| m.bytes.as_slice()).collect();
        assert_eq!(bodies, want);
        // the body line `From here` (read from `>From here`) is quoted again
        assert!(String::from_utf8_lossy(&again).contains("\nbody\n>From here\n"));
    }
}
