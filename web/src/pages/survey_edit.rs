//! 编辑问卷: an organisation builds a questionnaire — questions of five kinds, required or
//! not, a window, a target (its subtree's students, an intake of them, or one activity's
//! checked-in participants) and whether it is anonymous — saves it as a draft, publishes it
//! (fixing all of that, anonymity included) and may close it early. The rules are
//! `shared::survey::NewSurvey::validate`, the server's own.

use chrono::{Duration, Utc};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};
use shared::{
    ApiError,
    survey::{NewSurvey, Question, QuestionKind, Survey, SurveyState, SurveyTarget, TargetKind},
};

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        org_select::{OrgSelect, subtree},
        route::id_param,
        survey::{StateBadge, anonymity, kind_label},
    },
    format,
    i18n::{Locale, use_i18n},
    session::use_session,
};

#[component]
pub fn NewSurveyPage() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="crumbs"><A href="/surveys">{move || i18n.t("‹ 问卷", "‹ Surveys")}</A></p>
        <h1>{move || i18n.t("新建问卷", "New survey")}</h1>
        <SurveyForm survey=None />
    }
}

#[component]
pub fn EditSurveyPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let survey = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::survey(id).await,
                None => Err(ApiError::new(shared::ErrorCode::NotFound, "no such survey")),
            }
        }
    });
    view! {
        <p class="crumbs"><A href="/surveys">{move || i18n.t("‹ 问卷", "‹ Surveys")}</A></p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || survey.get().map(|result| match result {
                Ok(s) => view! {
                    <div class="page-head">
                        <h1>{s.title.clone()}</h1>
                        <StateBadge state=s.state />
                    </div>
                    <SurveyForm survey=Some(s) />
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
    }
}

/// A question as edited: its options one per line.
#[derive(Clone)]
struct Draft {
    kind: RwSignal<QuestionKind>,
    title: RwSignal<String>,
    required: RwSignal<bool>,
    options: RwSignal<String>,
}

impl Draft {
    fn from(q: &Question) -> Draft {
        Draft {
            kind: RwSignal::new(q.kind),
            title: RwSignal::new(q.title.clone()),
            required: RwSignal::new(q.required),
            options: RwSignal::new(q.options.join("\n")),
        }
    }

    fn question(&self) -> Question {
        let kind = self.kind.get();
        Question {
            kind,
            title: self.title.get().trim().to_owned(),
            required: self.required.get(),
            options: if kind.is_choice() {
                self.options
                    .get()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(str::to_owned)
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

const KINDS: [(QuestionKind, &str); 5] = [
    (QuestionKind::Single, "single"),
    (QuestionKind::Multiple, "multiple"),
    (QuestionKind::Stars, "stars"),
    (QuestionKind::Nps, "nps"),
    (QuestionKind::Text, "text"),
];

/// Field messages of `NewSurvey::validate` and the survey endpoints, in the current locale.
fn form_message(locale: Locale, text: &str) -> String {
    if locale == Locale::En {
        return text.to_owned();
    }
    match text {
        "1 to 100 characters" => "需为 1–100 个字符",
        "1 to 200 characters" => "需为 1–200 个字符",
        "at most 2000 characters" => "最多 2000 个字符",
        "after opens_at" => "截止时间须晚于开始时间",
        "at most a year after opens_at" => "开放时间最长一年",
        "an intake names its enrolment year (1990–2100)" => "请填写年级（入学年份）",
        "an activity target names the activity" => "请填写活动编号",
        "1 to 50 questions" => "问卷需有 1–50 道题",
        "2 to 20 options" => "选择题需有 2–20 个选项（每行一个）",
        "options differ from each other" => "选项不能重复",
        "only choice fields have options" => "只有选择题才有选项",
        "a survey asks the students of its own organisation's subtree" => {
            "只能面向本组织及下级组织的学生"
        }
        "no published activity of this organisation's subtree" => "没有本组织发布的这个活动",
        "an activity target names the survey's own organisation" => "活动问卷的对象组织须为本组织",
        "the window has already closed" => "填写时间已过，请修改截止时间",
        "no such organisation" => "没有这个组织",
        t => t,
    }
    .to_owned()
}

#[component]
fn SurveyForm(survey: Option<Survey>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let navigate = use_navigate();
    let organizations = subtree(&[]);
    let existing = survey.as_ref().map(|s| s.id);
    let draft = survey
        .as_ref()
        .is_none_or(|s| s.state == SurveyState::Draft);
    let state = survey.as_ref().map(|s| s.state);
    let now = Utc::now();
    let own = session.with_me(|me| me.map(|me| me.organization.id));
    let organization = RwSignal::new(survey.as_ref().map(|s| s.organization_id).or(own));
    let title = RwSignal::new(survey.as_ref().map(|s| s.title.clone()).unwrap_or_default());
    let description = RwSignal::new(
        survey
            .as_ref()
            .map(|s| s.description.clone())
            .unwrap_or_default(),
    );
    let anonymous = RwSignal::new(survey.as_ref().is_none_or(|s| s.anonymous));
    let opens = RwSignal::new(format::to_input(
        survey.as_ref().map(|s| s.opens_at).unwrap_or(now),
    ));
    let closes = RwSignal::new(format::to_input(
        survey
            .as_ref()
            .map(|s| s.closes_at)
            .unwrap_or(now + Duration::days(7)),
    ));
    let target = survey.as_ref().map(|s| s.target.clone());
    let target_kind = RwSignal::new(target.as_ref().map_or(TargetKind::Organization, |t| t.kind));
    let target_org = RwSignal::new(target.as_ref().map(|t| t.organization_id).or(own));
    let year = RwSignal::new(
        target
            .as_ref()
            .and_then(|t| t.year)
            .map(|y| y.to_string())
            .unwrap_or_default(),
    );
    let activity = RwSignal::new(
        target
            .as_ref()
            .and_then(|t| t.activity_id)
            .map(|a| a.to_string())
            .unwrap_or_default(),
    );
    let questions = RwSignal::new(match &survey {
        Some(s) => s.questions.iter().map(Draft::from).collect::<Vec<_>>(),
        None => vec![Draft::from(&Question {
            kind: QuestionKind::Single,
            title: String::new(),
            required: true,
            options: Vec::new(),
        })],
    });
    let error = RwSignal::new(None::<ApiError>);
    let input = move || -> Result<NewSurvey, ApiError> {
        let at = |text: String, field: &str| {
            format::from_input(&text)
                .ok_or_else(|| ApiError::invalid(field, "enter a date and time"))
        };
        let kind = target_kind.get();
        let org = organization
            .get()
            .ok_or_else(|| ApiError::invalid("organization_id", "no such organisation"))?;
        let input = NewSurvey {
            organization_id: org,
            title: title.get(),
            description: description.get(),
            anonymous: anonymous.get(),
            opens_at: at(opens.get(), "opens_at")?,
            closes_at: at(closes.get(), "closes_at")?,
            target: SurveyTarget {
                kind,
                organization_id: if kind == TargetKind::Activity {
                    org
                } else {
                    target_org.get().unwrap_or(org)
                },
                year: (kind == TargetKind::Intake)
                    .then(|| year.get().trim().parse().ok())
                    .flatten(),
                activity_id: (kind == TargetKind::Activity)
                    .then(|| activity.get().trim().parse().ok())
                    .flatten(),
            },
            questions: questions.get().iter().map(Draft::question).collect(),
        };
        input.validate()?;
        Ok(input)
    };
    let save = Action::new_local(move |input: &NewSurvey| {
        let input = input.clone();
        async move {
            match existing {
                Some(id) => api::update_survey(id, &input).await,
                None => api::create_survey(&input).await,
            }
        }
    });
    let publish = Action::new_local(move |_: &()| async move {
        match existing {
            Some(id) => api::publish_survey(id).await,
            None => Err(ApiError::new(shared::ErrorCode::NotFound, "save first")),
        }
    });
    let close = Action::new_local(move |_: &()| async move {
        match existing {
            Some(id) => api::close_survey(id).await,
            None => Err(ApiError::new(shared::ErrorCode::NotFound, "save first")),
        }
    });
    let go = navigate.clone();
    Effect::new(move |_| match save.value().get() {
        Some(Ok(s)) if existing.is_none() => {
            go(&format!("/surveys/{}/edit", s.id), Default::default())
        }
        Some(Err(e)) => error.set(Some(e)),
        _ => {}
    });
    let go = navigate.clone();
    Effect::new(move |_| {
        for action in [publish, close] {
            match action.value().get() {
                Some(Ok(s)) => go(&format!("/surveys/{}/results", s.id), Default::default()),
                Some(Err(e)) => error.set(Some(e)),
                None => {}
            }
        }
    });
    let field_error = move |field: String| {
        move || {
            error.with(|e| {
                e.as_ref()
                    .filter(|e| e.field.as_deref() == Some(field.as_str()))
                    .map(|e| form_message(i18n.locale(), &e.message))
            })
        }
    };
    let general_error = move || {
        error.with(|e| {
            e.as_ref().and_then(|e| match &e.field {
                Some(f)
                    if [
                        "organization_id",
                        "title",
                        "description",
                        "opens_at",
                        "closes_at",
                        "target.organization_id",
                        "target.year",
                        "target.activity_id",
                    ]
                    .contains(&f.as_str())
                        || f.starts_with("questions[") =>
                {
                    None
                }
                Some(_) => Some(form_message(i18n.locale(), &e.message)),
                None => Some(message(i18n, e)),
            })
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match input() {
            Ok(input) => {
                error.set(None);
                save.dispatch(input);
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let remove = move |i: usize| {
        questions.update(|q| {
            if q.len() > 1 {
                q.remove(i);
            }
        })
    };
    let lift = move |i: usize| {
        questions.update(|q| {
            if i > 0 {
                q.swap(i - 1, i);
            }
        })
    };
    view! {
        <section class="panel" data-testid="survey-form">
            {(!draft).then(|| view! {
                <p class="notice notice-warn">{move || i18n.t("已发布的问卷不能再修改题目、时间、对象或匿名设置。", "A published survey's questions, window, target and anonymity are fixed.")}</p>
            })}
            <form class="form-grid survey-edit" novalidate on:submit=on_submit>
                <fieldset class="form-grid" disabled=!draft>
                <label class="field">
                    <span class="field-label">{move || i18n.t("发起组织", "Organisation")}</span>
                    <OrgSelect organizations=organizations testid="survey-org" value=organization
                        on_change=Callback::new(move |org| organization.set(org)) />
                    <span class="field-error" role="alert">{field_error("organization_id".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("问卷标题", "Title")}</span>
                    <input type="text" data-testid="survey-title-input" prop:value=title on:input=move |ev| title.set(event_target_value(&ev)) />
                    <span class="field-error" role="alert" data-testid="survey-title-error">{field_error("title".into())}</span>
                </label>
                <label class="field form-grid-wide">
                    <span class="field-label">{move || i18n.t("说明（选填）", "Description (optional)")}</span>
                    <textarea rows="2" data-testid="survey-description" prop:value=description on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    <span class="field-error" role="alert">{field_error("description".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("开始时间", "Opens at")}</span>
                    <input type="datetime-local" data-testid="survey-opens" prop:value=opens on:input=move |ev| opens.set(event_target_value(&ev)) />
                    <span class="field-error" role="alert">{field_error("opens_at".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("截止时间", "Closes at")}</span>
                    <input type="datetime-local" data-testid="survey-closes" prop:value=closes on:input=move |ev| closes.set(event_target_value(&ev)) />
                    <span class="field-error" role="alert" data-testid="survey-closes-error">{field_error("closes_at".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("填写对象", "Who is asked")}</span>
                    <select data-testid="survey-target-kind" on:change=move |ev| {
                        target_kind.set(TargetKind::parse(&event_target_value(&ev)).unwrap_or(TargetKind::Organization));
                    }>
                        <option value="organization" selected=move || target_kind.get() == TargetKind::Organization>{move || i18n.t("组织下的全部学生", "All students of an organisation")}</option>
                        <option value="intake" selected=move || target_kind.get() == TargetKind::Intake>{move || i18n.t("某一年级的学生", "One intake (enrolment year)")}</option>
                        <option value="activity" selected=move || target_kind.get() == TargetKind::Activity>{move || i18n.t("某活动的签到参与者", "An activity's checked-in participants")}</option>
                    </select>
                </label>
                {move || match target_kind.get() {
                    TargetKind::Activity => view! {
                        <label class="field">
                            <span class="field-label">{move || i18n.t("活动编号", "Activity id")}</span>
                            <input type="number" min="1" data-testid="survey-activity" prop:value=activity on:input=move |ev| activity.set(event_target_value(&ev)) />
                            <span class="field-error" role="alert">{field_error("target.activity_id".into())}</span>
                        </label>
                    }.into_any(),
                    kind => view! {
                        <label class="field">
                            <span class="field-label">{move || i18n.t("学生所在组织", "Students of")}</span>
                            <OrgSelect organizations=organizations testid="survey-target-org" value=target_org
                                on_change=Callback::new(move |org| target_org.set(org)) />
                            <span class="field-error" role="alert">{field_error("target.organization_id".into())}</span>
                        </label>
                        {(kind == TargetKind::Intake).then(|| view! {
                            <label class="field">
                                <span class="field-label">{move || i18n.t("年级（入学年份）", "Intake (enrolment year)")}</span>
                                <input type="number" min="1990" max="2100" data-testid="survey-year" prop:value=year on:input=move |ev| year.set(event_target_value(&ev)) />
                                <span class="field-error" role="alert">{field_error("target.year".into())}</span>
                            </label>
                        })}
                    }.into_any(),
                }}
                <label class="field form-grid-wide field-check">
                    <input type="checkbox" data-testid="survey-anonymous" prop:checked=anonymous on:change=move |ev| anonymous.set(event_target_checked(&ev)) />
                    <span>{move || i18n.t("匿名问卷（发布后不可更改）", "Anonymous (fixed once published)")}</span>
                </label>
                <p class="muted small form-grid-wide">{move || anonymity(i18n, anonymous.get())}</p>
                <div class="form-grid-wide survey-questions" data-testid="survey-questions">
                    <h2>{move || i18n.t("题目", "Questions")}</h2>
                    <span class="field-error" role="alert">{field_error("questions".into())}</span>
                    {move || questions.get().into_iter().enumerate().map(|(i, q)| {
                        let kind = q.kind;
                        view! {
                            <fieldset class="question-edit" data-testid="survey-question">
                                <legend>{move || format!("{} {}", i18n.t("第", "Question"), i + 1)}{move || i18n.t(" 题", "")}</legend>
                                <div class="question-edit-row">
                                    <select data-testid=format!("survey-q{i}-kind") on:change=move |ev| {
                                        let v = event_target_value(&ev);
                                        if let Some((k, _)) = KINDS.iter().find(|(_, s)| *s == v) { kind.set(*k); }
                                    }>
                                        {KINDS.iter().map(|(k, s)| {
                                            let k = *k;
                                            view! { <option value=*s selected=move || kind.get() == k>{move || kind_label(i18n, k)}</option> }
                                        }).collect_view()}
                                    </select>
                                    <label class="field-check">
                                        <input type="checkbox" data-testid=format!("survey-q{i}-required") prop:checked=q.required
                                            on:change=move |ev| q.required.set(event_target_checked(&ev)) />
                                        {move || i18n.t("必答", "Required")}
                                    </label>
                                </div>
                                <input type="text" data-testid=format!("survey-q{i}-title") placeholder=move || i18n.t("题目内容", "The question")
                                    prop:value=q.title on:input=move |ev| q.title.set(event_target_value(&ev)) />
                                <span class="field-error" role="alert">{field_error(format!("questions[{i}].title"))}</span>
                                {move || kind.get().is_choice().then(|| view! {
                                    <textarea rows="4" data-testid=format!("survey-q{i}-options") placeholder=move || i18n.t("选项，每行一个", "Options, one per line")
                                        prop:value=q.options on:input=move |ev| q.options.set(event_target_value(&ev))></textarea>
                                })}
                                <span class="field-error" role="alert">{move || {
                                    let prefix = format!("questions[{i}].options");
                                    error.with(|e| e.as_ref().filter(|e| e.field.as_deref().is_some_and(|f| f.starts_with(&prefix)))
                                        .map(|e| form_message(i18n.locale(), &e.message)))
                                }}</span>
                                <div class="actions">
                                    <button type="button" class="btn btn-small" disabled=i == 0 on:click=move |_| lift(i)>{move || i18n.t("上移", "Move up")}</button>
                                    <button type="button" class="btn btn-small" on:click=move |_| remove(i)>{move || i18n.t("删除", "Remove")}</button>
                                </div>
                            </fieldset>
                        }
                    }).collect_view()}
                    <button type="button" class="btn" data-testid="survey-add-question" on:click=move |_| questions.update(|q| q.push(Draft::from(&Question {
                        kind: QuestionKind::Single, title: String::new(), required: false, options: Vec::new(),
                    })))>{move || i18n.t("＋ 添加题目", "+ Add a question")}</button>
                </div>
                </fieldset>
                <div class="actions form-grid-wide">
                    {draft.then(|| view! {
                        <button type="submit" class="btn" data-testid="survey-save" disabled=move || save.pending().get()>
                            {move || i18n.t("保存草稿", "Save draft")}
                        </button>
                    })}
                    {(existing.is_some() && draft).then(|| view! {
                        <button type="button" class="btn btn-primary" data-testid="survey-publish" disabled=move || publish.pending().get()
                            on:click=move |_| { publish.dispatch(()); }>{move || i18n.t("发布", "Publish")}</button>
                    })}
                    {matches!(state, Some(SurveyState::Open | SurveyState::Scheduled)).then(|| view! {
                        <button type="button" class="btn" data-testid="survey-close" disabled=move || close.pending().get()
                            on:click=move |_| { close.dispatch(()); }>{move || i18n.t("提前结束", "Close now")}</button>
                    })}
                    {existing.map(|id| view! {
                        <A href=format!("/surveys/{id}/results") attr:class="btn">{move || i18n.t("查看结果", "Results")}</A>
                    })}
                    <span class="small" aria-live="polite" data-testid="survey-saved">
                        {move || matches!(save.value().get(), Some(Ok(_))).then(|| i18n.t("已保存", "Saved"))}
                    </span>
                </div>
                <p class="field-error form-grid-wide" role="alert" data-testid="survey-form-error">{general_error}</p>
            </form>
        </section>
    }
}
