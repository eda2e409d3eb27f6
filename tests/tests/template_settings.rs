//! `template.yaml` cannot import Rust, so it is held here against the settings the code spells
//! once (`chat_shared::settings`, `Settings::default()`): the parameters' defaults and bounds,
//! and the environment that carries them to the functions. A change on one side only fails.

use std::collections::HashMap;

use chat_edge::auth::AuthConfig;
use chat_shared::config::{Config, ConfigError};
use chat_shared::settings::{
    parse_allowed_origins, CONNECTION_TTL_RANGE_S, DEFAULT_RATE_BURST, DEFAULT_RATE_PER_SECOND,
    DEFAULT_READ_RATE_BURST, DEFAULT_READ_RATE_PER_SECOND, MAX_MESSAGE_CHARS_RANGE,
    MIN_HS256_SECRET_BYTES, RATE_BURST_RANGE, RATE_PER_SECOND_RANGE,
};
use chat_shared::store::dynamodb::schema::{tables, TableRole};
use chat_shared::store::dynamodb::TTL_ATTRIBUTE;
use chat_shared::Settings;
use serde_norway::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn parameter<'a>(template: &'a Value, name: &str) -> &'a Value {
    template["Parameters"]
        .get(name)
        .unwrap_or_else(|| panic!("template.yaml has no parameter {name}"))
}

/// A scalar as the environment would carry it.
fn scalar(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

/// What a variable's value refers to: `!Ref Name` gives `Name`.
fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => None,
    }
}

/// The environment `function` gets with every parameter at its default (`None`: the Globals
/// only): a `!Ref` to a parameter is its default, any other reference or `!Sub` a placeholder.
fn environment(template: &Value, function: Option<&str>) -> HashMap<String, String> {
    let mut sections = vec![&template["Globals"]["Function"]];
    if let Some(name) = function {
        sections.push(&template["Resources"][name]["Properties"]);
    }
    let mut env = HashMap::new();
    for section in sections {
        let Some(vars) = section["Environment"]["Variables"].as_mapping() else {
            continue;
        };
        for (key, value) in vars {
            let resolved = match reference(value) {
                Some(name) => match template["Parameters"].get(name) {
                    Some(p) => scalar(&p["Default"]),
                    None => name.to_owned(),
                },
                None if matches!(value, Value::String(_) | Value::Number(_)) => scalar(value),
                None => "placeholder".to_owned(),
            };
            env.insert(key.as_str().unwrap().to_owned(), resolved);
        }
    }
    env
}

fn config_from(env: &HashMap<String, String>) -> Result<Config, ConfigError> {
    Config::from_lookup(|k| env.get(k).cloned())
}

#[test]
fn the_template_defaults_configure_the_functions_as_settings_default() {
    let template = template();
    let config = config_from(&environment(&template, None)).unwrap();
    assert_eq!(config.settings, Settings::default());
    // And the rate limit's defaults are the ones chat-local's flags use.
    let rule = config.settings.rate_limit.unwrap();
    assert_eq!(
        (rule.per_second, rule.burst),
        (DEFAULT_RATE_PER_SECOND, DEFAULT_RATE_BURST)
    );
    let reads = config.settings.read_rate_limit.unwrap();
    assert_eq!(
        (reads.per_second, reads.burst),
        (DEFAULT_READ_RATE_PER_SECOND, DEFAULT_READ_RATE_BURST)
    );
}

/// The numeric parameters the functions read from the Globals environment: variable,
/// parameter, and the range the functions accept.
fn numeric_settings() -> [(&'static str, &'static str, std::ops::RangeInclusive<i64>); 6] {
    [
        (
            "RATE_LIMIT_PER_SECOND",
            "RateLimitPerSecond",
            RATE_PER_SECOND_RANGE,
        ),
        ("RATE_LIMIT_BURST", "RateLimitBurst", RATE_BURST_RANGE),
        (
            "READ_RATE_LIMIT_PER_SECOND",
            "ReadRateLimitPerSecond",
            RATE_PER_SECOND_RANGE,
        ),
        (
            "READ_RATE_LIMIT_BURST",
            "ReadRateLimitBurst",
            RATE_BURST_RANGE,
        ),
        (
            "MAX_MESSAGE_CHARS",
            "MaxMessageChars",
            MAX_MESSAGE_CHARS_RANGE,
        ),
        (
            "CONNECTION_TTL_SECONDS",
            "ConnectionTtlSeconds",
            CONNECTION_TTL_RANGE_S,
        ),
    ]
}

