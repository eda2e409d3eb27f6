//! The HTTP API's route table, in one place: the HTTP function routes with it, and chat-local's
//! dev identity finds the path's owner with it.
//!
//! - `PUT /chat/read/{reader_id}`
//! - `GET /chat/history/{client_id}/{peer_id}`
//! - `GET /chat/unread/{reader_id}`
//! - `GET /chat/conversations/{client_id}`
//! - `POST /chat/system/{receiver_id}` (the booking backend only, SigV4)
//! - `POST /chat/attachments/{client_id}`, `GET /chat/attachments/{client_id}/{attachment_id}`
//! - `GET /chat/export/{client_id}`, `POST /chat/erasure/{client_id}` (docs/data-rules.md), and
//!   the booking backend's `GET /chat/system/export/{client_id}`,
//!   `POST /chat/system/erasure/{client_id}` (SigV4)
//!
//! Routing is on the raw path, so the function works behind per-route integrations and behind
//! a single `$default` route alike. Path parameters are percent-decoded.

use percent_encoding::percent_decode_str;

/// A route with its path parameters (percent-decoded, not yet validated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `PUT /chat/read/{reader_id}`
    MarkRead { reader_id: String },
    /// `GET /chat/history/{client_id}/{peer_id}`
    History { client_id: String, peer_id: String },
    /// `GET /chat/unread/{reader_id}`
    Unread { reader_id: String },
    /// `GET /chat/conversations/{client_id}`: the inbox.
    Conversations { client_id: String },
    /// `POST /chat/system/{receiver_id}`: a system message from the booking backend.
    SystemMessage { receiver_id: String },
    /// `POST /chat/attachments/{client_id}`: an upload URL.
    Upload { client_id: String },
    /// `GET /chat/attachments/{client_id}/{attachment_id}`: a download URL.
    Download {
        client_id: String,
        attachment_id: String,
    },
    /// `GET /chat/export/{client_id}` (`backend`: `GET /chat/system/export/{client_id}`).
    Export { client_id: String, backend: bool },
    /// `POST /chat/erasure/{client_id}` (`backend`: `POST /chat/system/erasure/{client_id}`).
    Erasure { client_id: String, backend: bool },
}

/// Why a request matches no route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoRoute {
    /// No route has this path.
    NotFound,
    /// A route has this path, with another method (the `Allow` header's value).
    MethodNotAllowed { allow: &'static str },
}

impl Route {
    /// The route whose path this is, whatever the method.
    pub fn of_path(path: &str) -> Option<Self> {
        let segments: Vec<String> = path
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .map(|s| percent_decode_str(s).decode_utf8_lossy().into_owned())
            .collect();
        let mut params = segments.into_iter();
        let (Some(root), Some(kind)) = (params.next(), params.next()) else {
            return None;
        };
        let params: Vec<String> = params.collect();
        match (
            root.as_str(),
            kind.as_str(),
            <[String; 1]>::try_from(params),
        ) {
            ("chat", "read", Ok([reader_id])) => Some(Self::MarkRead { reader_id }),
            ("chat", "unread", Ok([reader_id])) => Some(Self::Unread { reader_id }),
            ("chat", "conversations", Ok([client_id])) => Some(Self::Conversations { client_id }),
            ("chat", "system", Ok([receiver_id])) => Some(Self::SystemMessage { receiver_id }),
            ("chat", "attachments", Ok([client_id])) => Some(Self::Upload { client_id }),
            ("chat", "attachments", Err(params)) => {
                let [client_id, attachment_id] = <[String; 2]>::try_from(params).ok()?;
                Some(Self::Download {
                    client_id,
                    attachment_id,
                })
            }
            ("chat", "export", Ok([client_id])) => Some(Self::Export {
                client_id,
                backend: false,
            }),
            ("chat", "erasure", Ok([client_id])) => Some(Self::Erasure {
                client_id,
                backend: false,
            }),
            ("chat", "system", Err(params)) => {
                let [what, client_id] = <[String; 2]>::try_from(params).ok()?;
                match what.as_str() {
                    "export" => Some(Self::Export {
                        client_id,
                        backend: true,
                    }),
                    "erasure" => Some(Self::Erasure {
                        client_id,
                        backend: true,
                    }),
                    _ => None,
                }
            }
            ("chat", "history", Err(params)) => {
                let [client_id, peer_id] = <[String; 2]>::try_from(params).ok()?;
                Some(Self::History { client_id, peer_id })
            }
            _ => None,
        }
    }

    /// The route for this method and path.
    pub fn match_path(method: &str, path: &str) -> Result<Self, NoRoute> {
        let route = Self::of_path(path).ok_or(NoRoute::NotFound)?;
        if method == route.method() {
            Ok(route)
        } else {
            Err(NoRoute::MethodNotAllowed {
                allow: route.method(),
            })
        }
    }

