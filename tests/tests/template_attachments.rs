//! `template.yaml`'s attachments against the code (docs/attachments.md): the bucket is
//! private, encrypted and TLS-only, its lifecycle reads the state tag the code writes, its
//! CORS lets a browser send the headers an upload URL signs, only the two functions that
//! presign or check get S3 actions (on the uploads prefix only), and the routes are the
//! code's.

use std::collections::BTreeSet;

use chat_edge::routes::Route;
use chat_shared::files::ObjectState;
use chat_tests::template::{grants, many, render, template};
use serde_norway::Value;

fn bucket(template: &Value) -> &Value {
    &template["Resources"]["AttachmentsBucket"]["Properties"]
}

#[test]
fn the_bucket_is_private_encrypted_and_reached_over_tls_only() {
    let template = template();
    let resources = &template["Resources"];
    assert_eq!(
        render(&resources["AttachmentsBucket"]["DeletionPolicy"]),
        "Retain"
    );
    let bucket = bucket(&template);
    let block = &bucket["PublicAccessBlockConfiguration"];
    for setting in [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ] {
        assert_eq!(block[setting].as_bool(), Some(true), "{setting}");
    }
    // A customer-managed key when the stack is given one, S3-managed keys otherwise
    // (tests/template_data_rules.rs checks the condition).
    let encryption = &bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0];
    let by_default = render(&encryption["ServerSideEncryptionByDefault"]);
    assert!(by_default.contains("HasKmsKey"), "{by_default}");
    assert!(by_default.contains("aws:kms"), "{by_default}");
    assert!(by_default.contains("AES256"), "{by_default}");
    let policy = &resources["AttachmentsBucketPolicy"]["Properties"]["PolicyDocument"];
    let statement = &policy["Statement"][0];
    assert_eq!(statement["Effect"].as_str(), Some("Deny"));
    assert_eq!(
        render(&statement["Condition"]["Bool"]["aws:SecureTransport"]),
        "false"
    );
    let covered = many(&statement["Resource"]);
    assert!(
        covered.contains(&"GetAtt AttachmentsBucket.Arn".to_owned()),
        "{covered:?}"
    );
    assert!(
        covered.iter().any(|r| r.ends_with("/*")),
        "objects too: {covered:?}"
    );
}

#[test]
fn the_lifecycle_expires_what_the_code_tags_pending_or_deleted_and_nothing_attached() {
    let template = template();
    let rules = bucket(&template)["LifecycleConfiguration"]["Rules"]
        .as_sequence()
        .unwrap();
    let expired: BTreeSet<String> = rules
        .iter()
        .filter(|r| r["ExpirationInDays"].as_u64().is_some())
        .map(|r| {
            let tag = &r["TagFilters"][0];
            assert_eq!(tag["Key"].as_str(), Some(ObjectState::TAG));
            assert_eq!(
                r["Prefix"].as_str(),
                Some("uploads/"),
                "the key prefix of the code's keys"
            );
            tag["Value"].as_str().unwrap().to_owned()
        })
        .collect();
    let expected: BTreeSet<String> = [ObjectState::Pending, ObjectState::Deleted]
        .map(|s| s.as_str().to_owned())
        .into();
    assert_eq!(expired, expected);
    assert!(!expired.contains(ObjectState::Attached.as_str()));
}

#[test]
fn browsers_may_send_the_headers_an_upload_url_signs_from_the_allowed_origins() {
    let template = template();
    let rule = &bucket(&template)["CorsConfiguration"]["CorsRules"][0];
    let headers = many(&rule["AllowedHeaders"]);
    for signed in ["content-type", "x-amz-tagging"] {
        assert!(
            headers.contains(&signed.to_owned()),
            "{signed}: {headers:?}"
        );
    }
    let methods = many(&rule["AllowedMethods"]);
    assert!(methods.contains(&"PUT".to_owned()) && methods.contains(&"GET".to_owned()));
    assert!(
        render(&rule["AllowedOrigins"]).contains("AllowedOrigins"),
        "the stack's origins"
    );
}

