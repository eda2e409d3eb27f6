//! Hostile WebSocket frames: the corpus of `chat_tests::hostile` (its module documentation
//! states the rules every case is decided by), sent by user123 through `handle_message` as API
//! Gateway's event JSON, on both stores. For each refused frame: the error has the code, names
//! the field, echoes no long input, and nothing was stored or posted; for each accepted one: the
//! ack, the delivered frame and the history carry exactly what was sent.

use chat_tests::hostile::ws_attachments::attachment_cases;
use chat_tests::hostile::ws_changes::{change_cases, reply_cases};
use chat_tests::hostile::ws_frames::{
    authorization_cases, bad_json_cases, missing_field_cases, non_object_cases,
    unknown_field_and_action_cases, wrong_type_cases,
};
use chat_tests::hostile::ws_run::run_ws;
use chat_tests::hostile::ws_text::{
    control_char_cases, huge_field_cases, injection_cases, unicode_cases,
};
use chat_tests::{on_both_stores, Backend};

async fn attachments_are_refused_naming_the_field_or_the_upload(backend: Backend) {
    run_ws(backend, "attachments", attachment_cases()).await;
}

async fn bad_json_is_refused_and_changes_nothing(backend: Backend) {
    run_ws(backend, "bad JSON", bad_json_cases()).await;
}

async fn json_that_is_not_an_object_is_refused(backend: Backend) {
    run_ws(backend, "non-object JSON", non_object_cases()).await;
}

async fn wrong_types_are_refused_naming_the_first_bad_field(backend: Backend) {
    run_ws(backend, "wrong types", wrong_type_cases()).await;
}

async fn missing_fields_are_refused_naming_the_first_missing_one(backend: Backend) {
    run_ws(backend, "missing fields", missing_field_cases()).await;
}

async fn oversized_fields_are_refused_and_limits_count_characters(backend: Backend) {
    run_ws(backend, "huge fields", huge_field_cases()).await;
}

async fn control_characters_are_refused_except_newline_and_tab(backend: Backend) {
    run_ws(backend, "control characters", control_char_cases()).await;
}

async fn unicode_text_round_trips_and_ids_stay_ascii(backend: Backend) {
    run_ws(backend, "unicode", unicode_cases()).await;
}

async fn injection_looking_strings_are_text_or_refused_ids(backend: Backend) {
    run_ws(backend, "injection", injection_cases()).await;
}

async fn unknown_fields_are_ignored_and_actions_and_client_keys_checked(backend: Backend) {
    run_ws(
        backend,
        "unknown fields, action, client_msg_id",
        unknown_field_and_action_cases(),
    )
    .await;
}

async fn identity_and_receiver_rules_hold_for_hostile_frames(backend: Backend) {
    run_ws(backend, "identity and receiver", authorization_cases()).await;
}

async fn hostile_replies_are_refused_naming_reply_to(backend: Backend) {
    run_ws(backend, "replies", reply_cases()).await;
}

async fn hostile_edits_deletions_and_reactions_are_refused_and_change_nothing(backend: Backend) {
    run_ws(backend, "changes", change_cases()).await;
}

on_both_stores!(
    attachments_are_refused_naming_the_field_or_the_upload,
    hostile_replies_are_refused_naming_reply_to,
    hostile_edits_deletions_and_reactions_are_refused_and_change_nothing,
    bad_json_is_refused_and_changes_nothing,
    json_that_is_not_an_object_is_refused,
    wrong_types_are_refused_naming_the_first_bad_field,
    missing_fields_are_refused_naming_the_first_missing_one,
    oversized_fields_are_refused_and_limits_count_characters,
    control_characters_are_refused_except_newline_and_tab,
    unicode_text_round_trips_and_ids_stay_ascii,
    injection_looking_strings_are_text_or_refused_ids,
    unknown_fields_are_ignored_and_actions_and_client_keys_checked,
    identity_and_receiver_rules_hold_for_hostile_frames,
);
