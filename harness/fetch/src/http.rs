//! HTTP(S) to public-inbox servers (ureq with rustls): GET a thread's
//! `t.mbox.gz`, POST a search for its mbox, gunzip.

use crate::FetchError;
use std::io::Read;
use std::time::Duration;

/// The largest body accepted (a thread or search result bigger than this
/// is refused rather than filling memory).
const MAX_BODY: u64 = 256 << 20;

/// What a request came back with.
pub enum Reply {
    Body(Vec<u8>),
    /// 404: the server does not have it.
    NotFound,
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(timeout)
        .timeout_read(timeout)
        .user_agent(concat!("harness/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// GET `url` (`post` = a form body to POST instead) and return the body.
pub fn request(
    url: &str,
    post: Option<&[(&str, &str)]>,
    timeout: Duration,
) -> Result<Reply, FetchError> {
    let a = agent(timeout);
    let res = match post {
        Some(form) => a.post(url).send_form(form),
        None => a.get(url).call(),
    };
    let resp = match res {
        Ok(r) => r,
        Err(ureq::Error::Status(404, _)) => return Ok(Reply::NotFound),
        Err(ureq::Error::Status(code, r)) => {
            return Err(FetchError::Status {
                url: url.to_owned(),
                code,
                text: r.status_text().to_owned(),
            })
        }
        Err(ureq::Error::Transport(t)) => {
            return Err(FetchError::Unreachable {
                url: url.to_owned(),
                why: t.to_string(),
            })
        }
    };
    let mut body = Vec::new();
    resp.into_reader()
        .take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(|e| FetchError::Unreachable {
            url: url.to_owned(),
            why: format!("reading the reply: {e}"),
        })?;
    if body.len() as u64 > MAX_BODY {
        return Err(FetchError::TooLarge {
            url: url.to_owned(),
            limit: MAX_BODY,
        });
    }
    Ok(Reply::Body(body))
}

/// The body gunzipped when it is gzip (public-inbox's `*.mbox.gz`), else as it is.
pub fn gunzip(url: &str, body: Vec<u8>) -> Result<Vec<u8>, FetchError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body);
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(body.as_slice())
        .take(MAX_BODY + 1)
        .read_to_end(&mut out)
        .map_err(|e| FetchError::Gzip {
            url: url.to_owned(),
            why: e.to_string(),
        })?;
    if out.len() as u64 > MAX_BODY {
        return Err(FetchError::TooLarge {
            url: url.to_owned(),
            limit: MAX_BODY,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn gunzip_plain_and_gz() {
        assert_eq!(
            gunzip("u", b"From x".to_vec()).ok(),
            Some(b"From x".to_vec())
        );
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(b"From mboxrd@z\n").ok();
        let gz = e.finish().unwrap_or_default();
        assert_eq!(gunzip("u", gz).ok(), Some(b"From mboxrd@z\n".to_vec()));
        let bad = vec![0x1f, 0x8b, 0, 1, 2];
        assert!(matches!(gunzip("u", bad), Err(FetchError::Gzip { .. })));
    }
}
