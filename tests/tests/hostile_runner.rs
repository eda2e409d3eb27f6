//! The hostile-input corpus itself, without a store: it is large enough to mean something, every
//! category has cases, and every outcome stated by hand is the one the written-out rules give
//! (the runner checks this too, case by case, on both stores; here it fails fast and alone).

use chat_tests::hostile::check_against_the_rules;
use chat_tests::hostile::http_cases::{http_history_cases, http_mark_read_cases};
use chat_tests::hostile::ws_frames::{
    authorization_cases, bad_json_cases, missing_field_cases, non_object_cases,
    unknown_field_and_action_cases, wrong_type_cases,
};
use chat_tests::hostile::ws_text::{
    control_char_cases, huge_field_cases, injection_cases, unicode_cases,
};
use chat_tests::hostile::WsCase;

/// The corpus is large enough to mean something, and every category has cases.
#[test]
fn the_corpus_has_at_least_200_cases() {
    let categories = [
        ("bad JSON", bad_json_cases().len()),
        ("non-object JSON", non_object_cases().len()),
        ("wrong types", wrong_type_cases().len()),
        ("missing fields", missing_field_cases().len()),
        ("huge fields", huge_field_cases().len()),
        ("control characters", control_char_cases().len()),
        ("unicode", unicode_cases().len()),
        ("injection", injection_cases().len()),
        (
            "unknown fields, action, client_msg_id",
            unknown_field_and_action_cases().len(),
        ),
        ("identity and receiver", authorization_cases().len()),
        ("HTTP mark-read", http_mark_read_cases().len()),
        ("HTTP history and unread", http_history_cases().len()),
    ];
    let mut total = 0;
    for (name, n) in categories {
        eprintln!("{name}: {n} cases");
        assert!(n >= 10, "{name} has only {n} cases");
        total += n;
    }
    eprintln!("total: {total} cases");
    assert!(total >= 200, "only {total} cases");
}

/// A category's case builder.
type Category = fn() -> Vec<WsCase>;

#[test]
fn every_hand_stated_frame_outcome_is_the_rules_outcome() {
    let categories: [(&str, Category); 10] = [
        ("bad JSON", bad_json_cases),
        ("non-object JSON", non_object_cases),
        ("wrong types", wrong_type_cases),
        ("missing fields", missing_field_cases),
        ("huge fields", huge_field_cases),
        ("control characters", control_char_cases),
        ("unicode", unicode_cases),
        ("injection", injection_cases),
        (
            "unknown fields, action, client_msg_id",
            unknown_field_and_action_cases,
        ),
        ("identity and receiver", authorization_cases),
    ];
    for (category, cases) in categories {
        for (i, case) in cases().iter().enumerate() {
            check_against_the_rules(&format!("{category} #{i} {}", case.label), case);
        }
    }
}
