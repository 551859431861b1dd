//! 排行榜: the top 50 by points in a scope — the whole school or a college (a student picks
//! 全校 or their own college; an organisation any college), an intake year, a term or all terms
//! — with equal points sharing a rank, and a student's own standing. The scope lives in the URL
//! (`?college=&year=&term=`), so a view can be shared and survives a reload.

use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};
use shared::{
    auth::Role,
    organization::OrgKind,
    points::{Leaderboard, LeaderboardRow, Standing},
};

use crate::{
    api::{self, LeaderboardScope, OrgFilter},
    components::error::ErrorNotice,
    format,
    i18n::{Locale, use_i18n},
    session::use_session,
};

const LIMIT: u32 = 50;

/// Intake years offered: this many back from this year.
const YEARS: i32 = 8;

fn scope_of(query: &ParamsMap) -> LeaderboardScope {
    LeaderboardScope {
        college_id: query.get("college").and_then(|v| v.parse().ok()),
        enrolment_year: query.get("year").and_then(|v| v.parse().ok()),
        term_id: query.get("term").and_then(|v| v.parse().ok()),
    }
}

fn url_of(scope: &LeaderboardScope) -> String {
    let mut parts = Vec::new();
    if let Some(college) = scope.college_id {
        parts.push(format!("college={college}"));
    }
    if let Some(year) = scope.enrolment_year {
        parts.push(format!("year={year}"));
    }
    if let Some(term) = scope.term_id {
        parts.push(format!("term={term}"));
    }
    if parts.is_empty() {
        "/leaderboard".to_owned()
    } else {
        format!("/leaderboard?{}", parts.join("&"))
    }
}

