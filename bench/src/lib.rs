//! Benchmarks of the chat: the `chat-bench` load generator ([`load`]), Lambda cold starts
//! against a minimal Runtime API ([`runtime_api`]), with TLS on its endpoints ([`tls`]) and
//! Lambda's CPU share ([`cgroup`]), DynamoDB cost per operation through a recording proxy
//! ([`proxy`]), and the report with its charts ([`report`], [`charts`]).

pub mod cgroup;
pub mod charts;
pub mod load;
pub mod machine;
pub mod proxy;
pub mod report;
pub mod runtime_api;
pub mod stats;
pub mod tls;

/// A measured binary's name split into the function it builds and its variant:
/// `ws-message+system-malloc` is `("ws-message", Some("system-malloc"))`, the same source
/// built another way and measured beside the function (`cold-start --function`).
pub fn split_variant(name: &str) -> (&str, Option<&str>) {
    match name.split_once('+') {
        Some((function, variant)) => (function, Some(variant)),
        None => (name, None),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_variant_is_what_follows_the_plus() {
        assert_eq!(
            super::split_variant("ws-message+system-malloc"),
            ("ws-message", Some("system-malloc"))
        );
        assert_eq!(super::split_variant("ws-message"), ("ws-message", None));
    }
}
