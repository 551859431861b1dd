//! 统计分析 (`/insight`): the live dashboard of an organisation's subtree in a term — headline
//! figures, activities by category, level and state, points by category, participation by
//! college, intake and degree, trends by week and term, the busiest organisations and the top
//! students — each chart with a table of the same numbers, and the whole as .xlsx.
//!
//! Live: the figures are asked for again every 30 seconds while the page is open and the tab
//! visible (the server reads them at most a minute before); a failed refresh keeps the last
//! figures on screen and says so.

use std::time::Duration;

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError,
    insight::{Dashboard, Figure, Participation, Trend},
};

use crate::{
    api,
    components::{
        chart::{Bar, BarChart, ChartPanel, Series, Share, StackedBar, TrendChart, TrendKind},
        error::ErrorNotice,
        scope_filter::{ScopeFilter, use_scope},
        table::{Cell, DataTable},
    },
    files, format,
    i18n::{I18n, Locale, use_i18n},
    timer,
};

/// How often the figures are asked for again.
const REFRESH: Duration = Duration::from_secs(30);

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The label of the current locale (the Chinese one when there is no English).
fn name(i18n: I18n, zh: &str, en: &str) -> String {
    if i18n.locale() == Locale::En && !en.is_empty() {
        en.to_owned()
    } else {
        zh.to_owned()
    }
}

/// The figures on screen; `None` until the first answer for the scope.
#[derive(Clone, Copy)]
struct Live(RwSignal<Option<Dashboard>>);

impl Live {
    fn read<T>(self, f: impl FnOnce(&Dashboard) -> T) -> Option<T> {
        self.0.with(|board| board.as_ref().map(f))
    }
}

fn tab_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| !d.hidden())
}

#[component]
pub fn InsightPage() -> impl IntoView {
    let i18n = use_i18n();
    let scope = use_scope();
    // Bumped every 30 seconds: the figures are asked for again.
    let beat = RwSignal::new(0u32);
    let first = StoredValue::new(true);
    timer::repeat(move || async move {
        if first.get_value() {
            first.set_value(false);
        } else if tab_visible() {
            beat.update(|b| *b += 1);
        }
        REFRESH
    });
    let fetched = LocalResource::new(move || {
        let scope = scope.get();
        beat.track();
        async move { (scope, api::dashboard(scope).await) }
    });
    let live = Live(RwSignal::new(None));
    let failed = RwSignal::new(None::<ApiError>);
    // Another organisation or term: the old figures go at once, not after the answer.
    Effect::watch(
        move || scope.get(),
        move |_, _, _| {
            live.0.set(None);
            failed.set(None);
        },
        false,
    );
    Effect::new(move |_| {
        let Some((asked, result)) = fetched.get() else {
            return;
        };
        // An answer to a scope since left behind.
        if asked != scope.get_untracked() {
            return;
        }
        match result {
            Ok(board) => {
                live.0.set(Some(board));
                failed.set(None);
            }
            Err(error) => failed.set(Some(error)),
        }
    });
    let ready = Memo::new(move |_| live.0.with(Option::is_some));
    let download = Action::new_local(move |_: &()| {
        let scope = scope.get_untracked();
        let file = live
            .read(|d| format!("统计-{}-{}.xlsx", d.organization, d.term_code))
            .unwrap_or_else(|| "统计.xlsx".to_owned());
        async move {
            let bytes = api::dashboard_xlsx(scope).await?;
            files::save_bytes(&file, XLSX, &bytes)
                .map_err(|e| ApiError::new(shared::ErrorCode::Internal, e))
        }
    });

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("统计分析", "Insight")}</h1>
            <div class="actions">
                <button type="button" class="btn btn-primary" data-testid="insight-download"
                    disabled=move || download.pending().get() || !ready.get()
                    on:click=move |_| { download.dispatch(()); }>
                    {move || if download.pending().get() { i18n.t("正在生成…", "Preparing…") } else { i18n.t("下载 Excel", "Download Excel") }}
                </button>
            </div>
        </div>
        {move || download.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
        <ScopeFilter scope=scope organizations=true org_testid="insight-org" term_testid="insight-term"
            term_shown=Signal::derive(move || live.read(|d| d.term_id)) />
        <p class="muted small insight-meta" aria-live="polite">
            {move || live.read(|d| {
                let (from, to) = (format::date(i18n.locale(), d.starts_on), format::date(i18n.locale(), d.ends_on));
                view! {
                    <span data-testid="insight-scope">{format!("{} · {} · {from} – {to}", d.organization, d.term_name)}</span>
                    <span class="insight-updated" data-testid="insight-updated">
                        {match i18n.locale() {
                            Locale::Zh => format!("数据更新于 {}（每 30 秒刷新）", format::clock(d.computed_at)),
                            Locale::En => format!("Updated {} (refreshes every 30 s)", format::clock(d.computed_at)),
                        }}
                    </span>
                }
            })}
        </p>
        {move || failed.get().map(|error| {
            if ready.get() {
                view! {
                    <p class="notice notice-warn" role="status" data-testid="insight-stale">
                        {move || i18n.t("刷新失败，显示的是上次的数据；30 秒后再试。", "Could not refresh: these are the last figures; trying again in 30 s.")}
                    </p>
                }.into_any()
            } else {
                view! { <ErrorNotice error=error retry=Callback::new(move |_| fetched.refetch()) /> }.into_any()
            }
        })}
        {move || if ready.get() {
            view! { <Figures live=live /> <Charts live=live /> }.into_any()
        } else if failed.with(Option::is_none) {
            view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }.into_any()
        } else {
            ().into_any()
        }}
    }
}

