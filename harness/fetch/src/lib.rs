//! Threads from public-inbox servers (lore.kernel.org and any other):
//! fetch a thread's `t.mbox.gz` by Message-ID, keep only the messages of
//! that thread, cache it on disk with a TTL, and search a server for other
//! postings (newer revisions, prerequisites).
//!
//! The result is an mbox file in the cache, read by `harness-ingest` exactly
//! as a file given on the command line. This crate never prints.

pub mod cache;
pub mod http;
pub mod newer;
pub mod source;
pub mod thread;

pub use source::{parse as parse_remote, Remote};

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The server asked when none is named: all of lore's lists.
pub const DEFAULT_SERVER: &str = "https://lore.kernel.org/all";

/// Where and how to fetch.
#[derive(Debug, Clone)]
pub struct Config {
    /// Inbox URLs (`https://lore.kernel.org/all`), asked in order.
    pub servers: Vec<String>,
    /// The harness cache directory; threads go under `<cache>/lore/`.
    pub cache_dir: PathBuf,
    /// How long a cached thread or search is used without asking again.
    pub ttl: Duration,
    /// Use only the cache; never open a connection.
    pub offline: bool,
    /// Connect and read timeout per request.
    pub timeout: Duration,
}

impl Config {
    pub fn new(cache_dir: PathBuf) -> Config {
        Config {
            servers: vec![DEFAULT_SERVER.to_owned()],
            cache_dir,
            ttl: Duration::from_secs(3600),
            offline: false,
            timeout: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(
        "cannot reach public-inbox server {url}: {why} (use --offline to read only the cache)"
    )]
    Unreachable { url: String, why: String },
    #[error("public-inbox server answered {code} {text} for {url}")]
    Status {
        url: String,
        code: u16,
        text: String,
    },
    #[error("{url}: reply is larger than {limit} bytes; refused")]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: the reply is not valid gzip: {why}")]
    Gzip { url: String, why: String },
    #[error("no thread with Message-ID <{msgid}> on {servers}")]
    NotFound { msgid: String, servers: String },
    #[error(
        "--offline: <{msgid}> is not in the cache ({path}); it would be fetched from {servers}"
    )]
    NotCached {
        msgid: String,
        servers: String,
        path: PathBuf,
    },
    #[error("{url}: the thread holds no message with Message-ID <{msgid}>")]
    NotInThread { url: String, msgid: String },
    #[error("cache file {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Where a fetched thread came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Downloaded now.
    Server,
    /// Read from the cache within the TTL.
    FreshCache,
    /// Read from the cache, older than the TTL, because of `--offline`.
    StaleCache,
}

/// A thread in the cache, ready for ingest.
#[derive(Debug, Clone)]
pub struct Thread {
    pub msgid: String,
    /// The inbox URL it was (or would be) fetched from.
    pub server: String,
    /// The cached mbox (mboxrd), only the thread's messages.
    pub path: PathBuf,
    pub origin: Origin,
    /// Messages the server sent that were not of this thread (dropped).
    pub dropped: usize,
}

/// The servers to ask for `remote`: the one its URL names, else the config's.
fn servers_for(cfg: &Config, remote: &Remote) -> Vec<String> {
    match &remote.server {
        Some(s) => vec![s.clone()],
        None => cfg
            .servers
            .iter()
            .map(|s| s.trim_end_matches('/').to_owned())
            .collect(),
    }
}