#[test]
fn only_the_functions_that_presign_or_check_get_s3_and_only_on_uploads() {
    let template = template();
    let objects = "Sub ${AttachmentsBucket.Arn}/uploads/*";
    let s3 = |function: &str| -> BTreeSet<(String, String)> {
        grants(&template, function)
            .into_iter()
            .filter(|(action, _)| action.starts_with("s3:"))
            .collect()
    };
    let pairs = |list: &[(&str, &str)]| -> BTreeSet<(String, String)> {
        list.iter()
            .map(|(a, r)| (a.to_string(), r.to_string()))
            .collect()
    };
    assert_eq!(
        s3("HttpApiFunction"),
        pairs(&[
            ("s3:GetObject", objects),
            ("s3:PutObject", objects),
            ("s3:PutObjectTagging", objects)
        ])
    );
    assert_eq!(
        s3("WsMessageFunction"),
        pairs(&[
            ("s3:GetObject", objects),
            ("s3:PutObjectTagging", objects),
            ("s3:ListBucket", "GetAtt AttachmentsBucket.Arn"),
        ])
    );
    // Export presigns downloads; erasure deletes an erased client's files.
    assert_eq!(
        s3("PrivacyFunction"),
        pairs(&[("s3:GetObject", objects), ("s3:DeleteObject", objects)])
    );
    let resources = template["Resources"].as_mapping().unwrap();
    for (name, resource) in resources {
        let name = name.as_str().unwrap();
        if render(&resource["Type"]) != "AWS::Serverless::Function" {
            continue;
        }
        let vars = &resource["Properties"]["Environment"]["Variables"];
        let has_bucket = vars.get("ATTACHMENTS_BUCKET").is_some();
        let needs = matches!(
            name,
            "HttpApiFunction" | "WsMessageFunction" | "PrivacyFunction"
        );
        assert_eq!(has_bucket, needs, "{name}: ATTACHMENTS_BUCKET");
        if !needs {
            assert!(s3(name).is_empty(), "{name} needs no S3");
        }
    }
}

#[test]
fn the_messages_table_writes_for_uploads_are_held_to_upload_records() {
    let template = template();
    for (function, action) in [
        ("HttpApiFunction", "dynamodb:PutItem"),
        ("WsMessageFunction", "dynamodb:UpdateItem"),
    ] {
        let statements = &template["Resources"][function]["Properties"]["Policies"][0]["Statement"];
        let held = statements.as_sequence().unwrap().iter().find(|s| {
            many(&s["Action"]) == [action] && render(&s["Resource"]) == "GetAtt MessagesTable.Arn"
        });
        let held = held.unwrap_or_else(|| panic!("{function}: {action} on MessagesTable"));
        let keys = many(&held["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]);
        assert_eq!(keys, ["#file#*"], "{function}");
    }
}

#[test]
fn the_attachment_routes_are_the_codes() {
    let template = template();
    let events = &template["Resources"]["HttpApiFunction"]["Properties"]["Events"];
    for (event, method, path) in [
        ("Upload", "POST", "/chat/attachments/u1"),
        (
            "Download",
            "GET",
            "/chat/attachments/u1/01JF3Q8T9X4M2B7C5D6E7F8G9H",
        ),
    ] {
        let properties = &events[event]["Properties"];
        assert_eq!(properties["Method"].as_str(), Some(method), "{event}");
        let template_path = properties["Path"].as_str().unwrap();
        let concrete = template_path
            .replace("{client_id}", "u1")
            .replace("{attachment_id}", "01JF3Q8T9X4M2B7C5D6E7F8G9H");
        assert_eq!(concrete, path);
        let route = Route::match_path(method, path).expect("the code routes it");
        assert!(
            matches!(route, Route::Upload { .. } | Route::Download { .. }),
            "{route:?}"
        );
    }
}
