//! 我的积分: the student's total and hours, the standing in the college, progress against the
//! graduation requirement per category (bars: met in green, unmet in orange, the requirement
//! marked), the totals per term, and every ledger entry — corrections and what they corrected
//! marked as such, since the ledger only ever grows.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    activity::Category,
    points::{CategoryTotal, LedgerEntry, Source, StudentPoints, TermTotals},
    rules::{Points, Progress},
};

use crate::{
    api,
    components::{error::ErrorNotice, guidance::MySuggestions},
    format,
    i18n::{I18n, Locale, use_i18n},
    labels::{self, CategoryNames},
    session::use_session,
};

/// Ledger entries shown before 显示全部.
const FIRST_ENTRIES: usize = 20;

#[component]
pub fn PointsPage() -> impl IntoView {
    let i18n = use_i18n();
    let points = LocalResource::new(api::my_points);
    let categories = LocalResource::new(api::categories);

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("我的积分", "My points")}</h1>
            <button class="btn btn-small" type="button" data-testid="points-refresh" on:click=move |_| points.refetch()>
                {move || i18n.t("刷新", "Refresh")}
            </button>
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || points.get().map(|result| match result {
                Ok(points) => {
                    let list: Vec<Category> = categories
                        .get()
                        .and_then(Result::ok)
                        .map(|page| page.items)
                        .unwrap_or_default();
                    let names = names_of(&points, &list);
                    view! { <PointsView points=points names=names /> }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| points.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

fn names_of(points: &StudentPoints, categories: &[Category]) -> CategoryNames {
    let mut names = CategoryNames::new().with_categories(categories);
    for c in points
        .categories
        .iter()
        .chain(points.terms.iter().flat_map(|t| &t.categories))
    {
        names.add(&c.category, &c.category_name, "");
    }
    names
}

#[component]
fn PointsView(points: StudentPoints, names: CategoryNames) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let college = session.with_me(|me| me.map(|me| me.organization.id));
    let StudentPoints {
        total,
        total_hours,
        categories,
        terms,
        progress,
        entries,
        college_standing: standing,
        ..
    } = points;
    let rank_href = match college {
        Some(id) => format!("/leaderboard?college={id}"),
        None => "/leaderboard".to_owned(),
    };
    let ranked = standing.of > 0 && total.0 > 0;
    view! {
        <section class="points-hero" data-testid="points-hero">
            <p class="points-label">{move || i18n.t("累计积分", "Total points")}</p>
            <p class="points-total"><strong data-testid="points-total">{total.to_string()}</strong><span>{move || i18n.t("分", "pts")}</span></p>
            <p class="points-hours" data-testid="points-hours">{move || match i18n.locale() {
                Locale::Zh => format!("累计时长 {} 小时", format::number(total_hours)),
                Locale::En => format!("{} hours in all", format::number(total_hours)),
            }}</p>
            <A href=rank_href attr:class="points-rank" attr:data-testid="points-rank">
                <span>{move || if ranked {
                    match i18n.locale() {
                        Locale::Zh => format!("学院排名 第 {} / {} 名，超过 {}% 的同学", standing.rank, standing.of, format::number(standing.percentile)),
                        Locale::En => format!("#{} of {} in your college, ahead of {}%", standing.rank, standing.of, format::number(standing.percentile)),
                    }
                } else {
                    i18n.t("还没有排名：获得积分后计入学院排名", "Not ranked yet: earn points to enter your college's ranking").to_owned()
                }}</span>
                <span class="menu-arrow" aria-hidden="true">"›"</span>
            </A>
            <div class="points-actions">
                <A href="/transcript" attr:class="btn btn-light" attr:data-testid="points-transcript">{move || i18n.t("查看成绩单", "Transcript")}</A>
                <A href="/leaderboard" attr:class="btn btn-light">{move || i18n.t("排行榜", "Leaderboard")}</A>
            </div>
        </section>
        <Requirement progress=progress categories=categories names=names.clone() />
        <MySuggestions />
        {(!terms.is_empty()).then(|| view! { <Terms terms=terms names=names.clone() /> })}
        <MyPositions />
        <MyPractice />
        <Ledger entries=entries names=names />
    }
}

/// 我的任职: the student's positions, with the grades of approved assessments.
#[component]
fn MyPositions() -> impl IntoView {
    let i18n = use_i18n();
    let positions = LocalResource::new(api::my_positions);
    view! {
        <Transition fallback=|| ()>
            {move || positions.get().map(|result| match result {
                Ok(list) if list.is_empty() => ().into_any(),
                Ok(list) => view! {
                    <section class="panel" data-testid="my-positions">
                        <h2>{move || i18n.t("我的任职", "My positions")}</h2>
                        <ul class="ledger">
                            {list.into_iter().map(|p| {
                                let (level, starts, ends) = (p.level, p.starts_on, p.ends_on);
                                view! {
                                    <li class="ledger-entry" data-testid="my-position">
                                        <div class="ledger-main">
                                            <p class="ledger-title">{p.title.clone()}<span class="muted small">" · "{p.position_type_name.clone()}</span></p>
                                            <p class="ledger-meta muted small">
                                                {p.organization.clone()}" · "{move || labels::cadre_level(i18n, level)}
                                                {p.class_name.clone().map(|c| format!(" · {c}"))}" · "
                                                {move || format!("{} – {}", day(i18n, starts), day(i18n, ends))}
                                            </p>
                                        </div>
                                        <div class="ledger-points">
                                            {if p.assessments.is_empty() {
                                                view! { <span class="muted small">{move || i18n.t("尚无考核结果", "Not assessed yet")}</span> }.into_any()
                                            } else {
                                                p.assessments.into_iter().map(|a| {
                                                    let grade = a.grade;
                                                    view! {
                                                        <span class="tag" title=a.term_name.clone() data-testid="my-position-grade" data-grade=grade.as_str()>
                                                            {a.term_code.clone()}" "{move || labels::grade(i18n, grade)}
                                                        </span>
                                                    }
                                                }).collect_view().into_any()
                                            }}
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}

/// 实践与培训: the teams and training the student took part in, with their hours.
#[component]
fn MyPractice() -> impl IntoView {
    let i18n = use_i18n();
    let records = LocalResource::new(api::my_practice);
    view! {
        <Transition fallback=|| ()>
            {move || records.get().map(|result| match result {
                Ok(list) if list.is_empty() => ().into_any(),
                Ok(list) => view! {
                    <section class="panel" data-testid="my-practice">
                        <h2>{move || i18n.t("实践与培训", "Practice and training")}</h2>
                        <ul class="ledger">
                            {list.into_iter().map(|r| {
                                let (kind, role, starts, ends, hours, certified) = (r.kind, r.role, r.starts_on, r.ends_on, r.hours, r.certified);
                                view! {
                                    <li class="ledger-entry" data-testid="my-practice-record" data-certified=certified.to_string()>
                                        <div class="ledger-main">
                                            <p class="ledger-title">{r.name.clone()}</p>
                                            <p class="ledger-meta muted small">
                                                {move || crate::components::practice_nav::kind(i18n, kind)}" · "{r.organization.clone()}" · "
                                                {move || crate::components::practice_nav::role(i18n, role)}" · "
                                                {move || if starts == ends { day(i18n, starts) } else { format!("{} – {}", day(i18n, starts), day(i18n, ends)) }}
                                            </p>
                                        </div>
                                        <div class="ledger-points">
                                            <strong>{move || match i18n.locale() {
                                                Locale::Zh => format!("{} 小时", format::number(hours)),
                                                Locale::En => format!("{} h", format::number(hours)),
                                            }}</strong>
                                            <span class="badge" class:badge-on=certified class:badge-warn=!certified>
                                                {move || if certified { i18n.t("已认证", "Certified") } else { i18n.t("待认证", "Awaiting certification") }}
                                            </span>
                                        </div>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}

/// One bar of the chart.
struct Bar {
    code: String,
    earned: Points,
    required: Option<Points>,
    /// Hours earned and required, when the requirement asks for hours in the category.
    hours: Option<(f64, f64)>,
}

/// A progress row's hours, when it asks for any.
fn hours_of(progress: &Progress) -> Option<(f64, f64)> {
    (progress.required_hours > 0.0).then_some((progress.earned_hours, progress.required_hours))
}

/// Progress against the requirement: the total as one wide bar, then a bar per category —
/// those the requirement names, and any other the student earned in.
#[component]
fn Requirement(
    progress: Vec<Progress>,
    categories: Vec<CategoryTotal>,
    names: CategoryNames,
) -> impl IntoView {
    let i18n = use_i18n();
    let total = progress.iter().find(|p| p.category == "total").cloned();
    let mut bars: Vec<Bar> = categories
        .iter()
        .map(|c| Bar {
            code: c.category.clone(),
            earned: c.points,
            required: progress
                .iter()
                .find(|p| p.category == c.category)
                .map(|p| p.required),
            hours: progress
                .iter()
                .find(|p| p.category == c.category)
                .and_then(hours_of),
        })
        .collect();
    for p in progress.iter().filter(|p| p.category != "total") {
        if !bars.iter().any(|b| b.code == p.category) {
            bars.push(Bar {
                code: p.category.clone(),
                earned: p.earned,
                required: Some(p.required),
                hours: hours_of(p),
            });
        }
    }
    // Required categories first, so what is missing is read first.
    bars.sort_by_key(|b| b.required.is_none());
    let scale = bars
        .iter()
        .map(|b| b.earned.0.max(b.required.map_or(0, |r| r.0)))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let percent = |p: Points| (p.0.max(0) as f64 * 100.0 / scale).min(100.0);
    view! {
        <section class="panel" data-testid="points-requirement">
            <h2>{move || i18n.t("毕业要求进度", "Towards the graduation requirement")}</h2>
            {total.map(|t| {
                let share = if t.required.0 > 0 { (t.earned.0.max(0) as f64 * 100.0 / t.required.0 as f64).min(100.0) } else { 100.0 };
                let missing = Points((t.required.0 - t.earned.0).max(0));
                view! {
                    <div class="total-progress" data-testid="progress-total" data-met=t.met.to_string()>
                        <p class="total-progress-line">
                            <span>{move || i18n.t("总积分", "Total")}</span>
                            <span><strong>{t.earned.to_string()}</strong>" / "{t.required.to_string()}</span>
                        </p>
                        {hours_of(&t).map(|(earned, required)| view! {
                            <p class="small muted" data-testid="progress-total-hours">{move || match i18n.locale() {
                                Locale::Zh => format!("时长 {} / {} 小时", format::number(earned), format::number(required)),
                                Locale::En => format!("Hours {} / {}", format::number(earned), format::number(required)),
                            }}</p>
                        })}
                        <div class="bar-track bar-track-wide" role="progressbar" aria-valuemin="0" aria-valuemax=t.required.to_string() aria-valuenow=t.earned.to_string()>
                            <span class="bar-fill" class:bar-met=t.met class:bar-unmet=!t.met style=format!("width: {share:.1}%")></span>
                        </div>
                        <p class="small" class:good=t.met class:muted=!t.met>{move || if t.met {
                            i18n.t("已达到毕业要求的总积分。", "The total the requirement asks for is met.").to_owned()
                        } else {
                            match i18n.locale() {
                                Locale::Zh => format!("还差 {missing} 分达到毕业要求。"),
                                Locale::En => format!("{missing} more points to meet the requirement."),
                            }
                        }}</p>
                    </div>
                }
            })}
            <ul class="bars" data-testid="category-bars">
                {bars.into_iter().map(|bar| {
                    let met = bar.required.map(|r| bar.earned >= r);
                    let name = names.clone();
                    let code = bar.code.clone();
                    let fill = percent(bar.earned);
                    view! {
                        <li class="bar-row" data-testid="category-bar" data-category=bar.code.clone() data-met=met.map(|m| m.to_string()).unwrap_or_default()>
                            <span class="bar-label">{move || name.name(i18n, &code)}</span>
                            <span class="bar-track">
                                <span class="bar-fill" class:bar-met=met == Some(true) class:bar-unmet=met == Some(false) style=format!("width: {fill:.1}%")></span>
                                {bar.required.map(|r| view! {
                                    <span class="bar-mark" style=format!("left: {:.1}%", percent(r)) title=move || format!("{}{r}", i18n.t("要求 ", "Required "))></span>
                                })}
                            </span>
                            <span class="bar-value">
                                <strong>{bar.earned.to_string()}</strong>
                                {bar.required.map(|r| view! { <span class="muted">" / "{r.to_string()}</span> })}
                                {bar.hours.map(|(earned, required)| view! {
                                    <span class="muted small bar-hours" data-testid="category-hours">{move || match i18n.locale() {
                                        Locale::Zh => format!("{} / {} 小时", format::number(earned), format::number(required)),
                                        Locale::En => format!("{} / {} h", format::number(earned), format::number(required)),
                                    }}</span>
                                })}
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <p class="muted small bar-legend">
                <span class="legend legend-met"></span>{move || i18n.t("已达标", "Met")}
                <span class="legend legend-unmet"></span>{move || i18n.t("未达标", "Not met")}
                <span class="legend legend-mark"></span>{move || i18n.t("要求", "Required")}
            </p>
        </section>
    }
}

#[component]
fn Terms(terms: Vec<TermTotals>, names: CategoryNames) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="panel" data-testid="points-terms">
            <h2>{move || i18n.t("各学期积分", "Points per term")}</h2>
            <ul class="term-list">
                {terms.into_iter().rev().map(|t| {
                    let names = names.clone();
                    view! {
                        <li class="term-row" data-testid="term-row" data-term=t.term.code.clone()>
                            <div class="term-head">
                                <span class="term-name">{
                                    let (code, name) = (t.term.code.clone(), t.term.name.clone());
                                    move || labels::term_name(i18n, &code, &name)
                                }</span>
                                <strong class="term-points">{t.points.to_string()}</strong>
                            </div>
                            <div class="tags">
                                {t.categories.into_iter().map(|c| {
                                    let names = names.clone();
                                    view! { <span class="tag">{move || names.name(i18n, &c.category)}" "{c.points.to_string()}</span> }
                                }).collect_view()}
                            </div>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}

#[component]
fn Ledger(entries: Vec<LedgerEntry>, names: CategoryNames) -> impl IntoView {
    let i18n = use_i18n();
    let all = RwSignal::new(false);
    let count = entries.len();
    if entries.is_empty() {
        return view! {
            <section class="panel" data-testid="points-ledger">
                <h2>{move || i18n.t("积分明细", "Ledger")}</h2>
                <div class="empty" data-testid="ledger-empty">
                    <p class="empty-icon" aria-hidden="true">"☆"</p>
                    <p>{move || i18n.t("还没有积分记录。", "No points yet.")}</p>
                    <p class="muted">{move || i18n.t(
                        "报名参加活动并签到，主办方完成成绩认定后，积分会记在这里。",
                        "Sign up for activities and check in; points appear here once the organiser recognises the results.",
                    )}</p>
                    <A href="/activities?open=1" attr:class="btn btn-primary">{move || i18n.t("去看看报名中的活动", "See what is open")}</A>
                </div>
            </section>
        }
        .into_any();
    }
    // What each correction cancelled, to name it.
    let cancelled: Vec<(i64, String, NaiveDate)> = entries
        .iter()
        .map(|e| (e.id, e.title.clone(), e.occurred_on))
        .collect();
    let cancelled = StoredValue::new(cancelled);
    let entries = StoredValue::new(entries);
    view! {
        <section class="panel" data-testid="points-ledger">
            <div class="panel-head">
                <h2>{move || i18n.t("积分明细", "Ledger")}</h2>
                <span class="muted small">{move || match i18n.locale() {
                    Locale::Zh => format!("共 {count} 条"),
                    Locale::En => format!("{count} entries"),
                }}</span>
            </div>
            <ul class="ledger" data-testid="ledger">
                {move || {
                    let limit = if all.get() { usize::MAX } else { FIRST_ENTRIES };
                    entries.with_value(|entries| entries.iter().take(limit).cloned().map(|entry| {
                        let corrects = entry.reverses.and_then(|id| {
                            cancelled.with_value(|c| c.iter().find(|(i, _, _)| *i == id).map(|(_, t, d)| (t.clone(), *d)))
                        });
                        view! { <LedgerRow entry=entry names=names.clone() corrects=corrects /> }
                    }).collect_view())
                }}
            </ul>
            {(count > FIRST_ENTRIES).then(|| view! {
                <button class="btn btn-block" type="button" on:click=move |_| all.update(|a| *a = !*a)>
                    {move || if all.get() { i18n.t("收起", "Show fewer").to_owned() } else {
                        match i18n.locale() {
                            Locale::Zh => format!("显示全部 {count} 条"),
                            Locale::En => format!("Show all {count}"),
                        }
                    }}
                </button>
            })}
        </section>
    }
    .into_any()
}

fn day(i18n: I18n, date: NaiveDate) -> String {
    match i18n.locale() {
        Locale::Zh => date.format("%Y年%-m月%-d日").to_string(),
        Locale::En => date.format("%-d %b %Y").to_string(),
    }
}

#[component]
fn LedgerRow(
    entry: LedgerEntry,
    names: CategoryNames,
    /// The title and date of the entry this one cancels, when it is a correction.
    corrects: Option<(String, NaiveDate)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let reversed = entry.reversed;
    let reversal = entry.reverses.is_some();
    // How it was recorded, when the category does not already say it (学生干部, 社会实践).
    let source = entry.source;
    let code = entry.category.clone();
    let occurred_on = entry.occurred_on;
    let date = move || day(i18n, occurred_on);
    // Hourly entries say their hours in the detail already.
    let hours = if entry.detail.trim().is_empty() {
        entry.hours
    } else {
        0.0
    };
    view! {
        <li class="ledger-entry" class:ledger-reversed=reversed class:ledger-reversal=reversal
            data-testid="ledger-entry" data-entry=entry.id.to_string() data-reversed=reversed.to_string()>
            <div class="ledger-main">
                <p class="ledger-title">
                    <span class="ledger-title-text">{entry.title.clone()}</span>
                    {reversed.then(|| view! { <span class="badge badge-warn" data-testid="ledger-corrected">{move || i18n.t("已更正", "Corrected")}</span> })}
                    {reversal.then(|| view! { <span class="badge badge-off">{move || i18n.t("更正", "Correction")}</span> })}
                    {matches!(source, Source::Makeup | Source::Backfill | Source::Manual).then(|| view! { <span class="badge">{move || labels::source(i18n, source)}</span> })}
                </p>
                <p class="ledger-meta">
                    <span>{date}</span>
                    <span class="tag tag-category">{move || names.name(i18n, &code)}</span>
                    {(!entry.detail.trim().is_empty()).then(|| {
                        let detail = entry.detail.clone();
                        view! { <span>{move || labels::ledger_detail(i18n, &detail)}</span> }
                    })}
                    {(hours > 0.0).then(|| view! { <span>{move || match i18n.locale() {
                        Locale::Zh => format!("{} 小时", format::number(hours)),
                        Locale::En => format!("{} h", format::number(hours)),
                    }}</span> })}
                </p>
                <p class="ledger-org muted small">{entry.organization.clone()}</p>
                {reversed.then(|| view! {
                    <p class="ledger-note">{move || i18n.t(
                        "已更正：这条记录已被后来的更正冲销，不再计入积分。",
                        "Corrected: a later correction cancelled this entry; it no longer counts.",
                    )}</p>
                })}
                {reversal.then(|| view! {
                    <p class="ledger-note">{move || match (i18n.locale(), corrects.clone()) {
                        (Locale::Zh, Some((title, on))) => format!("更正记录：冲销 {} 的「{title}」。", day(i18n, on)),
                        (Locale::En, Some((title, on))) => format!("Correction: cancels “{title}” of {}.", day(i18n, on)),
                        (Locale::Zh, None) => "更正记录：冲销一条此前的记录。".to_owned(),
                        (Locale::En, None) => "Correction: cancels an earlier entry.".to_owned(),
                    }}</p>
                })}
            </div>
            <span class="ledger-points" class:ledger-minus=entry.points.0 < 0 class:ledger-zero=entry.points.0 == 0 data-testid="ledger-points">{format::signed(entry.points)}</span>
        </li>
    }
}
