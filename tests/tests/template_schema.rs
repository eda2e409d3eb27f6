//! `template.yaml`'s DynamoDB tables against the schema in code (`store::dynamodb::schema`,
//! which chat-local and the tests create their tables from), so neither can change alone.
//! Tables are matched by role: the functions' `<ROLE>_TABLE` variable names the resource.

use std::collections::{BTreeMap, BTreeSet};

use chat_shared::store::dynamodb::schema::{self, KeyAttribute, TableRole, TableSchema};
use serde_norway::Value;

const TEMPLATE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml");

/// One table's schema as text, read alike from template.yaml and from code.
#[derive(Debug, PartialEq)]
struct TableShape {
    billing_mode: String,
    /// (attribute, HASH or RANGE), in order.
    key_schema: Vec<(String, String)>,
    /// (attribute, type) of `AttributeDefinitions`.
    attributes: BTreeSet<(String, String)>,
    indexes: BTreeMap<String, IndexShape>,
    ttl_attribute: Option<String>,
    /// `StreamSpecification.StreamViewType`, if the table has a stream.
    stream: Option<String>,
}

#[derive(Debug, PartialEq)]
struct IndexShape {
    key_schema: Vec<(String, String)>,
    projection: String,
}

fn template() -> Value {
    let text = std::fs::read_to_string(TEMPLATE).expect("template.yaml is readable");
    serde_norway::from_str(&text).expect("template.yaml parses as YAML")
}

/// `value` at `path` (keys separated by `.`), or a panic naming the path.
fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| {
        v.get(key)
            .unwrap_or_else(|| panic!("template.yaml: {path} is missing ({key})"))
    })
}

fn text(value: &Value, path: &str) -> String {
    at(value, path)
        .as_str()
        .unwrap_or_else(|| panic!("template.yaml: {path} is not a string"))
        .to_owned()
}

fn list<'a>(value: &'a Value, path: &str) -> &'a [Value] {
    at(value, path)
        .as_sequence()
        .unwrap_or_else(|| panic!("template.yaml: {path} is not a list"))
}

/// The logical id of the table the functions get as `<ROLE>_TABLE` (`!Ref <logical id>`).
fn logical_id(template: &Value, role: TableRole) -> String {
    let variable = format!("{}_TABLE", role.as_str().to_uppercase());
    let path = format!("Globals.Function.Environment.Variables.{variable}");
    match at(template, &path) {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged
            .value
            .as_str()
            .unwrap_or_else(|| panic!("template.yaml: {path} is not `!Ref <table>`"))
            .to_owned(),
        other => panic!("template.yaml: {path} is {other:?}, not `!Ref <table>`"),
    }
}

/// The logical ids of every `AWS::DynamoDB::Table` resource.
fn table_resources(template: &Value) -> BTreeSet<String> {
    let resources = at(template, "Resources")
        .as_mapping()
        .expect("template.yaml: Resources is a mapping");
    resources
        .iter()
        .filter(|(_, resource)| resource.get("Type") == Some(&"AWS::DynamoDB::Table".into()))
        .map(|(id, _)| id.as_str().expect("resource ids are strings").to_owned())
        .collect()
}

fn template_key_schema(value: &Value, path: &str) -> Vec<(String, String)> {
    list(value, path)
        .iter()
        .map(|key| (text(key, "AttributeName"), text(key, "KeyType")))
        .collect()
}

fn template_shape(properties: &Value) -> TableShape {
    let attributes = list(properties, "AttributeDefinitions")
        .iter()
        .map(|a| (text(a, "AttributeName"), text(a, "AttributeType")))
        .collect();
    let indexes = match properties.get("GlobalSecondaryIndexes") {
        None => BTreeMap::new(),
        Some(_) => list(properties, "GlobalSecondaryIndexes")
            .iter()
            .map(|index| {
                let shape = IndexShape {
                    key_schema: template_key_schema(index, "KeySchema"),
                    projection: text(index, "Projection.ProjectionType"),
                };
                (text(index, "IndexName"), shape)
            })
            .collect(),
    };
    let ttl_attribute = properties.get("TimeToLiveSpecification").map(|ttl| {
        assert_eq!(ttl.get("Enabled"), Some(&Value::Bool(true)), "TTL enabled");
        text(ttl, "AttributeName")
    });
    TableShape {
        billing_mode: text(properties, "BillingMode"),
        key_schema: template_key_schema(properties, "KeySchema"),
        attributes,
        indexes,
        ttl_attribute,
        stream: (properties.get("StreamSpecification")).map(|s| text(s, "StreamViewType")),
    }
}

fn code_key_schema(hash: &KeyAttribute, range: &KeyAttribute) -> Vec<(String, String)> {
    vec![
        (hash.name.to_owned(), "HASH".to_owned()),
        (range.name.to_owned(), "RANGE".to_owned()),
    ]
}

fn code_shape(table: &TableSchema) -> TableShape {
    let indexes = table.indexes.iter().map(|index| {
        let shape = IndexShape {
            key_schema: code_key_schema(&index.partition_key, &index.sort_key),
            projection: index.projection.as_str().to_owned(),
        };
        (index.name.to_owned(), shape)
    });
    TableShape {
        billing_mode: table.billing_mode.as_str().to_owned(),
        key_schema: code_key_schema(&table.partition_key, &table.sort_key),
        attributes: (table.key_attributes().iter())
            .map(|key| (key.name.to_owned(), key.kind.as_str().to_owned()))
            .collect(),
        indexes: indexes.collect(),
        ttl_attribute: table.ttl_attribute.map(str::to_owned),
        stream: table.stream.as_ref().map(|view| view.as_str().to_owned()),
    }
}

fn same<T: PartialEq + std::fmt::Debug>(table: &str, aspect: &str, template: T, code: T) {
    assert_eq!(
        template, code,
        "{table}: {aspect} in template.yaml (left) and store/dynamodb/schema.rs (right) differ"
    );
}

/// Compares aspect by aspect, so a failure names what differs.
fn compare(table: &str, template: &TableShape, code: &TableShape) {
    same(
        table,
        "BillingMode",
        &template.billing_mode,
        &code.billing_mode,
    );
    same(table, "KeySchema", &template.key_schema, &code.key_schema);
    same(
        table,
        "AttributeDefinitions",
        &template.attributes,
        &code.attributes,
    );
    let names = |shape: &TableShape| shape.indexes.keys().cloned().collect::<Vec<_>>();
    same(table, "index names", names(template), names(code));
    same(
        table,
        "index keys or projection",
        &template.indexes,
        &code.indexes,
    );
    same(
        table,
        "TTL attribute",
        &template.ttl_attribute,
        &code.ttl_attribute,
    );
    same(table, "stream", &template.stream, &code.stream);
}

#[test]
fn template_tables_match_the_schema_in_code() {
    let template = template();
    let mut covered = BTreeSet::new();
    for table in schema::tables() {
        let id = logical_id(&template, table.role);
        let properties = at(&template, &format!("Resources.{id}.Properties"));
        let name = format!("{} table ({id})", table.role.as_str());
        compare(&name, &template_shape(properties), &code_shape(&table));
        covered.insert(id);
    }
    assert_eq!(
        table_resources(&template),
        covered,
        "template.yaml's DynamoDB tables (left) are not those the schema in code describes (right)"
    );
}
