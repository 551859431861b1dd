//! 干部考核: the assessment rounds of the user's subtree and those waiting for its review
//! (`/cadres/rounds`), and one round (`/cadres/rounds/:id`) — a grade (优秀 / 称职 / 一般称职 /
//! 不称职) and a comment per position, with how many more may still receive each grade at each
//! level under the school's standard, live as the grades are chosen and refreshed from the
//! server every ten seconds (someone else may be grading too). Then submitted to the
//! organisation above, which approves it or returns it with a reason.

use std::{collections::BTreeMap, time::Duration};

use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_navigate};
use shared::{
    ApiError, ErrorCode,
    auth::Permission,
    cadre::{AssessmentRound, GradeInput, GradesInput, LevelRoom, NewRound, RoundSummary},
    rules::{CadreLevel, Grade},
};

use crate::{
    api,
    components::{
        cadre_nav::{CadreNav, CadrePage, round_badge, round_status},
        error::{ErrorNotice, message},
        org_select::{OrgSelect, subtree},
        pager::Pager,
        route::id_param,
        table::{Cell, DataTable},
    },
    format,
    i18n::{Locale, use_i18n},
    labels,
    session::use_session,
    timer,
};

const PER_PAGE: u32 = 20;

/// How often an open round is fetched again.
const REFRESH: Duration = Duration::from_secs(10);