#[test]
fn the_template_bounds_are_the_ones_the_functions_accept() {
    let template = template();
    let globals = &template["Globals"]["Function"]["Environment"]["Variables"];
    for (variable, name, range) in numeric_settings() {
        assert_eq!(reference(&globals[variable]), Some(name), "{variable}");
        let p = parameter(&template, name);
        assert_eq!(
            p["MinValue"].as_i64(),
            Some(*range.start()),
            "{name} MinValue"
        );
        // ConnectionTtlSeconds has no MaxValue: the stack takes any value and the functions
        // refuse one above a week at start-up. Where the template states a maximum, it agrees.
        if let Some(max) = p.get("MaxValue") {
            assert_eq!(max.as_i64(), Some(*range.end()), "{name} MaxValue");
        }
        // The functions accept the ends and refuse just beyond them.
        let with = |value: i64| {
            let mut env = environment(&template, None);
            env.insert(variable.to_owned(), value.to_string());
            config_from(&env).map(|_| ())
        };
        assert_eq!(with(*range.start()), Ok(()), "{variable}");
        assert_eq!(with(*range.end()), Ok(()), "{variable}");
        for outside in [range.start() - 1, range.end() + 1] {
            assert!(
                matches!(with(outside), Err(ConfigError::Invalid(v, _)) if v == variable),
                "{variable}={outside}"
            );
        }
    }
}

#[test]
fn the_token_functions_get_the_secret_and_origins_the_code_reads() {
    let template = template();
    for function in ["AuthorizerFunction", "HttpApiFunction"] {
        let vars = &template["Resources"][function]["Properties"]["Environment"]["Variables"];
        assert_eq!(
            reference(&vars["JWT_SECRET"]),
            Some("JwtSecret"),
            "{function}"
        );
    }
    let vars =
        &template["Resources"]["AuthorizerFunction"]["Properties"]["Environment"]["Variables"];
    assert_eq!(reference(&vars["ALLOWED_ORIGINS"]), Some("AllowedOrigins"));
    // The default, empty, allows any origin, as the parameter says.
    let origins = parameter(&template, "AllowedOrigins");
    assert!(parse_allowed_origins(&scalar(&origins["Default"])).is_ok_and(|o| o.is_empty()));
    assert!(scalar(&origins["Description"]).contains("Empty - any origin"));
    // With every parameter at its default there is no key source: the Rules refuse that.
    let env = environment(&template, Some("AuthorizerFunction"));
    assert_eq!(AuthConfig::from_lookup(|k| env.get(k).cloned()), None);
    // The secret's rule, stated to whoever deploys.
    let secret = scalar(&parameter(&template, "JwtSecret")["Description"]);
    assert!(
        secret.contains(&format!("at least {MIN_HS256_SECRET_BYTES} bytes")),
        "{secret}"
    );
}

/// The HTTP function takes read tokens, the system-message function the receiver's tokens (an
/// UpdateItem on the Connections table), under a condition that names the attributes the rate
/// limiter writes: the table's key, `tat` and the TTL attribute. Renaming one in code without
/// the template would deny every read and every system message.
#[test]
fn the_http_functions_may_update_only_the_rate_limit_attributes_of_connections() {
    for function in ["HttpApiFunction", "SystemMessageFunction"] {
        only_rate_limit_updates_on_connections(function);
    }
}

fn only_rate_limit_updates_on_connections(name: &str) {
    let template = template();
    let function = &template["Resources"][name]["Properties"];
    let on_connections = |statement: &&Value| match &statement["Resource"] {
        Value::Tagged(t) => t.tag == "GetAtt" && t.value.as_str() == Some("ConnectionsTable.Arn"),
        _ => false,
    };
    let updates: Vec<&Value> = function["Policies"][0]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter(on_connections)
        .filter(|s| {
            serde_norway::to_string(&s["Action"])
                .unwrap()
                .contains("UpdateItem")
        })
        .collect();
    assert_eq!(
        updates.len(),
        1,
        "{name}: one statement grants UpdateItem on Connections"
    );
    assert_eq!(updates[0]["Action"].as_str(), Some("dynamodb:UpdateItem"));
    let mut allowed: Vec<&str> = updates[0]["Condition"]["ForAllValues:StringEquals"]
        ["dynamodb:Attributes"]
        .as_sequence()
        .expect("a dynamodb:Attributes condition")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let connections = tables()
        .into_iter()
        .find(|t| t.role == TableRole::Connections)
        .unwrap();
    let mut expected = vec![
        connections.partition_key.name,
        connections.sort_key.name,
        "tat",
        TTL_ATTRIBUTE,
    ];
    allowed.sort_unstable();
    expected.sort_unstable();
    assert_eq!(allowed, expected);
}

