//! Development tokens for the tests that run the deployed identity (`--auth jwt`): HS256, as
//! `chat-local token` mints them, valid from now.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_edge::auth::mint_hs256;
use chat_shared::domain::{ClientId, Role};

/// An HS256 token for `id` with `role`, signed with `secret`, valid for `ttl` from now.
pub fn hs256_token(secret: &str, id: &str, role: Role, ttl: Duration) -> String {
    let now_s = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_secs() as i64;
    let id = ClientId::parse(id).expect("a valid client id");
    mint_hs256(secret, &id, role, ttl, now_s)
}
