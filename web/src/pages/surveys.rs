//! 问卷: an organisation's surveys — drafts, open, closed — with their respondents, and the way
//! to build a new one, edit a draft or read the results.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{auth::Permission, survey::SurveyState};

use crate::{
    api,
    components::{
        error::ErrorNotice,
        pager::Pager,
        survey::StateBadge,
        table::{Cell, DataTable},
    },
    format,
    i18n::use_i18n,
    session::use_session,
};

const PER_PAGE: u32 = 20;

#[component]
pub fn SurveysPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let can_publish = session.can(Permission::PublishActivities);
    let page = RwSignal::new(1_u32);
    let list = LocalResource::new(move || api::surveys(page.get(), PER_PAGE));
    view! {
        <div class="page-head">
            <h1>{move || i18n.t("问卷", "Surveys")}</h1>
            <div class="actions">
                {can_publish.then(|| view! {
                    <A href="/surveys/new" attr:class="btn btn-primary" attr:data-testid="survey-new">{move || i18n.t("新建问卷", "New survey")}</A>
                })}
            </div>
        </div>
        <p class="muted small">{move || i18n.t(
            "匿名问卷的答案与学生账号无关联；少于 5 人作答的分组不显示结果。",
            "Anonymous answers are never linked to a student; groups of fewer than 5 respondents show no results.",
        )}</p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || list.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="surveys-empty">
                        <p class="empty-icon" aria-hidden="true">"✎"</p>
                        <p>{move || i18n.t("还没有问卷。新建一份，面向本组织的学生、某个年级或某次活动的参与者收集反馈。", "No surveys yet. Build one for your organisation's students, an intake, or an activity's participants.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    view! {
                        <DataTable testid="surveys" columns=vec![("问卷", "Survey"), ("对象", "Asked"), ("时间", "Window"), ("状态", "State"), ("作答", "Answers"), ("", "")]>
                            {list.items.into_iter().map(|s| {
                                let (opens, closes) = (s.opens_at, s.closes_at);
                                let draft = s.state == SurveyState::Draft;
                                view! {
                                    <tr data-testid="survey-row" data-id=s.id.to_string()>
                                        <Cell zh="问卷" en="Survey" class="cell-title">
                                            {s.title.clone()}
                                            <span class="muted small">" · " {move || if s.anonymous { i18n.t("匿名", "anonymous") } else { i18n.t("实名", "named") }}</span>
                                        </Cell>
                                        <Cell zh="对象" en="Asked">{s.target_label.clone()}</Cell>
                                        <Cell zh="时间" en="Window" class="cell-nowrap">{move || format::span(i18n.locale(), opens, closes)}</Cell>
                                        <Cell zh="状态" en="State"><StateBadge state=s.state /></Cell>
                                        <Cell zh="作答" en="Answers" class="cell-key">{s.respondents}</Cell>
                                        <Cell zh="" en="" class="cell-actions">
                                            <A href=format!("/surveys/{}/edit", s.id) attr:class="btn btn-small" attr:data-testid="survey-open">
                                                {move || if draft { i18n.t("编辑", "Edit") } else { i18n.t("详情", "Details") }}
                                            </A>
                                            {(!draft).then(|| view! {
                                                <A href=format!("/surveys/{}/results", s.id) attr:class="btn btn-small" attr:data-testid="survey-results-link">{move || i18n.t("结果", "Results")}</A>
                                            })}
                                        </Cell>
                                    </tr>
                                }
                            }).collect_view()}
                        </DataTable>
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| page.set(p)) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| list.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}
