//! Small charts drawn as SVG from Rust, without a chart library: horizontal bars with their
//! labels and values, a line or column chart of up to three series over time, and one stacked
//! bar of shares. Each scales with its box (a `viewBox`, 100 % wide), so one drawing serves a
//! 390 px phone and a desktop; each is an image with a spoken summary (`role="img"`,
//! `aria-label`). [`ChartPanel`] puts a chart beside a table of the same numbers.
//!
//! The charts know nothing of the figures they draw: a page turns its data into [`Bar`]s,
//! [`Series`] or [`Share`]s.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// Colours of bars, lines and segments, in order: each ≥ 4.5:1 against white, so a value
/// written in the series' colour stays legible. Text in the charts uses the ink colour.
pub const PALETTE: [&str; 6] = [
    "#c8102e", "#0958d9", "#0a7a3c", "#ad5a00", "#6b3fa0", "#00727a",
];

const INK: &str = "#1f2329";
const MUTED: &str = "#5c626b";
const GRID: &str = "#e5e6eb";
const TRACK: &str = "#f2f3f5";

/// Width of every drawing in its own units; it is scaled to the box.
const WIDTH: f64 = 360.0;
/// Longest label drawn in full, in characters; longer ones end in … (the table has them whole).
const LABEL_CHARS: usize = 22;

/// One bar: what it stands for, its length, and its value as written beside it.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// One line (or one colour of columns) of a trend chart: a value per label.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// One segment of a stacked bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    pub label: String,
    pub value: f64,
}

/// A coordinate as an attribute: one decimal is finer than a pixel.
fn n(value: f64) -> String {
    format!("{value:.1}")
}

fn clip(label: &str) -> String {
    if label.chars().count() > LABEL_CHARS {
        let head: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{head}…")
    } else {
        label.to_owned()
    }
}

/// A round top for an axis from 0 to at least `max`, and its step (four steps or so).
fn scale(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 0.25);
    }
    let rough = max / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|f| f * magnitude)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * magnitude);
    // Whole numbers on the axis for counts.
    let step = if max >= 4.0 {
        step.max(1.0).ceil()
    } else {
        step
    };
    ((max / step).ceil() * step, step)
}

/// An axis value without needless decimals, 12k from ten thousand up.
fn axis_label(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{}k", crate::format::number(value / 1000.0))
    } else {
        crate::format::number(value)
    }
}

/// Horizontal bars, one row each: the label above its bar, the value after it. `max` fixes
/// the full length (1.0 for shares); by default the longest bar fills the width.
#[component]
pub fn BarChart(
    bars: Vec<Bar>,
    /// What the chart shows, for screen readers (the values are read from the table).
    #[prop(into)]
    label: String,
    #[prop(optional)] max: Option<f64>,
    /// The colour of every bar, an index into [`PALETTE`].
    #[prop(optional)]
    colour: usize,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    const ROW: f64 = 38.0;
    const BAR: f64 = 12.0;
    // Room after the longest bar for its value.
    const VALUE_ROOM: f64 = 64.0;
    let max = max
        .unwrap_or_else(|| bars.iter().map(|b| b.value).fold(0.0, f64::max))
        .max(f64::MIN_POSITIVE);
    let height = (bars.len() as f64 * ROW).max(ROW);
    let room = WIDTH - VALUE_ROOM;
    let fill = PALETTE[colour % PALETTE.len()];
    let rows = bars
        .into_iter()
        .enumerate()
        .map(|(i, bar)| {
            let top = i as f64 * ROW;
            let length = (bar.value / max).clamp(0.0, 1.0) * room;
            // A sliver for a small non-zero value, so that it does not read as none.
            let length = if bar.value > 0.0 {
                length.max(2.0)
            } else {
                0.0
            };
            let full = format!("{}: {}", bar.label, bar.text);
            view! {
                <g>
                    <title>{full}</title>
                    <text x="0" y=n(top + 14.0) font-size="14" fill=INK>{clip(&bar.label)}</text>
                    <rect x="0" y=n(top + 20.0) width=n(room) height=n(BAR) rx="3" fill=TRACK />
                    <rect x="0" y=n(top + 20.0) width=n(length) height=n(BAR) rx="3" fill=fill />
                    <text x=n(length + 6.0) y=n(top + 31.0) font-size="13" fill=INK
                        style="font-variant-numeric: tabular-nums">{bar.text}</text>
                </g>
            }
        })
        .collect_view();
    view! {
        <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {height}") role="img" aria-label=label
            data-testid=testid preserveAspectRatio="xMinYMin meet">
            {rows}
        </svg>
    }
}

