//! `template.yaml`'s events-out resources against the code: the parameters' defaults and
//! bounds are the events functions' own, each function's policy grants exactly what it calls,
//! and the streams and queues reach the functions through plain event source mappings (SAM's
//! stream and queue events would attach managed policies that read any stream or queue).

use std::collections::BTreeSet;

use chat_shared::events::{EventsConfig, NoticeDelays, MAX_NOTICE_DELAY_S};
use serde_norway::Value;

use chat_tests::template::{grants, many, render, template};

fn set(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(a, r)| (a.to_string(), r.to_string()))
        .collect()
}

fn default_of(template: &Value, parameter: &str) -> String {
    render(&template["Parameters"][parameter]["Default"])
}

#[test]
fn the_event_parameters_default_to_what_the_events_function_defaults_to() {
    let template = template();
    let vars = &template["Resources"]["EventsFunction"]["Properties"]["Environment"]["Variables"];
    let env = |key: &str| -> Option<String> {
        let value = vars.get(key)?;
        Some(match value {
            Value::Tagged(t) if t.tag == "Ref" => {
                let name = t.value.as_str().unwrap();
                match template["Parameters"].get(name) {
                    Some(_) => default_of(&template, name),
                    None => format!("resource {name}"),
                }
            }
            other => render(other),
        })
    };
    let config = EventsConfig::from_lookup(env).unwrap();
    assert!(!config.include_text, "no text in events by default");
    assert_eq!(config.delays, NoticeDelays::default());
    assert!(config.bus.is_some() && config.notice_queue_url.is_some());
    for parameter in ["NoticeOfflineDelaySeconds", "NoticeUnreadDelaySeconds"] {
        let p = &template["Parameters"][parameter];
        assert_eq!(render(&p["MinValue"]), "0", "{parameter}");
        assert_eq!(
            render(&p["MaxValue"]),
            MAX_NOTICE_DELAY_S.to_string(),
            "{parameter}"
        );
    }
    let allowed = many(&template["Parameters"]["EventsIncludeText"]["AllowedValues"]);
    assert_eq!(allowed, ["false", "true"]);
    for value in allowed {
        let config =
            EventsConfig::from_lookup(|k| (k == "EVENTS_INCLUDE_TEXT").then(|| value.clone()));
        assert_eq!(config.unwrap().include_text, value == "true");
    }
}

#[test]
fn each_events_function_may_do_only_what_it_calls() {
    let template = template();
    let streams = [
        "GetAtt MessagesTable.StreamArn",
        "GetAtt InboxTable.StreamArn",
    ];
    let mut events = set(&[
        ("dynamodb:ListStreams", "*"),
        ("dynamodb:Query", "GetAtt ConnectionsTable.Arn"),
        ("events:PutEvents", "GetAtt EventBus.Arn"),
        ("sqs:SendMessage", "GetAtt NoticeQueue.Arn"),
        ("sqs:SendMessage", "GetAtt StreamFailureQueue.Arn"),
    ]);
    for stream in streams {
        for action in ["DescribeStream", "GetRecords", "GetShardIterator"] {
            events.insert((format!("dynamodb:{action}"), stream.to_owned()));
        }
    }
    assert_eq!(grants(&template, "EventsFunction"), events);
    let queue = |name: &str, actions: &[&str]| -> Vec<(String, String)> {
        actions
            .iter()
            .map(|a| (format!("sqs:{a}"), format!("GetAtt {name}.Arn")))
            .collect()
    };
    let mut notice = set(&[
        ("dynamodb:GetItem", "GetAtt InboxTable.Arn"),
        ("events:PutEvents", "GetAtt EventBus.Arn"),
    ]);
    notice.extend(queue(
        "NoticeQueue",
        &["ReceiveMessage", "DeleteMessage", "GetQueueAttributes"],
    ));
    assert_eq!(grants(&template, "NoticeFunction"), notice);
    let webhook: BTreeSet<_> = queue(
        "WebhookQueue",
        &[
            "ReceiveMessage",
            "DeleteMessage",
            "GetQueueAttributes",
            "ChangeMessageVisibility",
        ],
    )
    .into_iter()
    .collect();
    assert_eq!(grants(&template, "WebhookFunction"), webhook);
    // No other function publishes events or touches a queue or a stream.
    for (name, resource) in template["Resources"].as_mapping().unwrap() {
        let name = name.as_str().unwrap();
        if resource["Type"].as_str() != Some("AWS::Serverless::Function")
            || ["EventsFunction", "NoticeFunction", "WebhookFunction"].contains(&name)
        {
            continue;
        }
        for (action, _) in grants(&template, name) {
            assert!(
                !action.starts_with("events:")
                    && !action.starts_with("sqs:")
                    && !action.contains("Stream")
                    && !action.contains("GetRecords"),
                "{name} may {action}"
            );
        }
    }
}

