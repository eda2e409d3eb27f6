//! Percentiles and histograms of measured values.

use serde::{Deserialize, Serialize};

/// Order statistics of a sample (nearest-rank percentiles), in the sample's unit.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub count: usize,
    pub min: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
    pub mean: f64,
}

/// Nearest-rank percentile of sorted values (`p` in 0..=100).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn summarize(values: &[f64]) -> Summary {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return Summary::default();
    }
    Summary {
        count: sorted.len(),
        min: sorted[0],
        p50: percentile(&sorted, 50.0),
        p90: percentile(&sorted, 90.0),
        p99: percentile(&sorted, 99.0),
        max: sorted[sorted.len() - 1],
        mean: sorted.iter().sum::<f64>() / sorted.len() as f64,
    }
}

pub fn median(values: &[f64]) -> f64 {
    summarize(values).p50
}

/// A histogram with logarithmic buckets: `(upper bound, count)`, four buckets per doubling,
/// from `lowest` up to the largest value.
pub fn log_histogram(values: &[f64], lowest: f64) -> Vec<(f64, u64)> {
    let step = 2f64.powf(0.25);
    let max = values.iter().copied().fold(lowest, f64::max);
    let mut bounds = vec![lowest];
    while *bounds.last().unwrap() < max {
        let next = bounds.last().unwrap() * step;
        bounds.push(next);
    }
    let mut counts = vec![0u64; bounds.len()];
    for &v in values {
        let i = bounds.partition_point(|&b| b < v);
        counts[i.min(bounds.len() - 1)] += 1;
    }
    bounds.into_iter().zip(counts).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        let s = summarize(&values);
        assert_eq!(
            (s.p50, s.p90, s.p99, s.max, s.min),
            (50.0, 90.0, 99.0, 100.0, 1.0)
        );
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(summarize(&[]).count, 0);
    }

    #[test]
    fn histogram_counts_every_value() {
        let values = [0.01, 0.05, 0.1, 1.0, 7.0];
        let h = log_histogram(&values, 0.05);
        assert_eq!(h.iter().map(|(_, c)| c).sum::<u64>(), 5);
        assert_eq!(h[0], (0.05, 2));
        assert!(h.last().unwrap().0 >= 7.0);
    }
}