/// How a [`TrendChart`] draws its series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrendKind {
    /// A line per series, a dot per value (many points: weeks).
    Line,
    /// Columns side by side (few points: terms).
    Columns,
}

/// Up to three series over `labels` (weeks, terms), on a shared axis from 0, with a legend
/// when there is more than one.
#[component]
pub fn TrendChart(
    labels: Vec<String>,
    series: Vec<Series>,
    kind: TrendKind,
    #[prop(into)] label: String,
    /// The first series' colour, an index into [`PALETTE`]; the others follow.
    #[prop(optional)]
    colour: usize,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    const HEIGHT: f64 = 200.0;
    const LEFT: f64 = 40.0;
    const RIGHT: f64 = 8.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 24.0;
    // At most this many labels under the axis; the others are in the tooltips and the table.
    const TICKS: usize = 6;
    let series: Vec<Series> = series.into_iter().take(3).collect();
    let count = labels.len().max(1);
    let top = series
        .iter()
        .flat_map(|s| s.values.iter().copied())
        .fold(0.0, f64::max);
    let (top, step) = scale(top);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / count as f64;
    let x_of = move |i: usize| LEFT + slot * (i as f64 + 0.5);
    let y_of = move |v: f64| TOP + plot_h - (v / top).clamp(0.0, 1.0) * plot_h;
    let colour_of = move |k: usize| PALETTE[(colour + k) % PALETTE.len()];

    let grid = (0..)
        .map(|n| n as f64 * step)
        .take_while(|v| *v <= top + step / 2.0)
        .map(|v| {
            let y = y_of(v);
            view! {
                <line x1=n(LEFT) x2=n(WIDTH - RIGHT) y1=n(y) y2=n(y) stroke=GRID stroke-width="1" />
                <text x=n(LEFT - 5.0) y=n(y + 4.0) font-size="12" fill=MUTED text-anchor="end">{axis_label(v)}</text>
            }
        })
        .collect_view();
    let every = count.div_ceil(TICKS).max(1);
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, text)| {
            view! {
                <text x=n(x_of(i)) y=n(HEIGHT - 6.0) font-size="12" fill=MUTED text-anchor="middle">{text.clone()}</text>
            }
        })
        .collect_view();
    let marks = series
        .iter()
        .enumerate()
        .map(|(k, s)| {
            let colour = colour_of(k);
            let tips = |i: usize, v: f64| {
                format!(
                    "{} · {}: {}",
                    labels.get(i).cloned().unwrap_or_default(),
                    s.name,
                    crate::format::number(v)
                )
            };
            match kind {
                TrendKind::Line => {
                    let points = s
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| format!("{:.1},{:.1}", x_of(i), y_of(*v)))
                        .collect::<Vec<_>>()
                        .join(" ");
                    let dots = s
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            view! {
                                <circle cx=n(x_of(i)) cy=n(y_of(*v)) r="3" fill=colour>
                                    <title>{tips(i, *v)}</title>
                                </circle>
                            }
                        })
                        .collect_view();
                    view! {
                        <g>
                            <polyline points=points fill="none" stroke=colour stroke-width="2" stroke-linejoin="round" />
                            {dots}
                        </g>
                    }
                    .into_any()
                }
                TrendKind::Columns => {
                    let many = series.len() as f64;
                    let width = (slot * 0.7 / many).min(28.0);
                    let columns = s
                        .values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let x = x_of(i) - width * many / 2.0 + width * k as f64;
                            let y = y_of(*v);
                            view! {
                                <rect x=n(x) y=n(y) width=n(width) height=n(TOP + plot_h - y) fill=colour>
                                    <title>{tips(i, *v)}</title>
                                </rect>
                            }
                        })
                        .collect_view();
                    view! { <g>{columns}</g> }.into_any()
                }
            }
        })
        .collect_view();
    let legend = (series.len() > 1).then(|| {
        view! {
            <ul class="chart-legend">
                {series.iter().enumerate().map(|(k, s)| view! {
                    <li><span class="chart-swatch" style=format!("background: {}", colour_of(k))></span>{s.name.clone()}</li>
                }).collect_view()}
            </ul>
        }
    });
    view! {
        <svg class="chart-svg" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label
            data-testid=testid preserveAspectRatio="xMinYMin meet">
            {grid}
            <line x1=n(LEFT) x2=n(WIDTH - RIGHT) y1=n(TOP + plot_h) y2=n(TOP + plot_h) stroke=MUTED stroke-width="1" />
            {marks}
            {ticks}
        </svg>
        {legend}
    }
}