#[test]
fn streams_and_queues_reach_the_functions_through_plain_mappings() {
    let template = template();
    let resources = &template["Resources"];
    for function in ["EventsFunction", "NoticeFunction", "WebhookFunction"] {
        assert!(
            resources[function]["Properties"].get("Events").is_none(),
            "{function}: a SAM event would attach a managed policy on every stream or queue"
        );
    }
    let mut mappings = BTreeSet::new();
    for (_, resource) in resources.as_mapping().unwrap() {
        if resource["Type"].as_str() != Some("AWS::Lambda::EventSourceMapping") {
            continue;
        }
        let p = &resource["Properties"];
        let source = render(&p["EventSourceArn"]);
        let target = render(&p["FunctionName"]);
        if source.ends_with("StreamArn") {
            // Retried, bisected, then set aside: a bad batch never blocks the stream.
            assert_eq!(render(&p["StartingPosition"]), "LATEST");
            assert_eq!(render(&p["BisectBatchOnFunctionError"]), "true");
            assert_eq!(
                render(&p["DestinationConfig"]["OnFailure"]["Destination"]),
                "GetAtt StreamFailureQueue.Arn"
            );
        } else {
            assert_eq!(
                many(&p["FunctionResponseTypes"]),
                ["ReportBatchItemFailures"],
                "{source}"
            );
        }
        mappings.insert((source, target));
    }
    let expected: BTreeSet<(String, String)> = [
        ("GetAtt MessagesTable.StreamArn", "Ref EventsFunction"),
        ("GetAtt InboxTable.StreamArn", "Ref EventsFunction"),
        ("GetAtt NoticeQueue.Arn", "Ref NoticeFunction"),
        ("GetAtt WebhookQueue.Arn", "Ref WebhookFunction"),
    ]
    .iter()
    .map(|(s, t)| (s.to_string(), t.to_string()))
    .collect();
    assert_eq!(mappings, expected);
    // Only messages reach the function from the Messages stream.
    let filter = &resources["MessagesStreamMapping"]["Properties"]["FilterCriteria"]["Filters"][0]
        ["Pattern"];
    let pattern: serde_json::Value = serde_json::from_str(filter.as_str().unwrap()).unwrap();
    assert_eq!(
        pattern["dynamodb"]["NewImage"]["appointment_id"]["S"][0]["exists"],
        serde_json::json!(true)
    );
    // The webhook exists only with a WebhookUrl, and gives up after the attempts documented.
    for (name, resource) in resources.as_mapping().unwrap() {
        if name.as_str().unwrap().starts_with("Webhook") {
            assert_eq!(
                resource["Condition"].as_str(),
                Some("HasWebhook"),
                "{name:?}"
            );
        }
    }
    let redrive = &resources["WebhookQueue"]["Properties"]["RedrivePolicy"];
    assert_eq!(render(&redrive["maxReceiveCount"]), "8");
    assert_eq!(
        render(&redrive["deadLetterTargetArn"]),
        "GetAtt WebhookDeadLetterQueue.Arn"
    );
}
