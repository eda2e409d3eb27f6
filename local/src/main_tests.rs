//! The command line's tests: defaults, refusals and how flags become options.
use super::*;
use clap::CommandFactory;

#[test]
fn the_default_flags_give_the_functions_default_settings() {
    Cli::command().debug_assert();
    let defaults = options(Cli::try_parse_from(["chat-local"]).unwrap());
    assert_eq!(defaults.settings, chat_shared::Settings::default());
    assert_eq!(defaults.timeouts, chat_local::Timeouts::default());
    let limits = chat_local::Limits::default();
    assert_eq!(
        (
            defaults.limits.frames_in_flight,
            defaults.limits.frames_in_flight_total
        ),
        (limits.frames_in_flight, limits.frames_in_flight_total)
    );
    // As before: 0 turns the limit off, a burst of 0 is taken as 1.
    let cli = Cli::try_parse_from(["chat-local", "--rate-limit", "3", "--rate-burst", "0"]);
    let rule = options(cli.unwrap()).settings.rate_limit.unwrap();
    assert_eq!((rule.per_second, rule.burst), (3, 1));
    let cli = Cli::try_parse_from(["chat-local", "--rate-limit", "0"]);
    assert_eq!(options(cli.unwrap()).settings.rate_limit, None);
    // The read bucket has flags of its own, read the same way.
    let cli = [
        "chat-local",
        "--read-rate-limit",
        "2",
        "--read-rate-burst",
        "0",
    ];
    let settings = options(Cli::try_parse_from(cli).unwrap()).settings;
    let rule = settings.read_rate_limit.unwrap();
    assert_eq!((rule.per_second, rule.burst), (2, 1));
    assert_eq!(
        settings.rate_limit,
        chat_shared::Settings::default().rate_limit
    );
    let cli = Cli::try_parse_from(["chat-local", "--read-rate-limit", "0"]);
    assert_eq!(options(cli.unwrap()).settings.read_rate_limit, None);
}

#[test]
fn the_events_flags_default_to_the_stacks_defaults() {
    let events = |args: &[&str]| {
        let argv = std::iter::once("chat-local").chain(args.iter().copied());
        Cli::try_parse_from(argv).unwrap().events.options()
    };
    let defaults = events(&[]).unwrap().expect("on by default");
    let expected = chat_local::pipes::EventsOptions::default();
    assert_eq!(defaults.delays, expected.delays);
    assert_eq!((defaults.print, defaults.include_text), (true, false));
    assert!(defaults.webhook.is_none());
    assert!(events(&["--no-events"]).unwrap().is_none());
    let secret = ["--webhook-secret", "0123456789abcdef"];
    let remote = [
        &["--webhook-url", "http://hooks.example.com/x"][..],
        &secret,
    ]
    .concat();
    assert!(events(&remote).is_err());
    let short = [
        "--webhook-url",
        "https://hooks.example.com/x",
        "--webhook-secret",
        "short",
    ];
    assert!(events(&short).is_err());
    let good = [
        &["--webhook-url", "https://hooks.example.com/x"][..],
        &secret,
    ]
    .concat();
    assert_eq!(events(&good).unwrap().unwrap().webhook.unwrap().attempts, 8);
}

#[test]
fn the_secret_flag_states_the_minimum_length() {
    let cli = Cli::command();
    let help = cli
        .get_arguments()
        .find(|a| a.get_id() == "jwt_secret")
        .and_then(|a| a.get_help())
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        help.contains(&format!("at least {MIN_HS256_SECRET_BYTES} bytes")),
        "{help}"
    );
}
