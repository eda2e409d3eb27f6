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
