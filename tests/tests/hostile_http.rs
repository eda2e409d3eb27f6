//! Hostile HTTP requests: the HTTP corpus of `chat_tests::hostile` (paths, bodies and queries
//! for mark-read, history, unread, the inbox, system messages and attachments) through `handle_http` as HTTP API (payload 2.0) events,
//! on both stores. Input is checked before identity (400), then identity (401), then
//! authorization (403); a refused request changes nothing and its error echoes no long input.

use chat_tests::hostile::http::run_http;
use chat_tests::hostile::http_attachments::http_attachment_cases;
use chat_tests::hostile::http_cases::{http_history_cases, http_mark_read_cases};
use chat_tests::hostile::http_inbox::http_inbox_cases;
use chat_tests::hostile::http_system::http_system_cases;
use chat_tests::{on_both_stores, Backend};

async fn mark_read_refuses_hostile_bodies_and_paths_before_identity(backend: Backend) {
    run_http(backend, "HTTP mark-read", http_mark_read_cases()).await;
}

async fn history_and_unread_refuse_hostile_queries_and_paths(backend: Backend) {
    run_http(backend, "HTTP history and unread", http_history_cases()).await;
}

async fn the_inbox_refuses_hostile_queries_and_paths(backend: Backend) {
    run_http(backend, "HTTP inbox", http_inbox_cases()).await;
}

async fn attachment_routes_refuse_hostile_bodies_names_types_sizes_and_paths(backend: Backend) {
    run_http(backend, "HTTP attachments", http_attachment_cases()).await;
}

async fn system_messages_refuse_hostile_bodies_paths_and_signers(backend: Backend) {
    run_http(backend, "HTTP system messages", http_system_cases()).await;
}

on_both_stores!(
    attachment_routes_refuse_hostile_bodies_names_types_sizes_and_paths,
    system_messages_refuse_hostile_bodies_paths_and_signers,
    the_inbox_refuses_hostile_queries_and_paths,
    mark_read_refuses_hostile_bodies_and_paths_before_identity,
    history_and_unread_refuse_hostile_queries_and_paths,
);
