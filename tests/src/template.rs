//! `template.yaml` read as values, for the tests that hold it against the code: its
//! CloudFormation tags kept as text (`!GetAtt X.Arn` renders as `GetAtt X.Arn`), and each
//! function's inline policy as (action, resource) pairs.

use std::collections::BTreeSet;

use serde_norway::Value;

pub fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A value as text: `!GetAtt X.Arn` is `GetAtt X.Arn`, `!Ref X` is `Ref X`.
pub fn render(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Tagged(t) => format!(
            "{} {}",
            t.tag.to_string().trim_start_matches('!'),
            render(&t.value)
        ),
        other => serde_norway::to_string(other).unwrap().trim().to_owned(),
    }
}

pub fn many(value: &Value) -> Vec<String> {
    match value {
        Value::Sequence(items) => items.iter().map(render).collect(),
        one => vec![render(one)],
    }
}

/// Every (action, resource) a function's inline policy allows.
pub fn grants(template: &Value, function: &str) -> BTreeSet<(String, String)> {
    let policies = &template["Resources"][function]["Properties"]["Policies"];
    let Some(statements) = policies[0]["Statement"].as_sequence() else {
        // No inline policy (the authorizer calls nothing of AWS): nothing granted.
        assert!(
            policies.is_null(),
            "{function}: policies other than inline ones"
        );
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    for statement in statements {
        assert_eq!(statement["Effect"].as_str(), Some("Allow"));
        for action in many(&statement["Action"]) {
            for resource in many(&statement["Resource"]) {
                out.insert((action.clone(), resource));
            }
        }
    }
    out
}
