//! Runs repeated in rounds (scripts/bench.sh interleaves them, so a busy moment of the machine
//! hits every server alike): one result file per round, reduced to the median round.

/// A result file's name without its round (`side-relay.2` -> `side-relay`): a run repeated
/// in rounds (scripts/bench.sh) writes one file per round.
pub fn without_round(stem: &str) -> &str {
    match stem.rsplit_once('.') {
        Some((base, round)) if round.parse::<u32>().is_ok() => base,
        _ => stem,
    }
}

/// Rounds of the same run (same `key`), reduced to the median round by delivered messages/s
/// (the lower middle of an even count), in the order the keys first appear.
pub fn median_rounds<T, K: PartialEq>(
    items: Vec<T>,
    key: impl Fn(&T) -> K,
    delivered_per_s: impl Fn(&T) -> f64,
) -> Vec<(K, T)> {
    let mut groups: Vec<(K, Vec<T>)> = Vec::new();
    for item in items {
        let k = key(&item);
        match groups.iter_mut().find(|(g, _)| *g == k) {
            Some((_, group)) => group.push(item),
            None => groups.push((k, vec![item])),
        }
    }
    groups
        .into_iter()
        .map(|(k, mut group)| {
            group.sort_by(|a, b| delivered_per_s(a).total_cmp(&delivered_per_s(b)));
            let median = group.swap_remove((group.len() - 1) / 2);
            (k, median)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_suffix_is_taken_off_and_nothing_else() {
        assert_eq!(without_round("chat-local.2"), "chat-local");
        assert_eq!(without_round("chat-local-tcp.10"), "chat-local-tcp");
        assert_eq!(without_round("relay"), "relay");
        assert_eq!(without_round("v1.x"), "v1.x");
    }

    #[test]
    fn each_key_keeps_its_median_round_in_first_seen_order() {
        let runs = vec![
            ("b", 5.0),
            ("a", 3.0),
            ("b", 1.0),
            ("a", 9.0),
            ("b", 4.0),
            ("a", 1.0),
        ];
        let kept = median_rounds(runs, |r| r.0, |r| r.1);
        assert_eq!(kept, vec![("b", ("b", 4.0)), ("a", ("a", 3.0))]);
    }

    #[test]
    fn an_even_count_keeps_the_lower_middle_and_one_round_is_itself() {
        let kept = median_rounds(vec![(1, 8.0), (1, 2.0), (2, 7.0)], |r| r.0, |r| r.1);
        assert_eq!(kept, vec![(1, (1, 2.0)), (2, (2, 7.0))]);
    }
}