/// The headline figures.
#[component]
fn Figures(live: Live) -> impl IntoView {
    let i18n = use_i18n();
    let figure = move |key: &'static str,
                       zh: &'static str,
                       en: &'static str,
                       value: fn(&Dashboard) -> String,
                       note: fn(I18n, &Dashboard) -> Option<String>,
                       href: Option<&'static str>| {
        let body = view! {
            <span class="kpi-label">{move || i18n.t(zh, en)}</span>
            <strong class="kpi-value" data-testid=format!("kpi-{key}-value")>{move || live.read(value)}</strong>
            <span class="kpi-note">{move || live.read(|d| note(i18n, d)).flatten()}</span>
        };
        match href {
            Some(href) => view! {
                <A href=href attr:class="kpi kpi-link" attr:data-testid=format!("kpi-{key}")>{body}</A>
            }
            .into_any(),
            None => view! { <div class="kpi" data-testid=format!("kpi-{key}")>{body}</div> }.into_any(),
        }
    };
    view! {
        <section class="kpis" aria-label=move || i18n.t("主要数据", "Headline figures")>
            {figure("students", "学生", "Students", |d| d.students.to_string(), |_, _| None, None)}
            {figure("activities", "活动", "Activities", |d| d.activities.to_string(), |_, _| None, None)}
            {figure("registrations", "报名", "Sign-ups", |d| d.attendance.registrations.to_string(),
                |i18n, d| Some(format!("{} {}", i18n.t("签到", "Check-ins"), d.attendance.attended)), None)}
            {figure("attendance", "出勤率", "Attendance", |d| format::percent(d.attendance.rate()),
                |i18n, d| {
                    let expected = d.attendance.attended + d.attendance.no_shows;
                    let came = d.attendance.attended.min(expected);
                    Some(match i18n.locale() {
                        Locale::Zh => format!("应到 {expected}，实到 {came}"),
                        Locale::En => format!("{came} of {expected} came"),
                    })
                }, None)}
            {figure("no-shows", "缺席", "No-shows", |d| d.attendance.no_shows.to_string(), |_, _| None, None)}
            {figure("points", "授予积分", "Points granted", |d| d.points.iter().map(|p| p.points).sum::<i64>().to_string(),
                |i18n, d| Some(format!("{} {}", format::number(d.points.iter().map(|p| p.hours).sum()), i18n.t("小时", "hours"))), None)}
            {figure("overdue", "逾期认定", "Overdue recognitions", |d| d.backlog.overdue_recognitions.to_string(), |_, _| None, Some("/manage/overdue"))}
            {figure("makeups", "待审补签", "Make-ups pending", |d| d.backlog.pending_makeups.to_string(),
                |i18n, d| Some(format!("{} {}", i18n.t("已补签", "granted"), d.backlog.makeups)), Some("/manage/requests"))}
            {figure("backfills", "补录成绩", "Back-fills", |d| d.backlog.backfills.to_string(), |_, _| None, None)}
            {figure("cadres", "干部考核", "Cadres assessed", |d| d.cadres.assessed.to_string(),
                |i18n, d| Some(format!("{} {}", i18n.t("在任", "in post"), d.cadres.positions)), None)}
            {figure("evaluations", "活动评价", "Activity rating", |d| d.evaluations.average.map(format::number).unwrap_or_else(|| "—".into()),
                |i18n, d| Some(match i18n.locale() {
                    Locale::Zh => format!("{} 条评价 · {} 个活动", d.evaluations.count, d.evaluations.activities),
                    Locale::En => format!("{} ratings of {} activities", d.evaluations.count, d.evaluations.activities),
                }), None)}
        </section>
    }
}