#[component]
pub fn RoundsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let may_manage = move || session.can(Permission::ManageCadres);
    let own_page = RwSignal::new(1u32);
    let own = LocalResource::new(move || {
        let page = own_page.get();
        async move { api::rounds(false, page, PER_PAGE).await }
    });
    let review = LocalResource::new(|| async { api::rounds(true, 1, 100).await });
    view! {
        <CadreNav current=CadrePage::Rounds />
        <h1>{move || i18n.t("干部考核", "Cadre assessments")}</h1>
        {move || may_manage().then(|| view! { <StartRound /> })}
        <Transition fallback=|| ()>
            {move || review.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => ().into_any(),
                Ok(page) => view! {
                    <section class="panel" data-testid="rounds-review">
                        <h2>{move || i18n.t("待我审核", "Waiting for my review")}</h2>
                        <RoundTable rounds=page.items testid="rounds-review-table" />
                    </section>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error /> }.into_any(),
            })}
        </Transition>
        <h2 class="section-title">{move || i18n.t("本组织的考核", "Our assessments")}</h2>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || own.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <div class="empty" data-testid="rounds-empty">
                        <p>{move || i18n.t("还没有考核。", "No assessment yet.")}</p>
                        <p class="muted">{move || i18n.t("选择组织和学期，开始一次考核。", "Choose an organisation and a term to start one.")}</p>
                    </div>
                }.into_any(),
                Ok(page) => {
                    let (current, pages, total) = (page.page, page.pages(), page.total);
                    view! {
                        <RoundTable rounds=page.items testid="rounds-table" />
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |p| own_page.set(p)) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| own.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// Starts a round for an organisation of the subtree and a term, then opens it.
#[component]
fn StartRound() -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let organizations = subtree(&[]);
    let terms = LocalResource::new(api::terms);
    let organization = RwSignal::new(None::<i64>);
    let term = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<ApiError>);
    let start = Action::new_local(move |request: &NewRound| {
        let request = request.clone();
        let navigate = navigate.clone();
        async move {
            match api::create_round(&request).await {
                Ok(round) => navigate(&format!("/cadres/rounds/{}", round.id), Default::default()),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    view! {
        <section class="panel" data-testid="round-start">
            <h2>{move || i18n.t("开始考核", "Start an assessment")}</h2>
            <form class="form-grid" on:submit=move |ev| {
                ev.prevent_default();
                if let (Some(organization_id), Some(term_id)) = (organization.get_untracked(), term.get_untracked()) {
                    start.dispatch(NewRound { organization_id, term_id });
                }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("组织", "Organisation")}</span>
                    <OrgSelect organizations=organizations testid="round-org" value=organization any=("请选择", "Choose")
                        on_change=Callback::new(move |org| { organization.set(org); error.set(None); }) />
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("学期", "Term")}</span>
                    <select data-testid="round-term" on:change=move |ev| { term.set(event_target_value(&ev).parse().ok()); error.set(None); }>
                        <option value="">{move || i18n.t("请选择", "Choose")}</option>
                        {move || terms.get().and_then(Result::ok).map(|terms| {
                            let mut terms = terms;
                            terms.sort_by_key(|t| std::cmp::Reverse(t.starts_on));
                            terms.into_iter().map(|t| view! { <option value=t.id.to_string()>{t.name}</option> }).collect_view()
                        })}
                    </select>
                </label>
                <div class="actions form-grid-wide">
                    <button type="submit" class="btn btn-primary" data-testid="round-start-submit"
                        disabled=move || organization.get().is_none() || term.get().is_none() || start.pending().get()>
                        {move || i18n.t("开始考核", "Start")}
                    </button>
                    {move || error.get().map(|e| view! { <span class="bad" role="alert" data-testid="round-start-error">{message(i18n, &e)}</span> })}
                </div>
            </form>
        </section>
    }
}

#[component]
fn RoundTable(rounds: Vec<RoundSummary>, testid: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    let columns = vec![
        ("组织", "Organisation"),
        ("学期", "Term"),
        ("状态", "Status"),
        ("已评定", "Graded"),
        ("提交时间", "Submitted"),
        ("", ""),
    ];
    view! {
        <DataTable columns=columns testid=testid>
            {rounds.into_iter().map(|round| {
                let status = round.status;
                let submitted = round.submitted_at;
                view! {
                    <tr data-testid="round-row" data-status=status.as_str()>
                        <Cell zh="组织" en="Organisation" class="cell-title">{round.organization}</Cell>
                        <Cell zh="学期" en="Term">{round.term_name}</Cell>
                        <Cell zh="状态" en="Status">
                            <span class=round_badge(status)>{move || round_status(i18n, status)}</span>
                        </Cell>
                        <Cell zh="已评定" en="Graded" class="cell-key">{format!("{} / {}", round.graded, round.positions)}</Cell>
                        <Cell zh="提交时间" en="Submitted">{move || submitted.map(|at| format::datetime(i18n.locale(), at)).unwrap_or_default()}</Cell>
                        <Cell zh="" en="" class="cell-actions">
                            <A href=format!("/cadres/rounds/{}", round.id) attr:class="btn btn-small" attr:data-testid="round-open">
                                {move || i18n.t("打开", "Open")}
                            </A>
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

#[component]
pub fn RoundPage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let round = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::round(id).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "no such round")),
            }
        }
    });
    view! {
        <CadreNav current=CadrePage::Rounds />
        <p class="crumbs"><A href="/cadres/rounds">{move || i18n.t("← 干部考核", "← Assessments")}</A></p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || round.get().map(|result| match result {
                Ok(loaded) => view! { <RoundView initial=loaded /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| round.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// A row's grade and comment as edited, not yet saved.
#[derive(Clone, Debug, PartialEq)]
struct Edit {
    grade: Option<Grade>,
    comment: String,
}

#[component]
fn RoundView(initial: AssessmentRound) -> impl IntoView {
    let i18n = use_i18n();
    let id = initial.id;
    let round = RwSignal::new(initial);
    let edits = RwSignal::new(BTreeMap::<i64, Edit>::new());
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<&'static str>);
    let refresh_error = RwSignal::new(None::<ApiError>);
    // Fetched again while it can still change; a user's unsaved choices stay as they are.
    timer::repeat(move || async move {
        if round.with_untracked(|r| r.status == shared::cadre::RoundStatus::Approved) {
            return Duration::from_secs(3600);
        }
        match api::round(id).await {
            Ok(fresh) => {
                if fresh != round.get_untracked() {
                    round.set(fresh);
                }
                refresh_error.set(None);
            }
            Err(e) => refresh_error.set(Some(e)),
        }
        REFRESH
    });
    let editable = move || round.with(|r| r.can_grade);
    let dirty = move || edits.with(|e| !e.is_empty());
    // Each position's grade as it now stands on the page (edited or saved).
    let effective = move || {
        round.with(|r| {
            edits.with(|edits| {
                r.items
                    .iter()
                    .map(|item| {
                        let grade = edits.get(&item.position_id).map_or(item.grade, |e| e.grade);
                        (item.level, grade)
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    // The room of each grade with the choices on the page counted: the maximum is the server's.
    let rooms = Memo::new(move |_| {
        let items = effective();
        round.with(|r| {
            r.rooms
                .iter()
                .map(|room| {
                    let grades = room
                        .grades
                        .iter()
                        .map(|g| {
                            let given = items
                                .iter()
                                .filter(|(level, grade)| {
                                    *level == room.level && *grade == Some(g.grade)
                                })
                                .count() as u32;
                            shared::cadre::GradeRoom {
                                grade: g.grade,
                                max: g.max,
                                given,
                                remaining: g.max.map(|m| m.saturating_sub(given)),
                            }
                        })
                        .collect();
                    LevelRoom {
                        level: room.level,
                        positions: room.positions,
                        grades,
                    }
                })
                .collect::<Vec<_>>()
        })
    });
    let over = move || {
        rooms.with(|rooms| {
            rooms.iter().any(|room| {
                room.grades
                    .iter()
                    .any(|g| g.max.is_some_and(|max| g.given > max))
            })
        })
    };
    let all_graded = move || effective().iter().all(|(_, grade)| grade.is_some());
    // The level and grade a `grade_limit_exceeded` names (`grades.college.excellent`).
    let exceeded = move || {
        error.with(|e| {
            e.as_ref()
                .filter(|e| e.code == ErrorCode::GradeLimitExceeded)
                .and_then(|e| e.field.as_deref())
                .and_then(|f| f.strip_prefix("grades."))
                .and_then(|f| f.split_once('.'))
                .and_then(|(level, grade)| Some((CadreLevel::parse(level)?, Grade::parse(grade)?)))
        })
    };
    let done = move |result: Result<AssessmentRound, ApiError>, ok: &'static str| match result {
        Ok(fresh) => {
            round.set(fresh);
            edits.set(BTreeMap::new());
            error.set(None);
            notice.set(Some(ok));
        }
        Err(e) => {
            notice.set(None);
            error.set(Some(e));
        }
    };
    let save = Action::new_local(move |_: &()| {
        let grades = edits.with_untracked(|edits| GradesInput {
            grades: edits
                .iter()
                .map(|(position_id, edit)| GradeInput {
                    position_id: *position_id,
                    grade: edit.grade,
                    comment: Some(edit.comment.trim().to_owned()).filter(|c| !c.is_empty()),
                })
                .collect(),
        });
        async move {
            done(
                api::put_grades(id, &grades).await,
                i18n.t("已保存", "Saved"),
            )
        }
    });
    let submit = Action::new_local(move |_: &()| async move {
        done(
            api::submit_round(id).await,
            i18n.t("已提交上级组织审核", "Submitted for review"),
        )
    });
    let approve = Action::new_local(move |_: &()| async move {
        done(
            api::approve_round(id).await,
            i18n.t("已通过，等次已计入积分", "Approved; the grades count now"),
        )
    });
    let reason = RwSignal::new(String::new());
    let send_back = Action::new_local(move |reason: &String| {
        let reason = reason.clone();
        async move {
            done(
                api::return_round(id, &reason).await,
                i18n.t("已退回", "Returned"),
            )
        }
    });
    let busy = move || {
        save.pending().get()
            || submit.pending().get()
            || approve.pending().get()
            || send_back.pending().get()
    };
    let set_edit = move |position_id: i64, change: &dyn Fn(&mut Edit)| {
        let saved = round.with_untracked(|r| {
            r.items
                .iter()
                .find(|i| i.position_id == position_id)
                .map(|i| Edit {
                    grade: i.grade,
                    comment: i.comment.clone().unwrap_or_default(),
                })
        });
        let Some(saved) = saved else { return };
        edits.update(|edits| {
            let mut edit = edits.get(&position_id).cloned().unwrap_or(saved.clone());
            change(&mut edit);
            if edit == saved {
                edits.remove(&position_id);
            } else {
                edits.insert(position_id, edit);
            }
        });
        notice.set(None);
        error.set(None);
    };

    view! {
        <div class="page-head">
            <h1>{move || round.with(|r| format!("{} · {}", r.organization, r.term.name))}</h1>
            <span class=move || round_badge(round.with(|r| r.status)) data-testid="round-status"
                data-status=move || round.with(|r| r.status.as_str())>
                {move || round_status(i18n, round.with(|r| r.status))}
            </span>
        </div>
        {move || round.with(|r| r.return_reason.clone()).filter(|_| round.with(|r| r.status == shared::cadre::RoundStatus::Returned)).map(|reason| view! {
            <p class="notice notice-warn" data-testid="round-return-reason">
                {move || i18n.t("退回原因：", "Returned: ")}{reason.clone()}
            </p>
        })}
        <section class="panel" data-testid="round-rooms">
            <h2>{move || i18n.t("等次名额（按学校比例标准）", "Room under the school's standard")}</h2>
            {move || rooms.get().into_iter().map(|room| {
                let level = room.level;
                view! {
                    <div class="room" data-testid="room" data-level=level.as_str()>
                        <p class="room-level">
                            {move || labels::cadre_level(i18n, level)}
                            <span class="muted small">{move || match i18n.locale() {
                                Locale::Zh => format!(" · 共 {} 个职务", room.positions),
                                Locale::En if room.positions == 1 => " · 1 position".to_owned(),
                                Locale::En => format!(" · {} positions", room.positions),
                            }}</span>
                        </p>
                        <div class="chips">
                            {room.grades.into_iter().map(|g| {
                                let grade = g.grade;
                                let full = g.max.is_some_and(|max| g.given > max);
                                let named = move || exceeded() == Some((level, grade));
                                view! {
                                    <span class="chip room-grade" class:room-over=move || full || named()
                                        data-testid="room-grade" data-grade=grade.as_str()
                                        data-remaining=g.remaining.map(|r| r.to_string()).unwrap_or_default()>
                                        <strong>{move || labels::grade(i18n, grade)}</strong>" "
                                        {move || match (g.max, i18n.locale()) {
                                            (Some(max), Locale::Zh) => format!("已评 {} / 上限 {} · 还可评 {}", g.given, max, max.saturating_sub(g.given)),
                                            (Some(max), Locale::En) => format!("{} of at most {} · {} left", g.given, max, max.saturating_sub(g.given)),
                                            (None, Locale::Zh) => format!("已评 {} · 不限", g.given),
                                            (None, Locale::En) => format!("{} · no limit", g.given),
                                        }}
                                    </span>
                                }
                            }).collect_view()}
                        </div>
                    </div>
                }
            }).collect_view()}
            {move || refresh_error.get().map(|e| view! { <p class="muted small">{message(i18n, &e)}</p> })}
        </section>
        {move || round.with(|r| r.items.is_empty()).then(|| view! {
            <div class="empty" data-testid="round-no-positions">
                <p>{move || i18n.t("该组织在本学期没有登记在任的干部职务。", "The organisation held no registered position in this term.")}</p>
                <p class="muted"><A href="/cadres">{move || i18n.t("到干部名册登记职务", "Register positions in the register")}</A></p>
            </div>
        })}
        <DataTable columns=vec![
            ("学号", "Student no."),
            ("姓名", "Name"),
            ("职务", "Position"),
            ("级别", "Level"),
            ("等次", "Grade"),
            ("评语", "Comment"),
        ] testid="round-items">
            <For each=move || round.with(|r| r.items.clone()) key=|item| item.position_id let:item>
                {
                    let position_id = item.position_id;
                    let level = item.level;
                    let saved_grade = item.grade;
                    let saved_comment = item.comment.clone().unwrap_or_default();
                    let grade = move || edits.with(|e| e.get(&position_id).map_or(saved_grade, |e| e.grade));
                    let comment = {
                        let saved_comment = saved_comment.clone();
                        move || edits.with(|e| e.get(&position_id).map_or(saved_comment.clone(), |e| e.comment.clone()))
                    };
                    let changed = move || edits.with(|e| e.contains_key(&position_id));
                    let shared::cadre::RoundItem { student_no, student_name, title, position_type_name, .. } = item;
                    let number = student_no.clone();
                    view! {
                        <tr data-testid="round-item" data-student=number class:row-changed=changed>
                            <Cell zh="学号" en="Student no." class="cell-key">{student_no}</Cell>
                            <Cell zh="姓名" en="Name" class="cell-title">{student_name}</Cell>
                            <Cell zh="职务" en="Position">
                                {title}<span class="muted small">" · "{position_type_name}</span>
                            </Cell>
                            <Cell zh="级别" en="Level">{move || labels::cadre_level(i18n, level)}</Cell>
                            <Cell zh="等次" en="Grade">
                                {move || if editable() {
                                    view! {
                                        <select class="cell-input" data-testid="round-grade" aria-label=move || i18n.t("等次", "Grade")
                                            on:change=move |ev| {
                                                let chosen = Grade::parse(&event_target_value(&ev));
                                                set_edit(position_id, &|e: &mut Edit| e.grade = chosen);
                                            }>
                                            <option value="" selected=move || grade().is_none()>{move || i18n.t("未评定", "Not graded")}</option>
                                            {Grade::ALL.into_iter().map(|g| view! {
                                                <option value=g.as_str() selected=move || grade() == Some(g)>{move || labels::grade(i18n, g)}</option>
                                            }).collect_view()}
                                        </select>
                                    }.into_any()
                                } else {
                                    view! {
                                        <span data-testid="round-grade-text">{move || grade().map(|g| labels::grade(i18n, g)).unwrap_or("—")}</span>
                                    }.into_any()
                                }}
                            </Cell>
                            <Cell zh="评语" en="Comment" class="cell-wide">
                                {move || if editable() {
                                    view! {
                                        <input class="cell-input" data-testid="round-comment" maxlength="200"
                                            aria-label=move || i18n.t("评语", "Comment")
                                            prop:value=comment.clone()
                                            on:change=move |ev| {
                                                let text = event_target_value(&ev);
                                                set_edit(position_id, &|e: &mut Edit| e.comment = text.clone());
                                            } />
                                    }.into_any()
                                } else {
                                    // Nothing at all when there is none, so the card leaves the label out.
                                    let text = comment();
                                    (!text.is_empty()).then(|| view! { <span>{text}</span> }).into_any()
                                }}
                            </Cell>
                        </tr>
                    }
                }
            </For>
        </DataTable>
        <div class="sticky-actions sticky-actions-free actions" data-testid="round-actions">
            {move || editable().then(|| view! {
                <button class="btn btn-primary" data-testid="round-save"
                    disabled=move || !dirty() || busy()
                    on:click=move |_| { save.dispatch(()); }>
                    {move || i18n.t("保存等次", "Save grades")}
                </button>
                <button class="btn" data-testid="round-submit"
                    disabled=move || dirty() || !all_graded() || over() || busy()
                    title=move || if dirty() { i18n.t("请先保存", "Save first") } else if !all_graded() { i18n.t("每个职务都须评定等次", "Grade every position first") } else { "" }
                    on:click=move |_| {
                        let sure = web_sys::window()
                            .and_then(|w| w.confirm_with_message(i18n.t("提交后等待上级组织审核，期间不能修改。提交？", "Once submitted, the grades wait for review and cannot change. Submit?")).ok())
                            .unwrap_or(false);
                        if sure { submit.dispatch(()); }
                    }>
                    {move || i18n.t("提交审核", "Submit for review")}
                </button>
                {move || over().then(|| view! {
                    <span class="bad" data-testid="round-over">{move || i18n.t("有等次超出比例，请调整后保存", "A grade is over its share; change it before saving")}</span>
                })}
            })}
            {move || round.with(|r| r.can_review).then(|| view! {
                <button class="btn btn-primary" data-testid="round-approve" disabled=busy
                    on:click=move |_| { approve.dispatch(()); }>
                    {move || i18n.t("审核通过", "Approve")}
                </button>
                <input class="field-grow" data-testid="round-return-reason-input" maxlength="500"
                    placeholder=move || i18n.t("退回原因（2–500 字）", "Reason for returning (2–500 characters)")
                    prop:value=reason on:input=move |ev| reason.set(event_target_value(&ev)) />
                <button class="btn btn-danger-outline" data-testid="round-return"
                    disabled=move || busy() || !(2..=500).contains(&reason.with(|r| r.trim().chars().count()))
                    on:click=move |_| { send_back.dispatch(reason.get_untracked()); }>
                    {move || i18n.t("退回", "Return")}
                </button>
            })}
            {move || notice.get().map(|text| view! { <span class="good" role="status" data-testid="round-notice">{text}</span> })}
            {move || error.get().map(|e| {
                let limit = e.code == ErrorCode::GradeLimitExceeded;
                view! {
                    <p class="notice notice-error" role="alert" data-testid="round-error" data-code=e.code.as_str()>
                        {limit.then(|| view! { <strong>{move || i18n.t("超出等次比例：", "Over the standard: ")}</strong> })}
                        {limit_message(i18n, &e)}
                    </p>
                }
            })}
        </div>
    }
}

/// A round error in words; a `grade_limit_exceeded` names its level and grade.
fn limit_message(i18n: crate::i18n::I18n, error: &ApiError) -> String {
    if error.code != ErrorCode::GradeLimitExceeded {
        return message(i18n, error);
    }
    let named = error
        .field
        .as_deref()
        .and_then(|f| f.strip_prefix("grades."))
        .and_then(|f| f.split_once('.'))
        .and_then(|(level, grade)| Some((CadreLevel::parse(level)?, Grade::parse(grade)?)));
    match (named, i18n.locale()) {
        (Some((level, grade)), Locale::Zh) => format!(
            "{}评为“{}”的人数超过学校规定的比例，请改评其他等次后再保存。",
            labels::cadre_level(i18n, level),
            labels::grade(i18n, grade)
        ),
        (_, Locale::Zh) => "超出学校规定的等次比例。".to_owned(),
        (_, Locale::En) => error.message.clone(),
    }
}
