//! `template.yaml`'s data rules (docs/data-rules.md) against the code: retention's parameter
//! reaches every function as the variable the code reads and the tables and the bucket expire
//! what the code marks; the optional customer-managed key switches every store and is granted,
//! only under its condition, exactly as the functions' calls need; the export and erasure
//! routes reach a function that may do exactly what they call.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chat_edge::routes::Route;
use chat_shared::config::{Config, ConfigError};
use chat_shared::domain::Retention;
use chat_shared::files::ObjectState;
use chat_shared::store::dynamodb::TTL_ATTRIBUTE;
use chat_tests::template::{grants, many, render, template};
use serde_norway::Value;

/// The export and erasure routes: people's, then the booking backend's.
const PRIVACY_ROUTES: [(&str, &str); 4] = [
    ("GET", "/chat/export/{client_id}"),
    ("POST", "/chat/erasure/{client_id}"),
    ("GET", "/chat/system/export/{client_id}"),
    ("POST", "/chat/system/erasure/{client_id}"),
];

fn is_if(value: &Value) -> bool {
    matches!(value, Value::Tagged(t) if t.tag == "If")
}

/// The three parts of `!If [condition, then, else]`.
fn branches(value: &Value) -> (&str, &Value, &Value) {
    match value {
        Value::Tagged(t) if t.tag == "If" => {
            let parts = t.value.as_sequence().expect("!If takes a list");
            assert_eq!(parts.len(), 3, "!If [condition, then, else]");
            let condition = parts[0].as_str().expect("a condition name");
            (condition, &parts[1], &parts[2])
        }
        other => panic!("not an !If: {other:?}"),
    }
}

/// The logical ids of the resources of one type.
fn resources_of<'a>(template: &'a Value, kind: &str) -> Vec<&'a str> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource["Type"].as_str() == Some(kind))
        .map(|(name, _)| name.as_str().unwrap())
        .collect()
}

fn functions(template: &Value) -> Vec<&str> {
    resources_of(template, "AWS::Serverless::Function")
}

