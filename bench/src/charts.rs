//! PNG charts (plotters, bitmap backend). Text is drawn with a TrueType font read at run time
//! (DejaVu Sans on Debian; `BENCH_FONT` overrides); without a font no chart is drawn.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::FontStyle;

type Error = Box<dyn std::error::Error>;

const FONT: &str = "sans-serif";
const CANDIDATES: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// Registers a font for the charts; returns where it came from, or `None` when there is none.
pub fn init_font() -> Option<String> {
    let mut paths: Vec<String> = std::env::var("BENCH_FONT").into_iter().collect();
    paths.extend(CANDIDATES.iter().map(|s| s.to_string()));
    for path in paths {
        if let Ok(bytes) = std::fs::read(&path) {
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font(FONT, FontStyle::Normal, bytes).is_ok() {
                return Some(path);
            }
        }
    }
    None
}

const COLORS: &[RGBColor] = &[
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
];

/// Latency histograms (log x axis), one line per series: `(label, [(upper ms, count)])`,
/// drawn as the share of messages per bucket.
pub fn latency_distribution(
    path: &Path,
    title: &str,
    series: &[(String, Vec<(f64, u64)>)],
    target_ms: Option<f64>,
) -> Result<(), Error> {
    let root = BitMapBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let max_x = series
        .iter()
        .flat_map(|(_, h)| h.iter().filter(|(_, c)| *c > 0).map(|(b, _)| *b))
        .fold(1.0f64, f64::max)
        * 1.2;
    let max_share = series
        .iter()
        .flat_map(|(_, h)| {
            let total: u64 = h.iter().map(|(_, c)| c).sum();
            h.iter()
                .map(move |(_, c)| *c as f64 / total.max(1) as f64 * 100.0)
        })
        .fold(1.0f64, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((0.05f64..max_x).log_scale(), 0f64..max_share)?;
    chart
        .configure_mesh()
        .x_desc("delivery latency, ms (log scale)")
        .y_desc("% of messages")
        .label_style((FONT, 14))
        .draw()?;
    for (i, (label, histogram)) in series.iter().enumerate() {
        let total: u64 = histogram.iter().map(|(_, c)| c).sum();
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                histogram
                    .iter()
                    .map(|(b, c)| (*b, *c as f64 / total.max(1) as f64 * 100.0)),
                color.stroke_width(2),
            ))?
            .label(label.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    if let Some(t) = target_ms {
        chart
            .draw_series(LineSeries::new(
                vec![(t, 0.0), (t, max_share)],
                BLACK.stroke_width(1),
            ))?
            .label(format!("target p99 {t} ms"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Delivered messages/s against the number of clients (log x), with a target line.
pub fn throughput_vs_clients(path: &Path, points: &[(f64, f64)], target: f64) -> Result<(), Error> {
    let root = BitMapBackend::new(path, (900, 500)).into_drawing_area();
    root.fill(&WHITE)?;
    let max_x = points.iter().map(|p| p.0).fold(2.0, f64::max) * 1.5;
    let max_y = points.iter().map(|p| p.1).fold(target, f64::max) * 1.15;
    let mut chart = ChartBuilder::on(&root)
        .caption("chat-local at saturation: delivered messages/s", (FONT, 22))
        .margin(12)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((1.5f64..max_x).log_scale(), 0f64..max_y)?;
    chart
        .configure_mesh()
        .x_desc("WebSocket clients (user/administrator pairs x 2, log scale)")
        .y_desc("delivered messages/s")
        .label_style((FONT, 14))
        .draw()?;
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            COLORS[0].stroke_width(2),
        ))?
        .label("measured")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[0].stroke_width(2)));
    chart.draw_series(
        points
            .iter()
            .map(|p| Circle::new(*p, 4, COLORS[0].filled())),
    )?;
    chart
        .draw_series(LineSeries::new(
            vec![(1.5, target), (max_x, target)],
            COLORS[3].stroke_width(1),
        ))?
        .label(format!("target {target:.0}/s"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], COLORS[3]));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 14))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Horizontal grouped bars: one row per label, one bar per series.
pub fn horizontal_bars(
    path: &Path,
    title: &str,
    x_desc: &str,
    labels: &[String],
    series: &[(&str, Vec<f64>)],
) -> Result<(), Error> {
    let height = 90 + 26 * labels.len() as u32 * series.len().max(1) as u32;
    let root = BitMapBackend::new(path, (1000, height.max(300))).into_drawing_area();
    root.fill(&WHITE)?;
    let max_x = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(1.0f64, f64::max)
        * 1.15;
    let n = labels.len();
    let per = series.len().max(1) as f64;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, (FONT, 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(430)
        .build_cartesian_2d(0f64..max_x, 0f64..n as f64)?;
    let label_of = |y: &f64| -> String {
        let i = (n as f64 - y - 0.5).round();
        if (y.fract() - 0.5).abs() < 1e-6 && i >= 0.0 && (i as usize) < n {
            labels[i as usize].clone()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n * 2 + 1)
        .y_label_formatter(&label_of)
        .x_desc(x_desc)
        .label_style((FONT, 13))
        .draw()?;
    for (s, (name, values)) in series.iter().enumerate() {
        let color = COLORS[s % COLORS.len()];
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                let top = n as f64 - i as f64 - 0.1 - s as f64 * 0.8 / per;
                let bottom = top - 0.8 / per;
                Rectangle::new([(0.0, bottom), (*v, top)], color.filled())
            }))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 15, y + 5)], color.filled()));
        chart.draw_series(values.iter().enumerate().map(|(i, v)| {
            let y = n as f64 - i as f64 - 0.1 - (s as f64 + 0.5) * 0.8 / per;
            Text::new(
                format!("{v}"),
                (*v + max_x * 0.005, y + 0.15 / per),
                (FONT, 12),
            )
        }))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()?;
    root.present()?;
    Ok(())
}