/// One bar of shares (the states of the activities, say), with a legend of the values.
#[component]
pub fn StackedBar(
    shares: Vec<Share>,
    #[prop(into)] label: String,
    #[prop(optional)] testid: &'static str,
) -> impl IntoView {
    const HEIGHT: f64 = 24.0;
    let total: f64 = shares.iter().map(|s| s.value.max(0.0)).sum();
    let mut x = 0.0_f64;
    let segments = shares
        .iter()
        .enumerate()
        .filter(|(_, s)| s.value > 0.0 && total > 0.0)
        .map(|(k, s)| {
            let width = s.value / total * WIDTH;
            let at = x;
            x += width;
            view! {
                <rect x=n(at) y="0" width=n(width) height=n(HEIGHT)
                    fill=PALETTE[k % PALETTE.len()] stroke="#fff" stroke-width="1">
                    <title>{format!("{}: {}", s.label, crate::format::number(s.value))}</title>
                </rect>
            }
        })
        .collect_view();
    view! {
        <svg class="chart-svg chart-strip" viewBox=format!("0 0 {WIDTH} {HEIGHT}") role="img" aria-label=label
            data-testid=testid preserveAspectRatio="none">
            <rect x="0" y="0" width=n(WIDTH) height=n(HEIGHT) rx="4" fill=TRACK />
            {segments}
        </svg>
        <ul class="chart-legend">
            {shares.into_iter().enumerate().map(|(k, s)| view! {
                <li>
                    <span class="chart-swatch" style=format!("background: {}", PALETTE[k % PALETTE.len()])></span>
                    {s.label}
                    <strong>{crate::format::number(s.value)}</strong>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// A titled panel holding a chart, with a 表格/图表 switch to the same numbers as a table.
/// `chart` and `table` are drawn afresh whenever what they read changes, while the switch
/// keeps its place.
#[component]
pub fn ChartPanel(
    zh: &'static str,
    en: &'static str,
    /// `{testid}` on the panel, `{testid}-toggle` on the switch.
    testid: &'static str,
    chart: ViewFn,
    table: ViewFn,
    /// Controls beside the title (a choice of measure, say).
    #[prop(optional)]
    tools: Option<ViewFn>,
) -> impl IntoView {
    let i18n = use_i18n();
    let as_table = RwSignal::new(false);
    view! {
        <section class="panel chart-panel" data-testid=testid>
            <div class="chart-head">
                <h2>{move || i18n.t(zh, en)}</h2>
                <div class="chart-tools">
                    {tools.map(|tools| tools.run())}
                    <button type="button" class="btn btn-small chart-toggle" data-testid=format!("{testid}-toggle")
                        aria-pressed=move || as_table.get().to_string()
                        on:click=move |_| as_table.update(|t| *t = !*t)>
                        {move || if as_table.get() { i18n.t("图表", "Chart") } else { i18n.t("表格", "Table") }}
                    </button>
                </div>
            </div>
            <div class="chart-body">
                {move || if as_table.get() { table.run() } else { chart.run() }}
            </div>
        </section>
    }
}