#[test]
fn retention_is_off_by_default_and_reaches_every_function_as_the_variable_the_code_reads() {
    let template = template();
    let parameter = &template["Parameters"]["RetentionDays"];
    assert_eq!(parameter["Type"].as_str(), Some("Number"));
    assert_eq!(parameter["Default"].as_i64(), Some(0));
    assert_eq!(parameter["MinValue"].as_i64(), Some(0));
    assert_eq!(parameter["MaxValue"].as_i64(), Some(3650));
    assert!(render(&parameter["Description"]).contains("0 - off"));
    // In the Globals, so every function gets it; none sets its own.
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(render(&globals["RETENTION_DAYS"]), "Ref RetentionDays");
    for function in functions(&template) {
        let own = &template["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert!(
            own.get("RETENTION_DAYS").is_none(),
            "{function} sets RETENTION_DAYS itself"
        );
    }
    // The functions read the default as "off", and accept exactly the parameter's range.
    let with = |days: &str| {
        let env: HashMap<String, String> = [
            ("CONNECTIONS_TABLE", "c"),
            ("MESSAGES_TABLE", "m"),
            ("INBOX_TABLE", "i"),
            ("RETENTION_DAYS", days),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Config::from_lookup(|k| env.get(k).cloned()).map(|c| c.settings.retention)
    };
    assert_eq!(with("0"), Ok(Retention::default()));
    assert_eq!(with("3650"), Ok(Retention::days(3650)));
    for outside in ["-1", "3651"] {
        assert!(
            matches!(
                with(outside),
                Err(ConfigError::Invalid("RETENTION_DAYS", _))
            ),
            "RETENTION_DAYS={outside}"
        );
    }
}

#[test]
fn every_table_expires_items_by_the_ttl_attribute_the_code_writes() {
    let template = template();
    let tables = resources_of(&template, "AWS::DynamoDB::Table");
    assert_eq!(tables.len(), 3, "{tables:?}");
    for table in tables {
        let ttl = &template["Resources"][table]["Properties"]["TimeToLiveSpecification"];
        assert_eq!(
            ttl["AttributeName"].as_str(),
            Some(TTL_ATTRIBUTE),
            "{table}"
        );
        assert_eq!(ttl["Enabled"].as_bool(), Some(true), "{table}");
    }
}

#[test]
fn attached_files_expire_only_with_retention_and_after_retention_days() {
    let template = template();
    let rules = template["Resources"]["AttachmentsBucket"]["Properties"]["LifecycleConfiguration"]
        ["Rules"]
        .as_sequence()
        .unwrap();
    let conditional: Vec<&Value> = rules.iter().filter(|r| is_if(r)).collect();
    assert_eq!(conditional.len(), 1, "one conditional lifecycle rule");
    let (condition, rule, otherwise) = branches(conditional[0]);
    assert_eq!(condition, "HasRetention");
    assert_eq!(render(otherwise), "Ref AWS::NoValue");
    assert_eq!(rule["Id"].as_str(), Some("AttachedAttachmentsExpire"));
    assert_eq!(rule["Status"].as_str(), Some("Enabled"));
    assert_eq!(rule["Prefix"].as_str(), Some("uploads/"));
    let tag = &rule["TagFilters"][0];
    assert_eq!(tag["Key"].as_str(), Some(ObjectState::TAG));
    assert_eq!(tag["Value"].as_str(), Some(ObjectState::Attached.as_str()));
    assert_eq!(render(&rule["ExpirationInDays"]), "Ref RetentionDays");
    // The condition is "RetentionDays is not 0"; no other rule expires attached files.
    let defined = render(&template["Conditions"]["HasRetention"]);
    assert!(
        defined.starts_with("Not ") && defined.contains("RetentionDays"),
        "{defined}"
    );
    for other in rules.iter().filter(|r| !is_if(r)) {
        assert_ne!(
            other["TagFilters"][0]["Value"].as_str(),
            Some(ObjectState::Attached.as_str()),
            "{other:?}"
        );
    }
}

#[test]
fn a_kms_key_is_optional_and_switches_every_table_and_the_bucket_to_it() {
    let template = template();
    let parameter = &template["Parameters"]["KmsKeyArn"];
    assert_eq!(parameter["Type"].as_str(), Some("String"));
    assert_eq!(parameter["Default"].as_str(), Some(""));
    let pattern = regex_lite::Regex::new(parameter["AllowedPattern"].as_str().unwrap()).unwrap();
    for admitted in [
        "",
        "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws-cn:kms:cn-north-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ] {
        assert!(pattern.is_match(admitted), "{admitted}");
    }
    for refused in [
        "*",
        "alias/chat",
        "arn:aws:kms:eu-west-1:123456789012:alias/chat",
        "arn:aws:kms:eu-west-1:123:key/1234abcd",
    ] {
        assert!(!pattern.is_match(refused), "{refused}");
    }
    let defined = render(&template["Conditions"]["HasKmsKey"]);
    assert!(
        defined.starts_with("Not ") && defined.contains("KmsKeyArn"),
        "{defined}"
    );
    for table in resources_of(&template, "AWS::DynamoDB::Table") {
        let sse = &template["Resources"][table]["Properties"]["SSESpecification"];
        let (condition, with_key, without) = branches(sse);
        assert_eq!(condition, "HasKmsKey", "{table}");
        assert_eq!(with_key["SSEEnabled"].as_bool(), Some(true), "{table}");
        assert_eq!(with_key["SSEType"].as_str(), Some("KMS"), "{table}");
        assert_eq!(
            render(&with_key["KMSMasterKeyId"]),
            "Ref KmsKeyArn",
            "{table}"
        );
        // Without a key: an AWS owned key (DynamoDB encrypts at rest always), no key named.
        assert_eq!(without["SSEEnabled"].as_bool(), Some(false), "{table}");
        assert!(without.get("KMSMasterKeyId").is_none(), "{table}");
    }
    let encryption = &template["Resources"]["AttachmentsBucket"]["Properties"]["BucketEncryption"]
        ["ServerSideEncryptionConfiguration"][0];
    assert_eq!(encryption["BucketKeyEnabled"].as_bool(), Some(true));
    let (condition, with_key, without) = branches(&encryption["ServerSideEncryptionByDefault"]);
    assert_eq!(condition, "HasKmsKey");
    assert_eq!(with_key["SSEAlgorithm"].as_str(), Some("aws:kms"));
    assert_eq!(render(&with_key["KMSMasterKeyID"]), "Ref KmsKeyArn");
    assert_eq!(without["SSEAlgorithm"].as_str(), Some("AES256"));
    assert!(without.get("KMSMasterKeyID").is_none());
}

/// The KMS actions a function's calls need on the stack's key (the AWS pages are cited in
/// template.yaml's Functions comment): `kms:Decrypt` for any DynamoDB call (tables, indexes
/// and streams share the table's key) and any S3 download; `kms:GenerateDataKey` for an upload.
fn kms_needed(granted: &BTreeSet<(String, String)>) -> BTreeSet<String> {
    let mut needed = BTreeSet::new();
    for (action, _) in granted {
        if action.starts_with("dynamodb:") || action == "s3:GetObject" {
            needed.insert("kms:Decrypt".to_owned());
        }
        if action == "s3:PutObject" {
            needed.insert("kms:GenerateDataKey".to_owned());
        }
    }
    needed
}

/// The KMS actions `function`'s role gets. Only a policy after the inline one may grant them,
/// and each such policy is `!If [HasKmsKey, {...}, !Ref AWS::NoValue]` naming only the key.
fn kms_granted(template: &Value, function: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let policies = &template["Resources"][function]["Properties"]["Policies"];
    let Some(policies) = policies.as_sequence() else {
        return out;
    };
    for (i, policy) in policies.iter().enumerate() {
        if !is_if(policy) {
            // The inline policy (what `grants` reads): no KMS, no statement under a condition.
            assert_eq!(
                i, 0,
                "{function}: an unconditional policy after the inline one"
            );
            for statement in policy["Statement"].as_sequence().unwrap() {
                assert!(
                    statement.as_mapping().is_some(),
                    "{function}: a conditional statement in the inline policy"
                );
                for action in many(&statement["Action"]) {
                    assert!(
                        !action.starts_with("kms:"),
                        "{function}: {action} without HasKmsKey"
                    );
                }
            }
            continue;
        }
        let (condition, document, otherwise) = branches(policy);
        assert_eq!(condition, "HasKmsKey", "{function}");
        assert_eq!(render(otherwise), "Ref AWS::NoValue", "{function}");
        for statement in document["Statement"].as_sequence().unwrap() {
            assert_eq!(statement["Effect"].as_str(), Some("Allow"), "{function}");
            assert_eq!(
                many(&statement["Resource"]),
                ["Ref KmsKeyArn"],
                "{function}: the key only"
            );
            for action in many(&statement["Action"]) {
                assert!(
                    action.starts_with("kms:") && !action.contains('*'),
                    "{function}: {action}"
                );
                out.insert(action);
            }
        }
    }
    out
}

#[test]
fn each_role_gets_only_the_kms_actions_its_calls_need_and_only_with_a_key() {
    let template = template();
    let mut roles = BTreeMap::new();
    for function in functions(&template) {
        let granted = kms_granted(&template, function);
        let needed = kms_needed(&grants(&template, function));
        assert_eq!(
            granted, needed,
            "{function}: KMS actions granted (left) and needed by its calls (right)"
        );
        if !granted.is_empty() {
            roles.insert(function.to_owned(), granted);
        }
    }
    // What the rule gives today: the authorizer and the webhook touch no table or bucket.
    let actions =
        |list: &[&str]| -> BTreeSet<String> { list.iter().map(|a| a.to_string()).collect() };
    let decrypt = actions(&["kms:Decrypt"]);
    let expected: BTreeMap<String, BTreeSet<String>> = [
        ("WsConnectFunction", decrypt.clone()),
        ("WsDisconnectFunction", decrypt.clone()),
        ("WsMessageFunction", decrypt.clone()),
        (
            "HttpApiFunction",
            actions(&["kms:Decrypt", "kms:GenerateDataKey"]),
        ),
        ("SystemMessageFunction", decrypt.clone()),
        ("PrivacyFunction", decrypt.clone()),
        ("EventsFunction", decrypt.clone()),
        ("NoticeFunction", decrypt),
    ]
    .into_iter()
    .map(|(function, granted)| (function.to_owned(), granted))
    .collect();
    assert_eq!(roles, expected);
}

#[test]
fn point_in_time_recovery_stays_on_for_messages_and_inbox() {
    let template = template();
    for table in ["MessagesTable", "InboxTable"] {
        let resource = &template["Resources"][table];
        let pitr = &resource["Properties"]["PointInTimeRecoverySpecification"];
        assert_eq!(
            pitr["PointInTimeRecoveryEnabled"].as_bool(),
            Some(true),
            "{table}"
        );
        assert_eq!(render(&resource["DeletionPolicy"]), "Retain", "{table}");
    }
}

#[test]
fn the_privacy_function_serves_the_four_routes_and_only_the_backends_take_iam() {
    let template = template();
    let function = &template["Resources"]["PrivacyFunction"];
    assert_eq!(
        function["Metadata"]["BuildMethod"].as_str(),
        Some("rust-cargolambda")
    );
    assert_eq!(
        function["Metadata"]["BuildProperties"]["Binary"].as_str(),
        Some("http-api")
    );
    let mut served = BTreeSet::new();
    for (name, event) in function["Properties"]["Events"].as_mapping().unwrap() {
        let p = &event["Properties"];
        assert_eq!(event["Type"].as_str(), Some("HttpApi"), "{name:?}");
        assert_eq!(render(&p["ApiId"]), "Ref HttpApi", "{name:?}");
        let (method, path) = (p["Method"].as_str().unwrap(), p["Path"].as_str().unwrap());
        let route = Route::match_path(method, &path.replace("{client_id}", "u1"))
            .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
        let iam = p["Auth"]["Authorizer"].as_str() == Some("AWS_IAM");
        assert_eq!(
            iam,
            route.is_backend(),
            "{method} {path}: AWS_IAM exactly on the booking backend's routes"
        );
        if !iam {
            assert!(
                p.get("Auth").is_none(),
                "{method} {path}: people's tokens are verified by the function"
            );
        }
        match route {
            Route::Export { client_id, .. } | Route::Erasure { client_id, .. } => {
                assert_eq!(client_id, "u1")
            }
            other => panic!("{method} {path} is {other:?}"),
        }
        served.insert((method.to_owned(), path.to_owned()));
    }
    let expected: BTreeSet<(String, String)> = PRIVACY_ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(served, expected);
    // No other function serves them.
    for other in functions(&template) {
        let events = &template["Resources"][other]["Properties"]["Events"];
        let Some(events) = events.as_mapping() else {
            continue;
        };
        if other == "PrivacyFunction" {
            continue;
        }
        for (_, event) in events {
            let path = event["Properties"]["Path"].as_str().unwrap_or_default();
            assert!(
                !PRIVACY_ROUTES.iter().any(|(_, p)| *p == path),
                "{other} serves {path}"
            );
        }
    }
    // Tokens for people, the backend's ARN for SigV4 callers, the bucket for files, the
    // Management API for closing connections: as the HTTP and system-message functions.
    let vars = &function["Properties"]["Environment"]["Variables"];
    for (variable, value) in [
        ("SYSTEM_PRINCIPAL_ARN", "Ref BackendPrincipalArn"),
        ("JWT_SECRET", "Ref JwtSecret"),
        ("JWT_JWKS_URL", "Ref JwtJwksUrl"),
        ("JWT_ISSUER", "Ref JwtIssuer"),
        ("JWT_AUDIENCE", "Ref JwtAudience"),
        ("ATTACHMENTS_BUCKET", "Ref AttachmentsBucket"),
    ] {
        assert_eq!(render(&vars[variable]), value, "{variable}");
    }
    let http = &template["Resources"]["HttpApiFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(
        render(&vars["MANAGEMENT_ENDPOINT"]),
        render(&http["MANAGEMENT_ENDPOINT"])
    );
    // What the booking backend's role is given execute-api:Invoke on.
    let invoke = render(&template["Outputs"]["PrivacyInvokeArns"]["Value"]);
    for route in [
        "/*/GET/chat/system/export/*",
        "/*/POST/chat/system/erasure/*",
    ] {
        assert!(invoke.contains(route), "{route}: {invoke}");
    }
}

#[test]
fn the_privacy_function_may_do_exactly_what_export_and_erasure_call() {
    let template = template();
    let connections = "GetAtt ConnectionsTable.Arn";
    let mut expected: BTreeSet<(String, String)> = BTreeSet::new();
    let mut allow = |actions: &[&str], resource: &str| {
        for action in actions {
            expected.insert((action.to_string(), resource.to_owned()));
        }
    };
    allow(
        &[
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:BatchGetItem",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
        ],
        "GetAtt MessagesTable.Arn",
    );
    allow(
        &["dynamodb:Query"],
        "Sub ${MessagesTable.Arn}/index/by_sender",
    );
    allow(
        &["dynamodb:Query"],
        "Sub ${MessagesTable.Arn}/index/by_receiver",
    );
    allow(
        &[
            "dynamodb:Query",
            "dynamodb:DeleteItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:UpdateItem",
        ],
        connections,
    );
    allow(
        &[
            "dynamodb:Query",
            "dynamodb:GetItem",
            "dynamodb:UpdateItem",
            "dynamodb:BatchWriteItem",
        ],
        "GetAtt InboxTable.Arn",
    );
    allow(
        &["s3:GetObject", "s3:DeleteObject"],
        "Sub ${AttachmentsBucket.Arn}/uploads/*",
    );
    for method in ["DELETE", "POST"] {
        let resource = format!(
            "Sub arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:\
             ${{WebSocketApi}}/${{StageName}}/{method}/@connections/*"
        );
        allow(&["execute-api:ManageConnections"], resource.as_str());
    }
    // Exactly these: a wildcard action or resource, or anything more, fails here.
    let granted = grants(&template, "PrivacyFunction");
    assert_eq!(granted, expected);
    for (action, resource) in &granted {
        assert!(!action.contains('*'), "{action}");
        assert!(resource != "*", "{action} on *");
    }
    // Its one UpdateItem on Connections is the read bucket's: only the rate-limit attributes.
    let statements = template["Resources"]["PrivacyFunction"]["Properties"]["Policies"][0]
        ["Statement"]
        .as_sequence()
        .unwrap();
    let update = statements
        .iter()
        .find(|s| {
            many(&s["Action"]) == ["dynamodb:UpdateItem"] && render(&s["Resource"]) == connections
        })
        .expect("an UpdateItem statement on Connections");
    let mut attributes =
        many(&update["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"]);
    attributes.sort();
    assert_eq!(attributes, ["client_id", "expires_at", "sk", "tat"]);
    assert_eq!(
        render(&update["Condition"]["StringEqualsIfExists"]["dynamodb:ReturnValues"]),
        "NONE"
    );
}

#[test]
fn a_completed_erasure_reaches_the_events_function_through_the_messages_stream_filter() {
    let template = template();
    let filters = template["Resources"]["MessagesStreamMapping"]["Properties"]["FilterCriteria"]
        ["Filters"]
        .as_sequence()
        .unwrap();
    let patterns: Vec<serde_json::Value> = filters
        .iter()
        .map(|f| serde_json::from_str(f["Pattern"].as_str().unwrap()).unwrap())
        .collect();
    let erasure = patterns
        .iter()
        .find(|p| !p["dynamodb"]["NewImage"]["erasure_of"].is_null())
        .expect("a filter passes the erasure's progress record");
    let image = &erasure["dynamodb"]["NewImage"];
    assert_eq!(
        image["erasure_of"]["S"][0]["exists"],
        serde_json::json!(true)
    );
    assert_eq!(
        image["completed_at_ms"]["N"][0]["exists"],
        serde_json::json!(true)
    );
    // Messages still pass (template_events.rs holds that filter).
    assert!(patterns
        .iter()
        .any(|p| !p["dynamodb"]["NewImage"]["appointment_id"].is_null()));
}
