//! Series sources on public-inbox servers: the global `--offline`,
//! `--lore-server URL` and `--lore-ttl SECONDS` options, and turning a
//! Message-ID / `lore:` form / public-inbox URL into a cached mbox.

use harness_fetch::{Config, Origin, Remote, Thread};
use std::sync::OnceLock;
use std::time::Duration;

/// Global options for fetching threads (flattened into the top-level CLI).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct LoreArgs {
    /// Never connect to a public-inbox server: read threads and searches
    /// only from the cache (`<cache>/lore/`), however old.
    /// HARNESS_OFFLINE: any value but empty, 0, false, no, off, n, f.
    #[arg(
        long,
        global = true,
        env = "HARNESS_OFFLINE",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub offline: bool,
    /// A public-inbox inbox URL to fetch Message-IDs from, asked in the
    /// order given (repeatable; default https://lore.kernel.org/all).
    /// HARNESS_LORE_SERVERS holds a comma-separated list.
    #[arg(long = "lore-server", global = true, value_name = "URL")]
    pub servers: Vec<String>,
    /// Seconds a cached thread or search is used without asking the server
    /// again (default 3600; HARNESS_LORE_TTL).
    #[arg(
        long = "lore-ttl",
        global = true,
        value_name = "SECONDS",
        env = "HARNESS_LORE_TTL"
    )]
    pub ttl: Option<u64>,
}

static ARGS: OnceLock<LoreArgs> = OnceLock::new();

/// Record the global options (called once by main).
pub fn set(args: LoreArgs) {
    let _ = ARGS.set(args);
}

/// The fetch configuration from the global options and the environment.
pub fn config() -> Config {
    let args = ARGS.get().cloned().unwrap_or_default();
    let mut cfg = Config::new(crate::common::cache_dir());
    let mut servers = args.servers.clone();
    if servers.is_empty() {
        if let Ok(list) = std::env::var("HARNESS_LORE_SERVERS") {
            servers = list
                .split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect();
        }
    }
    if !servers.is_empty() {
        cfg.servers = servers;
    }
    if let Some(t) = args.ttl {
        cfg.ttl = Duration::from_secs(t);
    }
    cfg.offline = args.offline;
    cfg
}

/// Fetch the thread `remote` names (or take it from the cache) and say so
/// on stderr.
pub fn fetch(remote: &Remote) -> anyhow::Result<Thread> {
    let t = harness_fetch::fetch_thread(&config(), remote)?;
    let how = match t.origin {
        Origin::Server => "fetched from",
        Origin::FreshCache => "cached from",
        Origin::StaleCache => "--offline: cached (older than the TTL) from",
    };
    let dropped = match t.dropped {
        0 => String::new(),
        n => format!("; {n} message(s) not of this thread dropped"),
    };
    eprintln!(
        "harness: <{}>: {how} {} ({}){dropped}",
        t.msgid,
        t.server,
        t.path.display()
    );
    Ok(t)
}

/// `--check-newer`: search for later revisions of the (first) series.
pub fn check_newer(
    report: &harness_ingest::SeriesReport,
    thread: Option<&Thread>,
) -> anyhow::Result<harness_fetch::newer::NewerReport> {
    let s = report
        .series
        .first()
        .ok_or_else(|| anyhow::anyhow!("--check-newer: the source holds no series"))?;
    let cfg = config();
    let server = match thread {
        Some(t) => t.server.clone(),
        None => cfg.servers.first().cloned().unwrap_or_default(),
    };
    let wanted = harness_fetch::newer::Wanted {
        title: s.title.clone(),
        change_id: s.change_id.clone(),
        version: s.newest_version,
    };
    Ok(harness_fetch::newer::check_newer(&cfg, &server, &wanted)?)
}

/// The human lines for `--check-newer`.
pub fn render_newer(n: &harness_fetch::newer::NewerReport) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    let _ = writeln!(
        o,
        "
revisions on {} (searched {}):",
        n.server,
        n.queries.join(", ")
    );
    for p in &n.found {
        let by = match p.matched_by {
            harness_fetch::newer::MatchedBy::ChangeId => "change-id",
            harness_fetch::newer::MatchedBy::Subject => "subject",
        };
        let _ = writeln!(
            o,
            "  v{} <{}> {} (by {by})",
            p.version,
            p.message_id,
            p.date.as_deref().unwrap_or("?")
        );
    }
    match &n.newest {
        Some(p) => {
            let _ = writeln!(
                o,
                "newer revision: v{} is the newest (this is v{}): <{}>",
                p.version, n.current, p.message_id
            );
        }
        None => {
            let _ = writeln!(o, "no newer revision than v{} found", n.current);
        }
    }
    o
}

