//! Browser origins (RFC 6454): the allowlist (`ALLOWED_ORIGINS`, `--allowed-origins`) and the
//! request's `Origin` header, compared as parsed (scheme, host, port), not as text: a
//! `https://a.example:443` entry matches `https://A.example`. Checks fail closed: an `Origin`
//! that is not text, does not parse, or comes more than once is refused.

/// The ASCII serialization (`scheme://host[:port]`) of an http(s) origin, or `None` when `text`
/// is not one: no user, path (beyond `/`), query or fragment.
pub fn parse_origin(text: &str) -> Option<String> {
    if text.trim() != text || text.is_empty() {
        return None;
    }
    let url = url::Url::parse(text).ok()?;
    let plain = matches!(url.scheme(), "http" | "https")
        && url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none();
    match url.origin() {
        origin @ url::Origin::Tuple(..) if plain => Some(origin.ascii_serialization()),
        _ => None,
    }
}

/// Origins allowed to call from a browser; empty allows any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OriginAllowlist {
    origins: Vec<String>,
}

/// An allowlist entry that is not an origin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an origin (scheme://host[:port], http or https)")]
pub struct BadOrigin(pub String);

impl OriginAllowlist {
    /// From allowlist entries; refuses the first that is not an origin.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, BadOrigin> {
        let origins = entries
            .iter()
            .map(|e| parse_origin(e.as_ref().trim()).ok_or_else(|| BadOrigin(e.as_ref().into())))
            .collect::<Result<_, _>>()?;
        Ok(Self { origins })
    }

    pub fn is_empty(&self) -> bool {
        self.origins.is_empty()
    }

    /// Whether a request carrying these `Origin` header values (every one it has, raw) may
    /// proceed: yes with no allowlist or no `Origin` (not a browser); otherwise exactly one
    /// value, visible ASCII, parsing to a listed origin.
    pub fn allows(&self, values: &[&[u8]]) -> bool {
        if self.origins.is_empty() || values.is_empty() {
            return true;
        }
        let [value] = values else {
            return false;
        };
        let text = match std::str::from_utf8(value) {
            Ok(text) if text.bytes().all(|b| b.is_ascii_graphic()) => text,
            _ => return false,
        };
        parse_origin(text).is_some_and(|o| self.origins.contains(&o))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_compared_as_parsed() {
        let list = OriginAllowlist::parse(&["https://A.example:443/", "http://127.0.0.1:8080"])
            .expect("valid");
        assert!(list.allows(&[b"https://a.example"]));
        assert!(list.allows(&[b"http://127.0.0.1:8080"]));
        assert!(list.allows(&[]));
        assert!(!list.allows(&[b"https://a.example:444"]));
        assert!(!list.allows(&[b"https://a.example.evil.example"]));
        assert!(!list.allows(&[b"https://a.example", b"https://a.example"]));
        assert!(!list.allows(&[b"https://a.example/x"]));
        assert!(!list.allows(&[b"null"]));
        assert!(!list.allows(&["https://\u{e9}.example".as_bytes()]));
        assert!(!list.allows(&[b"https://a.example\xff"]));
    }

    #[test]
    fn a_malformed_entry_is_refused() {
        for bad in [
            "a.example",
            "https://",
            "ftp://a.example",
            "https://u@a.example",
            "*",
        ] {
            assert!(OriginAllowlist::parse(&[bad]).is_err(), "{bad}");
        }
    }
}