fn figure_bars(i18n: I18n, figures: &[Figure]) -> Vec<Bar> {
    figures
        .iter()
        .map(|f| Bar {
            label: name(i18n, &f.label, &f.label_en),
            value: f.value as f64,
            text: f.value.to_string(),
        })
        .collect()
}

fn rate_bars(i18n: I18n, groups: &[Participation]) -> Vec<Bar> {
    groups
        .iter()
        .map(|p| Bar {
            label: name(i18n, &p.label, &p.label_en),
            value: p.rate(),
            text: format::percent(p.rate()),
        })
        .collect()
}

/// What the charts show when there is nothing to draw.
fn none(i18n: I18n) -> AnyView {
    view! { <p class="muted chart-empty">{i18n.t("本学期暂无数据。", "Nothing this term yet.")}</p> }
        .into_any()
}

/// A table of labelled counts.
fn figure_table(i18n: I18n, figures: &[Figure]) -> AnyView {
    let rows = figures
        .iter()
        .map(|f| {
            let (label, value) = (name(i18n, &f.label, &f.label_en), f.value);
            view! {
                <tr>
                    <Cell zh="项目" en="Item" class="cell-title">{label}</Cell>
                    <Cell zh="数量" en="Count" class="cell-num">{value}</Cell>
                </tr>
            }
        })
        .collect_view();
    view! { <DataTable columns=vec![("项目", "Item"), ("数量", "Count")] testid="figure-table">{rows}</DataTable> }
        .into_any()
}