/// What a series names as its prerequisites (cover letters and patches,
/// not replies): `prerequisite-message-id:` and `Based-on:` lines holding a
/// Message-ID, and `prerequisite-patch-id:` (not resolvable here).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Prerequisites {
    pub message_ids: Vec<String>,
    pub patch_ids: Vec<String>,
}

pub fn prerequisites(messages: &[harness_ingest::Message]) -> Prerequisites {
    let mut p = Prerequisites::default();
    for m in messages.iter().filter(|m| !m.info.reply) {
        for line in m.text.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            let key = key.trim().to_ascii_lowercase();
            let id = value.trim_start_matches('<').trim_end_matches('>');
            let is_msgid = id.contains('@') && !id.contains(char::is_whitespace);
            let list = match key.as_str() {
                "prerequisite-message-id" | "based-on" if is_msgid => &mut p.message_ids,
                "prerequisite-patch-id" if !value.is_empty() => &mut p.patch_ids,
                _ => continue,
            };
            let v = if key == "prerequisite-patch-id" {
                value
            } else {
                id
            };
            if !list.iter().any(|x| x == v) {
                list.push(v.to_owned());
            }
        }
    }
    p
}

/// Fetch the series' prerequisites (newest revision of each thread named
/// by Message-ID) and put their patches first, named `prerequisite
/// <Message-ID>: ...`; then the patches `prerequisite-patch-id:` names,
/// found by stable patch-id among the input's own messages and the fetched
/// threads. Say each on stderr.
pub fn prepend_prerequisites(
    series: &mut harness_ingest::Series,
    messages: &[harness_ingest::Message],
    from: Option<&Thread>,
) -> anyhow::Result<()> {
    let pre = prerequisites(messages);
    let mut first = Vec::new();
    let mut fetched = Vec::new();
    for id in &pre.message_ids {
        let remote = Remote {
            msgid: id.clone(),
            server: from.map(|t| t.server.clone()),
        };
        let t = fetch(&remote).map_err(|e| anyhow::anyhow!("prerequisite <{id}>: {e:#}"))?;
        let ing = harness_ingest::ingest(&t.path)
            .map_err(|e| anyhow::anyhow!("prerequisite <{id}>: {e}"))?;
        let pre_series = ing
            .to_series(&Default::default())
            .map_err(|e| anyhow::anyhow!("prerequisite <{id}>: {e}"))?;
        eprintln!(
            "harness: prerequisite <{id}>: {} patch(es), applied first",
            pre_series.patches.len()
        );
        for mut p in pre_series.patches {
            p.name = format!("prerequisite <{id}>: {}", p.name);
            first.push(p);
        }
        fetched.extend(ing.messages);
    }
    if !pre.patch_ids.is_empty() {
        let offered: Vec<&harness_ingest::Message> = messages.iter().chain(&fetched).collect();
        let (found, outcomes) = harness_orchestrate::prereq::resolve_patch_ids(
            &pre.patch_ids,
            series,
            &first,
            &offered,
        );
        for o in &outcomes {
            eprintln!("harness: {}", patch_id_line(o));
        }
        first.extend(found);
    }
    if first.is_empty() {
        return Ok(());
    }
    first.append(&mut series.patches);
    for (i, p) in first.iter_mut().enumerate() {
        p.index = i + 1;
    }
    series.patches = first;
    Ok(())
}

fn patch_id_line(o: &harness_orchestrate::prereq::PatchIdOutcome) -> String {
    use harness_orchestrate::prereq::PatchIdOutcome as O;
    match o {
        O::Resolved {
            patch_id,
            message_id,
            subject,
        } => format!(
            "prerequisite-patch-id {patch_id}: \"{subject}\" <{}>, applied first",
            message_id.as_deref().unwrap_or("no Message-ID")
        ),
        O::AlreadyPrerequisite { patch_id, name } => {
            format!("prerequisite-patch-id {patch_id}: is {name}, applied first already")
        }
        O::InSeries { patch_id, name } => {
            format!("warning: prerequisite-patch-id {patch_id}: is {name} of the series itself")
        }
        O::NotFound { patch_id } => format!(
            "warning: prerequisite-patch-id {patch_id}: no patch of this thread or of the \
             fetched prerequisite threads has that `git patch-id --stable`; apply it first yourself"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisite_lines() {
        let raw = b"Message-ID: <c@x>\nSubject: [PATCH 0/1] t\n\ntext\n\nbase-commit: abc\n\
prerequisite-message-id: <p1@x>\nprerequisite-patch-id: 0123abcd\nBased-on: <p2@y>\n\
Based-on: the v6.1 tag\n";
        let m = harness_ingest::Message::from_raw(0, "m".into(), 1, raw);
        let p = prerequisites(&[m]);
        assert_eq!(p.message_ids, vec!["p1@x", "p2@y"]);
        assert_eq!(p.patch_ids, vec!["0123abcd"]);
    }
}