/// Fetch (or read from the cache) the thread `remote` names.
pub fn fetch_thread(cfg: &Config, remote: &Remote) -> Result<Thread, FetchError> {
    let servers = servers_for(cfg, remote);
    let listed = servers.join(", ");
    let mut stale: Option<(String, PathBuf)> = None;
    for s in &servers {
        let path = cache::path_for(&cfg.cache_dir, "thread", s, &remote.msgid);
        match cache::lookup(&path, cfg.ttl) {
            cache::Hit::Fresh(p) => return Ok(cached(remote, s, p, Origin::FreshCache)),
            cache::Hit::Stale(p, _) if stale.is_none() => stale = Some((s.clone(), p)),
            _ => {}
        }
    }
    if cfg.offline {
        return match stale {
            Some((s, p)) => Ok(cached(remote, &s, p, Origin::StaleCache)),
            None => Err(FetchError::NotCached {
                msgid: remote.msgid.clone(),
                servers: listed,
                path: cache::path_for(
                    &cfg.cache_dir,
                    "thread",
                    servers.first().map_or(DEFAULT_SERVER, String::as_str),
                    &remote.msgid,
                ),
            }),
        };
    }
    let mut first_error = None;
    for s in &servers {
        match download_thread(cfg, s, &remote.msgid) {
            Ok(Some(t)) => return Ok(t),
            Ok(None) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    Err(FetchError::NotFound {
        msgid: remote.msgid.clone(),
        servers: listed,
    })
}

fn cached(remote: &Remote, server: &str, path: PathBuf, origin: Origin) -> Thread {
    Thread {
        msgid: remote.msgid.clone(),
        server: server.to_owned(),
        path,
        origin,
        dropped: 0,
    }
}

/// `None` when the server does not have the Message-ID.
fn download_thread(cfg: &Config, server: &str, msgid: &str) -> Result<Option<Thread>, FetchError> {
    let url = format!("{server}/{}/t.mbox.gz", source::percent_encode(msgid));
    let body = match http::request(&url, None, cfg.timeout)? {
        http::Reply::NotFound => return Ok(None),
        http::Reply::Body(b) => http::gunzip(&url, b)?,
    };
    let path = cache::path_for(&cfg.cache_dir, "thread", server, msgid);
    let raw = harness_ingest::mbox::split_mbox(&path, &body);
    let (kept, dropped) = thread::strict_thread(raw, msgid);
    if kept.is_empty() {
        return Err(FetchError::NotInThread {
            url,
            msgid: msgid.to_owned(),
        });
    }
    cache::store(&path, &thread::to_mboxrd(&kept))?;
    Ok(Some(Thread {
        msgid: msgid.to_owned(),
        server: server.to_owned(),
        path,
        origin: Origin::Server,
        dropped,
    }))
}

/// A search's matches, as an mbox in the cache.
#[derive(Debug, Clone)]
pub struct SearchResult {
    pub server: String,
    pub query: String,
    pub path: PathBuf,
    pub origin: Origin,
}

/// Search `server` (public-inbox's Xapian search: `s:`, `dfn:`, `nq:`...)
/// and cache the matching messages as an mbox (empty when nothing matched).
pub fn search(cfg: &Config, server: &str, query: &str) -> Result<SearchResult, FetchError> {
    let server = server.trim_end_matches('/');
    let path = cache::path_for(&cfg.cache_dir, "search", server, query);
    let result = |origin| SearchResult {
        server: server.to_owned(),
        query: query.to_owned(),
        path: path.clone(),
        origin,
    };
    match cache::lookup(&path, cfg.ttl) {
        cache::Hit::Fresh(_) => return Ok(result(Origin::FreshCache)),
        cache::Hit::Stale(..) if cfg.offline => return Ok(result(Origin::StaleCache)),
        _ if cfg.offline => {
            return Err(FetchError::NotCached {
                msgid: format!("search {query}"),
                servers: server.to_owned(),
                path: path.clone(),
            })
        }
        _ => {}
    }
    // public-inbox gives the matches as an mbox.gz to a POST of `?q=...&x=m`
    let url = format!("{server}/?q={}&x=m", query_encode(query));
    let no_form: &[(&str, &str)] = &[];
    let body = match http::request(&url, Some(no_form), cfg.timeout)? {
        // public-inbox answers 404 to a search with no match
        http::Reply::NotFound => Vec::new(),
        http::Reply::Body(b) => http::gunzip(&url, b)?,
    };
    cache::store(&path, &body)?;
    Ok(result(Origin::Server))
}

/// A query string escaped for a URL.
fn query_encode(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        match b {
            b' ' => out.push('+'),
            b if b.is_ascii_alphanumeric() || b"-_.~:".contains(&b) => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// When a cached file was written (for reports saying how old it is).
pub fn cached_at(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_miss_names_the_server_and_the_file() {
        let d = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::new(d.path().to_owned());
        cfg.offline = true;
        let r = Remote {
            msgid: "a@b".into(),
            server: None,
        };
        let e = fetch_thread(&cfg, &r).expect_err("not cached");
        let msg = e.to_string();
        assert!(msg.contains(DEFAULT_SERVER) && msg.contains("a@b"), "{msg}");
    }

    #[test]
    fn closed_port_is_unreachable_naming_the_server() {
        // a port nobody listens on: bind, read the port, close
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let d = tempfile::tempdir().expect("tempdir");
        let mut cfg = Config::new(d.path().to_owned());
        cfg.servers = vec![format!("http://127.0.0.1:{port}/all")];
        let r = Remote {
            msgid: "a@b".into(),
            server: None,
        };
        let e = fetch_thread(&cfg, &r).expect_err("closed port");
        assert!(matches!(e, FetchError::Unreachable { .. }), "{e}");
        assert!(
            e.to_string().contains(&format!("127.0.0.1:{port}/all")),
            "{e}"
        );
    }

    #[test]
    fn query_escaping() {
        assert_eq!(query_encode("s:\"a b\" AND x"), "s:%22a+b%22+AND+x");
    }
}