    pub fn method(&self) -> &'static str {
        match self {
            Self::MarkRead { .. } => "PUT",
            Self::History { .. }
            | Self::Unread { .. }
            | Self::Conversations { .. }
            | Self::Download { .. }
            | Self::Export { .. } => "GET",
            Self::SystemMessage { .. } | Self::Upload { .. } | Self::Erasure { .. } => "POST",
        }
    }

    /// Whether the route is the booking backend's (AWS_IAM: a SigV4 signature, never a token).
    pub fn is_backend(&self) -> bool {
        matches!(
            self,
            Self::SystemMessage { .. }
                | Self::Export { backend: true, .. }
                | Self::Erasure { backend: true, .. }
        )
    }

    /// The route's name in logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::MarkRead { .. } => "PUT /chat/read",
            Self::History { .. } => "GET /chat/history",
            Self::Unread { .. } => "GET /chat/unread",
            Self::Conversations { .. } => "GET /chat/conversations",
            Self::SystemMessage { .. } => "POST /chat/system",
            Self::Upload { .. } => "POST /chat/attachments",
            Self::Download { .. } => "GET /chat/attachments",
            Self::Export { backend: false, .. } => "GET /chat/export",
            Self::Export { backend: true, .. } => "GET /chat/system/export",
            Self::Erasure { backend: false, .. } => "POST /chat/erasure",
            Self::Erasure { backend: true, .. } => "POST /chat/system/erasure",
        }
    }

    /// The client whose data the path names (the reader, or the history's first party): whom
    /// chat-local's dev identity takes the caller to be. `None` for the system-message route,
    /// whose caller is the booking backend, never a person.
    pub fn owner(&self) -> Option<&str> {
        match self {
            Self::MarkRead { reader_id } | Self::Unread { reader_id } => Some(reader_id),
            Self::History { client_id, .. }
            | Self::Conversations { client_id }
            | Self::Upload { client_id }
            | Self::Download { client_id, .. }
            | Self::Export {
                client_id,
                backend: false,
            }
            | Self::Erasure {
                client_id,
                backend: false,
            } => Some(client_id),
            Self::SystemMessage { .. }
            | Self::Export { backend: true, .. }
            | Self::Erasure { backend: true, .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_their_routes_with_decoded_parameters() {
        assert_eq!(
            Route::match_path("PUT", "/chat/read/user%20123/"),
            Ok(Route::MarkRead {
                reader_id: "user 123".into()
            })
        );
        assert_eq!(
            Route::match_path("GET", "/chat/history/a/b"),
            Ok(Route::History {
                client_id: "a".into(),
                peer_id: "b".into()
            })
        );
        assert_eq!(
            Route::match_path("GET", "/chat/unread/a").map(|r| r.owner().map(str::to_owned)),
            Ok(Some("a".to_owned()))
        );
        assert_eq!(
            Route::match_path("POST", "/chat/system/u1").map(|r| r.owner().map(str::to_owned)),
            Ok(None)
        );
        assert_eq!(
            Route::match_path("GET", "/chat/export/u%201"),
            Ok(Route::Export {
                client_id: "u 1".into(),
                backend: false
            })
        );
        assert_eq!(
            Route::match_path("POST", "/chat/system/erasure/u1"),
            Ok(Route::Erasure {
                client_id: "u1".into(),
                backend: true
            })
        );
        assert_eq!(
            Route::match_path("GET", "/chat/system/erasure/u1"),
            Err(NoRoute::MethodNotAllowed { allow: "POST" })
        );
        assert_eq!(
            Route::match_path("POST", "/chat/system/other/u1"),
            Err(NoRoute::NotFound)
        );
    }

    #[test]
    fn other_methods_and_paths_are_refused() {
        assert_eq!(
            Route::match_path("GET", "/chat/read/a"),
            Err(NoRoute::MethodNotAllowed { allow: "PUT" })
        );
        assert_eq!(
            Route::match_path("POST", "/chat/history/a/b"),
            Err(NoRoute::MethodNotAllowed { allow: "GET" })
        );
        assert_eq!(
            Route::match_path("PUT", "/chat/system/a"),
            Err(NoRoute::MethodNotAllowed { allow: "POST" })
        );
        for path in [
            "/chat/read",
            "/chat/read/a/b",
            "/chat/history/a",
            "/chat/history/a/b/c",
            "/chat/unread//",
            "/chat/system",
            "/chat/system/a/b",
            "/other/read/a",
            "/",
            "",
        ] {
            assert_eq!(
                Route::match_path("GET", path),
                Err(NoRoute::NotFound),
                "{path}"
            );
        }
    }
}