#[component]
pub fn LeaderboardPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let scope = Memo::new(move |_| scope_of(&query.read()));
    let board = LocalResource::new(move || {
        let scope = scope.get();
        async move { api::leaderboard(&scope, LIMIT).await }
    });
    let terms = LocalResource::new(api::terms);
    let student = session.with_me(|me| me.is_some_and(|me| me.role == Role::Student));
    let my_college =
        session.with_me(|me| me.map(|me| (me.organization.id, me.organization.name.clone())));
    // Organisations choose among the colleges; a student between the school and their own.
    let colleges = LocalResource::new(move || async move {
        if student {
            return Ok(Vec::new());
        }
        api::all_organizations(&OrgFilter {
            kind: Some(OrgKind::College),
            ..Default::default()
        })
        .await
    });
    let go = move |change: &dyn Fn(&mut LeaderboardScope)| {
        let mut next = scope.get_untracked();
        change(&mut next);
        navigate(
            &url_of(&next),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let this_year = chrono::Utc::now().with_timezone(&format::shanghai()).year();

    let scope_control = {
        let go = go.clone();
        let my_college = my_college.clone();
        move || match (student, my_college.clone()) {
            (true, Some((college, college_name))) => {
                let (go_school, go_college) = (go.clone(), go.clone());
                view! {
                    <div class="segmented" role="tablist" data-testid="board-scope">
                        <button type="button" role="tab" class="segment" class:segment-on=move || scope.read().college_id.is_none()
                            data-testid="board-scope-school" on:click=move |_| go_school(&|s: &mut LeaderboardScope| s.college_id = None)>
                            {move || i18n.t("全校", "School")}
                        </button>
                        <button type="button" role="tab" class="segment" class:segment-on=move || scope.read().college_id == Some(college)
                            data-testid="board-scope-college" title=college_name.clone()
                            on:click=move |_| go_college(&move |s: &mut LeaderboardScope| s.college_id = Some(college))>
                            {move || i18n.t("本学院", "My college")}
                        </button>
                    </div>
                }
                .into_any()
            }
            _ => {
                let go = go.clone();
                view! {
                    <select data-testid="board-college" aria-label=move || i18n.t("范围", "Scope")
                        on:change=move |ev| {
                            let college = event_target_value(&ev).parse().ok();
                            go(&move |s: &mut LeaderboardScope| s.college_id = college)
                        }>
                        <option value="" selected=move || scope.read().college_id.is_none()>{move || i18n.t("全校", "Whole school")}</option>
                        {move || colleges.get().and_then(Result::ok).map(|list| list.into_iter().map(|c| {
                            let id = c.id;
                            view! { <option value=id.to_string() selected=move || scope.read().college_id == Some(id)>{c.name}</option> }
                        }).collect_view())}
                    </select>
                }
                .into_any()
            }
        }
    };

    view! {
        <h1>{move || i18n.t("排行榜", "Leaderboard")}</h1>
        <div class="filters board-filters">
            {scope_control}
            <select data-testid="board-year" aria-label=move || i18n.t("年级", "Intake year")
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let year = event_target_value(&ev).parse().ok();
                        go(&move |s: &mut LeaderboardScope| s.enrolment_year = year)
                    }
                }>
                <option value="" selected=move || scope.read().enrolment_year.is_none()>{move || i18n.t("全部年级", "All intakes")}</option>
                {(0..YEARS).map(|back| {
                    let year = this_year - back;
                    view! { <option value=year.to_string() selected=move || scope.read().enrolment_year == Some(year)>{move || match i18n.locale() {
                        Locale::Zh => format!("{year} 级"),
                        Locale::En => format!("Intake {year}"),
                    }}</option> }
                }).collect_view()}
            </select>
            <select data-testid="board-term" aria-label=move || i18n.t("学期", "Term")
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let term = event_target_value(&ev).parse().ok();
                        go(&move |s: &mut LeaderboardScope| s.term_id = term)
                    }
                }>
                <option value="" selected=move || scope.read().term_id.is_none()>{move || i18n.t("全部学期", "All terms")}</option>
                {move || terms.get().and_then(Result::ok).map(|list| list.into_iter().rev().map(|t| {
                    let id = t.id;
                    view! { <option value=id.to_string() selected=move || scope.read().term_id == Some(id)>{t.name}</option> }
                }).collect_view())}
            </select>
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || board.get().map(|result| match result {
                Ok(board) => view! { <Board board=board student=student /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| board.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Board(board: Leaderboard, student: bool) -> impl IntoView {
    let i18n = use_i18n();
    let Leaderboard {
        students,
        rows,
        me,
        term,
        ..
    } = board;
    let term_name = term.map(|t| t.name);
    view! {
        {student.then(|| view! { <MyStanding standing=me /> })}
        <div class="panel-head board-head">
            <h2>{move || i18n.t("前 50 名", "Top 50")}</h2>
            <span class="muted small" data-testid="board-count">
                {move || match (i18n.locale(), term_name.clone()) {
                    (Locale::Zh, Some(term)) => format!("{term} · 范围内共 {students} 名学生"),
                    (Locale::Zh, None) => format!("全部学期 · 范围内共 {students} 名学生"),
                    (Locale::En, Some(term)) => format!("{term} · {students} students in scope"),
                    (Locale::En, None) => format!("All terms · {students} students in scope"),
                }}
            </span>
        </div>
        {if rows.is_empty() {
            view! {
                <div class="empty" data-testid="board-empty">
                    <p class="empty-icon" aria-hidden="true">"☆"</p>
                    <p>{move || i18n.t("这个范围内还没有学生获得积分。", "Nobody in this scope has points yet.")}</p>
                    <p class="muted">{move || i18n.t("换一个范围看看，或等活动完成成绩认定后再来。", "Try another scope, or come back once activities are recognised.")}</p>
                </div>
            }
            .into_any()
        } else {
            view! {
                <ol class="board" data-testid="board">
                    {rows.into_iter().map(|row| view! { <BoardRow row=row /> }).collect_view()}
                </ol>
            }
            .into_any()
        }}
    }
}

#[component]
fn BoardRow(row: LeaderboardRow) -> impl IntoView {
    let i18n = use_i18n();
    let rank = row.rank;
    let year = row.enrolment_year;
    view! {
        <li class="board-row" class:board-me=row.me data-testid="board-row" data-rank=rank.to_string() data-me=row.me.to_string()>
            <span class="board-rank" class:board-top=rank <= 3 data-testid="board-rank">{rank}</span>
            <span class="board-who">
                <span class="board-name">
                    {row.name.clone()}
                    {row.me.then(|| view! { <span class="badge badge-kind">{move || i18n.t("我", "Me")}</span> })}
                </span>
                <span class="board-meta muted small">
                    <span class="num">{row.student_no.clone()}</span>" · "{row.college.clone()}" · "
                    {move || match i18n.locale() {
                        Locale::Zh => format!("{year} 级"),
                        Locale::En => format!("{year}"),
                    }}
                </span>
            </span>
            <span class="board-points num">{row.points.to_string()}</span>
        </li>
    }
}

#[component]
fn MyStanding(standing: Option<Standing>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="standing" data-testid="my-standing">
            {match standing {
                Some(s) if s.points.0 > 0 => view! {
                    <p class="standing-label">{move || i18n.t("我的排名", "My standing")}</p>
                    <p class="standing-rank">
                        {move || match i18n.locale() {
                            Locale::Zh => format!("第 {} / {} 名", s.rank, s.of),
                            Locale::En => format!("#{} of {}", s.rank, s.of),
                        }}
                    </p>
                    <p class="standing-line">
                        {move || match i18n.locale() {
                            Locale::Zh => format!("{} 分，超过 {}% 的同学", s.points, format::number(s.percentile)),
                            Locale::En => format!("{} points, ahead of {}%", s.points, format::number(s.percentile)),
                        }}
                    </p>
                }.into_any(),
                Some(_) => view! {
                    <p class="standing-label">{move || i18n.t("我的排名", "My standing")}</p>
                    <p class="standing-line">{move || i18n.t("这个范围内你还没有积分，参加活动后即可上榜。", "You have no points in this scope yet; take part to get on the board.")}</p>
                }.into_any(),
                None => view! {
                    <p class="standing-label">{move || i18n.t("我的排名", "My standing")}</p>
                    <p class="standing-line">{move || i18n.t("你不在当前范围内（其他学院或年级）。", "You are outside this scope (another college or intake).")}</p>
                }.into_any(),
            }}
        </section>
    }
}