/// System messages: their route alone has IAM authorization, their function alone knows the
/// backend (`SYSTEM_PRINCIPAL_ARN` from `BackendPrincipalArn`, whose default refuses every
/// signer and whose pattern admits only role and user ARNs the functions parse), and the HTTP
/// function, which serves tokens, may not write messages.
#[test]
fn only_the_system_message_route_takes_iam_and_only_its_function_names_the_backend() {
    let template = template();
    let resources = &template["Resources"];
    let system = &resources["SystemMessageFunction"]["Properties"];
    let events = system["Events"].as_mapping().unwrap();
    assert_eq!(events.len(), 1, "one route");
    let (_, event) = events.iter().next().unwrap();
    assert_eq!(
        event["Properties"]["Path"].as_str(),
        Some("/chat/system/{receiver_id}")
    );
    assert_eq!(event["Properties"]["Method"].as_str(), Some("POST"));
    assert_eq!(
        event["Properties"]["Auth"]["Authorizer"].as_str(),
        Some("AWS_IAM")
    );
    assert_eq!(
        resources["HttpApi"]["Properties"]["Auth"]["EnableIamAuthorizer"].as_bool(),
        Some(true)
    );
    // No other route of the HTTP API is IAM-authorized (nor has any other authorizer).
    let http = &resources["HttpApiFunction"]["Properties"];
    for (name, event) in http["Events"].as_mapping().unwrap() {
        assert!(event["Properties"].get("Auth").is_none(), "{name:?}");
    }
    let vars = &system["Environment"]["Variables"];
    assert_eq!(
        reference(&vars["SYSTEM_PRINCIPAL_ARN"]),
        Some("BackendPrincipalArn")
    );
    assert!(http["Environment"]["Variables"]
        .get("SYSTEM_PRINCIPAL_ARN")
        .is_none());
    assert!(template["Globals"]["Function"]["Environment"]["Variables"]
        .get("SYSTEM_PRINCIPAL_ARN")
        .is_none());
    // The parameter's default is "none"; what its pattern admits, the functions accept.
    let parameter = parameter(&template, "BackendPrincipalArn");
    assert_eq!(scalar(&parameter["Default"]), "");
    let mut env = environment(&template, Some("SystemMessageFunction"));
    assert_eq!(config_from(&env).unwrap().settings.system_principal, None);
    let pattern = regex_lite::Regex::new(parameter["AllowedPattern"].as_str().unwrap()).unwrap();
    for arn in [
        "arn:aws:iam::123456789012:role/booking-backend",
        "arn:aws:iam::123456789012:role/service/booking",
        "arn:aws-cn:iam::123456789012:user/backend",
    ] {
        assert!(pattern.is_match(arn), "{arn}");
        env.insert("SYSTEM_PRINCIPAL_ARN".into(), arn.into());
        assert!(
            config_from(&env)
                .unwrap()
                .settings
                .system_principal
                .is_some(),
            "{arn}"
        );
    }
    for arn in [
        "*",
        "arn:aws:sts::123456789012:assumed-role/r/s",
        "arn:aws:iam::123:role/r",
    ] {
        assert!(!pattern.is_match(arn), "{arn}");
    }
    // The HTTP function may not write messages (its only PutItem there is held to upload
    // records, `#file#...`); the system-message function may.
    let actions_on_messages = |function: &Value| -> String {
        let statements = function["Policies"][0]["Statement"].as_sequence().unwrap();
        statements
            .iter()
            .filter(|s| {
                serde_norway::to_string(&s["Resource"])
                    .unwrap()
                    .contains("MessagesTable")
                    && s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"][0].as_str()
                        != Some("#file#*")
            })
            .map(|s| serde_norway::to_string(&s["Action"]).unwrap())
            .collect()
    };
    assert!(!actions_on_messages(http).contains("PutItem"));
    assert!(actions_on_messages(system).contains("PutItem"));
}
