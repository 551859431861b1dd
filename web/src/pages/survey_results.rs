//! 问卷结果: counts and percentages per question as bar charts (each with a table of the same
//! numbers), the mean of ratings and the NPS, text answers sorted by their text, for everyone
//! or a college and/or intake (kept in the URL), and the whole as .xlsx. A group of fewer than
//! five respondents shows nothing, and the page says why. Also 活动评价: an activity's ratings
//! for its organiser, without names.

use leptos::prelude::*;
use leptos_router::{
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError,
    organization::OrgKind,
    survey::{OptionCount, QuestionKind, QuestionResult, SurveyResults},
};

use crate::{
    api,
    components::{
        chart::{Bar, BarChart},
        error::ErrorNotice,
        org_select::{OrgSelect, subtree},
        route::id_param,
        survey::{StateBadge, kind_label},
    },
    files, format,
    i18n::use_i18n,
};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

fn bars(counts: &[OptionCount]) -> Vec<Bar> {
    counts
        .iter()
        .map(|c| Bar {
            label: c.label.clone(),
            value: c.count as f64,
            text: format!("{} · {}%", c.count, format::number(c.percent)),
        })
        .collect()
}

#[component]
pub fn SurveyResultsPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let query = use_query_map();
    let navigate = use_navigate();
    let college = Memo::new(move |_| {
        query
            .read()
            .get("college_id")
            .and_then(|c| c.parse::<i64>().ok())
    });
    let year = Memo::new(move |_| query.read().get("year").and_then(|y| y.parse::<i32>().ok()));
    let year_text = RwSignal::new(
        year.get_untracked()
            .map(|y| y.to_string())
            .unwrap_or_default(),
    );
    let colleges = subtree(&[OrgKind::College]);
    let results = LocalResource::new(move || {
        let (id, college, year) = (id.get(), college.get(), year.get());
        async move {
            match id {
                Some(id) => api::survey_results(id, college, year).await,
                None => Err(ApiError::new(shared::ErrorCode::NotFound, "no such survey")),
            }
        }
    });
    let go = StoredValue::new(navigate);
    let set_filters = move |college: Option<i64>, year: Option<i32>| {
        let Some(id) = id.get_untracked() else { return };
        let mut q = Vec::new();
        if let Some(c) = college {
            q.push(format!("college_id={c}"));
        }
        if let Some(y) = year {
            q.push(format!("year={y}"));
        }
        let path = if q.is_empty() {
            format!("/surveys/{id}/results")
        } else {
            format!("/surveys/{id}/results?{}", q.join("&"))
        };
        go.with_value(|go| go(&path, Default::default()));
    };
    let download = Action::new_local(move |_: &()| {
        let (id, college, year) = (
            id.get_untracked(),
            college.get_untracked(),
            year.get_untracked(),
        );
        async move {
            let id = id.unwrap_or_default();
            let bytes = api::survey_results_xlsx(id, college, year).await?;
            files::save_bytes(&format!("问卷结果-{id}.xlsx"), XLSX, &bytes)
                .map_err(|e| ApiError::new(shared::ErrorCode::Internal, e))
        }
    });
    view! {
        <p class="crumbs"><A href="/surveys">{move || i18n.t("‹ 问卷", "‹ Surveys")}</A></p>
        <div class="page-head">
            <h1>{move || i18n.t("问卷结果", "Survey results")}</h1>
            <div class="actions">
                <button type="button" class="btn btn-primary" data-testid="survey-results-download"
                    disabled=move || download.pending().get() || results.get().is_none_or(|r| r.as_ref().is_ok_and(|r| r.suppressed))
                    on:click=move |_| { download.dispatch(()); }>
                    {move || if download.pending().get() { i18n.t("正在生成…", "Preparing…") } else { i18n.t("下载 Excel", "Download Excel") }}
                </button>
            </div>
        </div>
        {move || download.value().get().and_then(Result::err).map(|error| view! { <ErrorNotice error=error /> })}
        <div class="filters" data-testid="survey-filters">
            <label class="field">
                <span class="field-label">{move || i18n.t("学院", "College")}</span>
                <OrgSelect organizations=colleges testid="survey-filter-college" value=college any=("全部学院", "All colleges")
                    on_change=Callback::new(move |c| set_filters(c, year.get_untracked())) />
            </label>
            <label class="field">
                <span class="field-label">{move || i18n.t("年级（入学年份）", "Intake (enrolment year)")}</span>
                <input type="number" min="1990" max="2100" data-testid="survey-filter-year" placeholder=move || i18n.t("全部", "All")
                    prop:value=year_text on:input=move |ev| year_text.set(event_target_value(&ev))
                    on:change=move |_| set_filters(college.get_untracked(), year_text.get_untracked().trim().parse().ok()) />
            </label>
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || results.get().map(|result| match result {
                Ok(r) => view! { <Results results=r /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| results.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn Results(results: SurveyResults) -> impl IntoView {
    let i18n = use_i18n();
    let respondents = results.respondents;
    let min = results.min_group;
    view! {
        <section class="panel survey-summary" data-testid="survey-results" data-respondents=respondents.to_string()
            data-suppressed=results.suppressed.to_string()>
            <h2>{results.title.clone()}</h2>
            <p>
                <StateBadge state=results.state />
                " "
                <span class="badge">{move || if results.anonymous { i18n.t("匿名", "Anonymous") } else { i18n.t("实名", "Named") }}</span>
                " "
                <strong data-testid="survey-respondents">{respondents}</strong>
                {move || i18n.t(" 人作答", " respondents")}
            </p>
        </section>
        {if results.suppressed {
            view! {
                <div class="notice notice-warn" data-testid="survey-suppressed" role="status">
                    <p class="notice-title">{move || i18n.t("人数不足，暂不显示结果", "Too few respondents to show results")}</p>
                    <p class="notice-detail">{move || match i18n.locale() {
                        crate::i18n::Locale::Zh => format!("该分组只有 {respondents} 人作答，少于 {min} 人时不显示统计，以免推断出个人的答案。"),
                        crate::i18n::Locale::En => format!("This group has {respondents} respondents; results of fewer than {min} are not shown, so no one's answers can be inferred."),
                    }}</p>
                </div>
            }.into_any()
        } else {
            results.questions.into_iter().map(|q| view! { <QuestionPanel q=q /> }).collect_view().into_any()
        }}
    }
}

#[component]
fn QuestionPanel(q: QuestionResult) -> impl IntoView {
    let i18n = use_i18n();
    let title = format!("{}. {}", q.index + 1, q.title);
    let kind = q.kind;
    let answered = q.answered;
    let meta = move || {
        let mut text = format!(
            "{} · {} {}",
            kind_label(i18n, kind),
            answered,
            i18n.t("人回答", "answered")
        );
        if let Some(avg) = q.average {
            text.push_str(&format!(
                " · {} {}",
                i18n.t("平均", "mean"),
                format::number(avg)
            ));
        }
        if let Some(nps) = q.nps {
            text.push_str(&format!(" · NPS {}", format::number(nps)));
        }
        text
    };
    if kind == QuestionKind::Text {
        let texts = q.texts.clone();
        return view! {
            <section class="panel" data-testid="survey-question-result" data-index=q.index.to_string()>
                <h2>{title}</h2>
                <p class="muted small">{meta}</p>
                {if texts.is_empty() {
                    view! { <p class="muted">{move || i18n.t("暂无文本回答", "No text answers")}</p> }.into_any()
                } else {
                    view! {
                        <ul class="text-answers" data-testid="survey-texts">
                            {texts.into_iter().map(|t| view! { <li>{t}</li> }).collect_view()}
                        </ul>
                    }.into_any()
                }}
                <p class="muted small">{move || i18n.t("按内容排序，与作答顺序无关。", "Sorted by text, not by when they were given.")}</p>
            </section>
        }
        .into_any();
    }
    let bars = bars(&q.counts);
    view! {
        <section class="panel" data-testid="survey-question-result" data-index=q.index.to_string()>
            <h2>{title.clone()}</h2>
            <p class="muted small">{meta}</p>
            <BarChart bars=bars label=title testid="survey-bars" />
        </section>
    }
    .into_any()
}

/// 活动评价: an activity's ratings as its organiser sees them.
#[component]
pub fn EvaluationsPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let summary = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::activity_evaluations(id).await,
                None => Err(ApiError::new(
                    shared::ErrorCode::NotFound,
                    "no such activity",
                )),
            }
        }
    });
    view! {
        <p class="crumbs"><A href="/manage/activities">{move || i18n.t("‹ 活动管理", "‹ Activities")}</A></p>
        <h1>{move || i18n.t("活动评价", "Activity ratings")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || summary.get().map(|result| match result {
                Ok(s) => {
                    let average = s.average.map(format::number).unwrap_or_else(|| "—".into());
                    let dist = bars(&s.distribution);
                    view! {
                        <section class="panel" data-testid="evaluation-summary">
                            <h2>{s.title.clone()}</h2>
                            <p><strong class="big-number" data-testid="evaluation-average">{average}</strong>
                                {move || i18n.t(" 分（满分 5）· ", " of 5 · ")}{s.count}{move || i18n.t(" 人评价，", " ratings of ")}{s.participants}{move || i18n.t(" 人签到", " checked in")}</p>
                            <BarChart bars=dist label=i18n.t("评分分布", "Ratings").to_owned() testid="evaluation-bars" />
                        </section>
                        <section class="panel">
                            <h2>{move || i18n.t("评论（不显示评价人）", "Comments (no names)")}</h2>
                            <ul class="text-answers" data-testid="evaluation-comments">
                                {s.comments.into_iter().map(|c| view! { <li>{c}</li> }).collect_view()}
                            </ul>
                        </section>
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}