fn participation_table(i18n: I18n, groups: &[Participation]) -> AnyView {
    let rows = groups
        .iter()
        .map(|p| {
            let label = name(i18n, &p.label, &p.label_en);
            let (students, active, rate) = (p.students, p.active, format::percent(p.rate()));
            view! {
                <tr>
                    <Cell zh="分组" en="Group" class="cell-title">{label}</Cell>
                    <Cell zh="学生数" en="Students" class="cell-num">{students}</Cell>
                    <Cell zh="参与人数" en="Took part" class="cell-num">{active}</Cell>
                    <Cell zh="参与率" en="Rate" class="cell-num">{rate}</Cell>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=vec![("分组", "Group"), ("学生数", "Students"), ("参与人数", "Took part"), ("参与率", "Rate")]
            testid="participation-table">{rows}</DataTable>
    }
    .into_any()
}

fn trend_table(trends: &[Trend]) -> AnyView {
    let rows = trends
        .iter()
        .cloned()
        .map(|t| {
            view! {
                <tr>
                    <Cell zh="时间" en="When" class="cell-title">{t.label}</Cell>
                    <Cell zh="活动数" en="Activities" class="cell-num">{t.activities}</Cell>
                    <Cell zh="签到人次" en="Check-ins" class="cell-num">{t.checkins}</Cell>
                    <Cell zh="授予积分" en="Points" class="cell-num">{t.points}</Cell>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=vec![("时间", "When"), ("活动数", "Activities"), ("签到人次", "Check-ins"), ("授予积分", "Points")]
            testid="trend-table">{rows}</DataTable>
    }
    .into_any()
}

/// A measure of the trends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Measure {
    Checkins,
    Activities,
    Points,
}

impl Measure {
    const ALL: [Measure; 3] = [Measure::Checkins, Measure::Activities, Measure::Points];

    fn label(self, i18n: I18n) -> &'static str {
        match self {
            Measure::Checkins => i18n.t("签到人次", "Check-ins"),
            Measure::Activities => i18n.t("活动数", "Activities"),
            Measure::Points => i18n.t("积分", "Points"),
        }
    }

    fn of(self, trend: &Trend) -> f64 {
        (match self {
            Measure::Checkins => trend.checkins,
            Measure::Activities => trend.activities,
            Measure::Points => trend.points,
        }) as f64
    }

    fn key(self) -> &'static str {
        match self {
            Measure::Checkins => "checkins",
            Measure::Activities => "activities",
            Measure::Points => "points",
        }
    }
}

/// The choice of measure of a trend chart.
fn measure_tools(measure: RwSignal<Measure>, testid: &'static str) -> ViewFn {
    ViewFn::from(move || {
        let i18n = use_i18n();
        view! {
            <select class="chart-measure" data-testid=testid aria-label=move || i18n.t("指标", "Measure")
                on:change=move |ev| {
                    let key = event_target_value(&ev);
                    if let Some(m) = Measure::ALL.into_iter().find(|m| m.key() == key) {
                        measure.set(m);
                    }
                }>
                {Measure::ALL.into_iter().map(|m| view! {
                    <option value=m.key() selected=move || measure.get() == m>{move || m.label(i18n)}</option>
                }).collect_view()}
            </select>
        }
    })
}

/// `2026-2027-1` → `26-27-1`: a term's code short enough to sit under a column.
fn short_term(code: &str) -> String {
    let parts: Vec<&str> = code.split('-').collect();
    match parts.as_slice() {
        [a, b, n] if a.len() == 4 && b.len() == 4 => format!("{}-{}-{n}", &a[2..], &b[2..]),
        _ => code.to_owned(),
    }
}

#[component]
fn Charts(live: Live) -> impl IntoView {
    let i18n = use_i18n();
    let week_measure = RwSignal::new(Measure::Checkins);
    let term_measure = RwSignal::new(Measure::Checkins);

    // A chart of labelled counts, or the empty state.
    let counts = move |pick: fn(&Dashboard) -> &Vec<Figure>,
                       zh: &'static str,
                       en: &'static str,
                       colour: usize,
                       testid: &'static str| {
        ViewFn::from(move || {
            live.read(|d| {
                let figures = pick(d);
                if figures.iter().all(|f| f.value == 0) {
                    return none(i18n);
                }
                view! { <BarChart bars=figure_bars(i18n, figures) label=i18n.t(zh, en) colour=colour testid=testid /> }
                    .into_any()
            })
        })
    };
    let count_table = move |pick: fn(&Dashboard) -> &Vec<Figure>| {
        ViewFn::from(move || live.read(|d| figure_table(i18n, pick(d))))
    };
    let rates = move |pick: fn(&Dashboard) -> &Vec<Participation>,
                      zh: &'static str,
                      en: &'static str,
                      testid: &'static str| {
        ViewFn::from(move || {
            live.read(|d| {
                let groups = pick(d);
                if groups.is_empty() {
                    return none(i18n);
                }
                view! { <BarChart bars=rate_bars(i18n, groups) label=i18n.t(zh, en) max=1.0 colour=1 testid=testid /> }
                    .into_any()
            })
        })
    };
    let rate_table = move |pick: fn(&Dashboard) -> &Vec<Participation>| {
        ViewFn::from(move || live.read(|d| participation_table(i18n, pick(d))))
    };
    let trend = move |pick: fn(&Dashboard) -> &Vec<Trend>,
                      measure: RwSignal<Measure>,
                      kind: TrendKind,
                      short: bool,
                      testid: &'static str| {
        ViewFn::from(move || {
            live.read(|d| {
                let trends = pick(d);
                if trends.is_empty() {
                    return none(i18n);
                }
                let m = measure.get();
                let labels: Vec<String> = trends
                    .iter()
                    .map(|t| if short { short_term(&t.key) } else { t.label.clone() })
                    .collect();
                let series = vec![Series {
                    name: m.label(i18n).to_owned(),
                    values: trends.iter().map(|t| m.of(t)).collect(),
                }];
                let label = format!("{} · {}", i18n.t("趋势", "Trend"), m.label(i18n));
                view! { <TrendChart labels=labels series=series kind=kind label=label colour=if short { 1 } else { 0 } testid=testid /> }
                    .into_any()
            })
        })
    };

    view! {
        <div class="chart-grid">
            <ChartPanel zh="各周趋势" en="Week by week" testid="insight-weeks"
                tools=measure_tools(week_measure, "insight-weeks-measure")
                chart=trend(|d| &d.weeks, week_measure, TrendKind::Line, false, "chart-weeks")
                table=ViewFn::from(move || live.read(|d| trend_table(&d.weeks))) />
            <ChartPanel zh="近六个学期" en="The last six terms" testid="insight-terms"
                tools=measure_tools(term_measure, "insight-terms-measure")
                chart=trend(|d| &d.terms, term_measure, TrendKind::Columns, true, "chart-terms")
                table=ViewFn::from(move || live.read(|d| trend_table(&d.terms))) />
            <ChartPanel zh="活动类别" en="Activities by category" testid="insight-category"
                chart=counts(|d| &d.by_category, "各类别活动数", "Activities by category", 0, "chart-category")
                table=count_table(|d| &d.by_category) />
            <ChartPanel zh="活动状态" en="Activities by state" testid="insight-state"
                chart=ViewFn::from(move || live.read(|d| {
                    if d.by_state.iter().all(|f| f.value == 0) {
                        return none(i18n);
                    }
                    let shares: Vec<Share> = d.by_state.iter().map(|f| Share { label: name(i18n, &f.label, &f.label_en), value: f.value as f64 }).collect();
                    view! { <StackedBar shares=shares label=i18n.t("各状态活动数", "Activities by state") testid="chart-state" /> }.into_any()
                }))
                table=count_table(|d| &d.by_state) />
            <ChartPanel zh="活动级别" en="Activities by level" testid="insight-level"
                chart=counts(|d| &d.by_level, "各级别活动数", "Activities by level", 3, "chart-level")
                table=count_table(|d| &d.by_level) />
            <ChartPanel zh="各类别积分" en="Points by category" testid="insight-points"
                chart=ViewFn::from(move || live.read(|d| {
                    if d.points.iter().all(|p| p.points == 0) {
                        return none(i18n);
                    }
                    let bars: Vec<Bar> = d.points.iter().map(|p| Bar {
                        label: name(i18n, &p.label, &p.label_en),
                        value: p.points as f64,
                        text: p.points.to_string(),
                    }).collect();
                    view! { <BarChart bars=bars label=i18n.t("各类别授予积分", "Points granted by category") colour=2 testid="chart-points" /> }.into_any()
                }))
                table=ViewFn::from(move || live.read(|d| {
                    let rows = d.points.iter().cloned().map(|p| view! {
                        <tr>
                            <Cell zh="类别" en="Category" class="cell-title">{name(i18n, &p.label, &p.label_en)}</Cell>
                            <Cell zh="积分" en="Points" class="cell-num">{p.points}</Cell>
                            <Cell zh="时长（小时）" en="Hours" class="cell-num">{format::number(p.hours)}</Cell>
                            <Cell zh="记录数" en="Entries" class="cell-num">{p.entries}</Cell>
                        </tr>
                    }).collect_view();
                    view! {
                        <DataTable columns=vec![("类别", "Category"), ("积分", "Points"), ("时长（小时）", "Hours"), ("记录数", "Entries")]
                            testid="points-table">{rows}</DataTable>
                    }
                })) />
            <ChartPanel zh="各学院参与率" en="Participation by college" testid="insight-college"
                chart=rates(|d| &d.by_college, "各学院学生参与率", "Participation by college", "chart-college")
                table=rate_table(|d| &d.by_college) />
            <ChartPanel zh="各年级参与率" en="Participation by intake" testid="insight-year"
                chart=rates(|d| &d.by_year, "各年级学生参与率", "Participation by intake", "chart-year")
                table=rate_table(|d| &d.by_year) />
            <ChartPanel zh="各学历层次参与率" en="Participation by degree" testid="insight-degree"
                chart=rates(|d| &d.by_degree, "各学历层次学生参与率", "Participation by degree", "chart-degree")
                table=rate_table(|d| &d.by_degree) />
            <ChartPanel zh="签到最多的组织" en="Busiest organisations" testid="insight-orgs"
                chart=ViewFn::from(move || live.read(|d| {
                    if d.top_organizations.is_empty() {
                        return none(i18n);
                    }
                    let bars: Vec<Bar> = d.top_organizations.iter().map(|o| Bar {
                        label: o.name.clone(),
                        value: o.checkins as f64,
                        text: o.checkins.to_string(),
                    }).collect();
                    view! { <BarChart bars=bars label=i18n.t("各组织签到人次", "Check-ins by organisation") colour=4 testid="chart-orgs" /> }.into_any()
                }))
                table=ViewFn::from(move || live.read(|d| {
                    let rows = d.top_organizations.iter().cloned().map(|o| view! {
                        <tr>
                            <Cell zh="组织" en="Organisation" class="cell-title">{o.name}</Cell>
                            <Cell zh="活动数" en="Activities" class="cell-num">{o.activities}</Cell>
                            <Cell zh="签到人次" en="Check-ins" class="cell-num">{o.checkins}</Cell>
                            <Cell zh="授予积分" en="Points" class="cell-num">{o.points}</Cell>
                        </tr>
                    }).collect_view();
                    view! {
                        <DataTable columns=vec![("组织", "Organisation"), ("活动数", "Activities"), ("签到人次", "Check-ins"), ("授予积分", "Points")]
                            testid="orgs-table">{rows}</DataTable>
                    }
                })) />
            <ChartPanel zh="积分前十名" en="Top 10 students" testid="insight-leaders"
                chart=ViewFn::from(move || live.read(|d| {
                    if d.leaderboard.is_empty() {
                        return none(i18n);
                    }
                    let bars: Vec<Bar> = d.leaderboard.iter().map(|l| Bar {
                        label: format!("{}. {} · {}", l.rank, l.name, l.college),
                        value: l.points as f64,
                        text: l.points.to_string(),
                    }).collect();
                    view! { <BarChart bars=bars label=i18n.t("积分前十名学生", "Top 10 students by points") colour=5 testid="chart-leaders" /> }.into_any()
                }))
                table=ViewFn::from(move || live.read(|d| {
                    let rows = d.leaderboard.iter().cloned().map(|l| view! {
                        <tr>
                            <Cell zh="名次" en="Rank" class="cell-num">{l.rank}</Cell>
                            <Cell zh="姓名" en="Name" class="cell-title">{l.name}</Cell>
                            <Cell zh="学号" en="Number" class="cell-key">{l.student_number}</Cell>
                            <Cell zh="学院" en="College">{l.college}</Cell>
                            <Cell zh="积分" en="Points" class="cell-num">{l.points}</Cell>
                        </tr>
                    }).collect_view();
                    view! {
                        <DataTable columns=vec![("名次", "Rank"), ("姓名", "Name"), ("学号", "Number"), ("学院", "College"), ("积分", "Points")]
                            testid="leaders-table">{rows}</DataTable>
                    }
                })) />
        </div>
    }
}
