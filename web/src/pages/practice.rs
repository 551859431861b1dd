//! 社会实践与培训: the practice teams (三下乡 …) and training records of the user's subtree
//! (`/practice`, practice or training in the URL), the form that registers one with its members
//! (`/practice/new`), and one record (`/practice/:id`) — its members and their hours, its report
//! (uploaded as the file itself, downloaded with the session's token), and certification by
//! the responsible organisation, which enters every member's hours in the ledger.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
};
use shared::{
    ApiError, ErrorCode,
    auth::Permission,
    practice::{
        MemberInput, MemberRole, NewPracticeRecord, PracticeKind, PracticeRecord, PracticeSummary,
    },
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{
        error::{ErrorNotice, message},
        org_select::{OrgSelect, subtree},
        pager::Pager,
        points_nav::points_message,
        practice_nav,
        route::id_param,
        table::{Cell, DataTable},
    },
    files, format,
    i18n::{I18n, Locale, use_i18n},
    session::use_session,
};

const PER_PAGE: u32 = 20;

/// A message of the practice form and endpoints in the current locale.
fn practice_message(i18n: I18n, text: &str) -> String {
    let zh = match text {
        "at most a year" => "最长一年",
        "a training record states its hours" => "培训须填写学时",
        "more than 0, at most 2000, in hundredths" => "须大于 0、不超过 2000，最多两位小数",
        "practice counts 8 hours a day: state other hours per member, with the reason" => {
            "社会实践按每天 8 小时计；其他时长请按成员填写并说明原因"
        }
        "1 to 500 members" => "须有 1–500 名成员",
        "one leader at most" => "最多一名负责人",
        "each student once" => "每名学生只能出现一次",
        "0 to 2000, in hundredths" => "须在 0–2000 之间，最多两位小数",
        "hours other than the default need a reason (2 to 200 characters)" => {
            "时长与默认不同时须填写原因（2–200 个字）"
        }
        "only with hours" => "只有填写时长时才需要原因",
        "at most 200 characters" => "最多 200 个字符",
        "the organisation is deactivated" => "该组织已停用",
        "a report is a PDF, DOCX, PNG or JPEG file" => "实践报告须为 PDF、DOCX、PNG 或 JPEG 文件",
        "the report is larger than 10 MB" => "报告不能超过 10 MB",
        "a practice team is certified with its report: upload it first" => {
            "社会实践团队须先上传实践报告，才能认证"
        }
        "certified already" => "已认证，不能重复认证",
        other => return points_message(i18n, other),
    };
    match i18n.locale() {
        Locale::Zh => zh.to_owned(),
        Locale::En => text.to_owned(),
    }
}

#[component]
pub fn PracticeListPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let may_register = move || session.can(Permission::PublishActivities);
    let query = use_query_map();
    let navigate = use_navigate();
    let kind = Memo::new(move |_| {
        query
            .read()
            .get("kind")
            .and_then(|k| PracticeKind::parse(&k))
            .unwrap_or(PracticeKind::Practice)
    });
    let page = Memo::new(move |_| {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1u32)
    });
    let records = LocalResource::new(move || {
        let (kind, page) = (kind.get(), page.get());
        async move { api::practice_records(Some(kind), None, page, PER_PAGE).await }
    });
    let go = move |kind: PracticeKind, page: u32| {
        let mut url = format!("/practice?kind={}", kind.as_str());
        if page > 1 {
            url.push_str(&format!("&page={page}"));
        }
        navigate(
            &url,
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let tab = {
        let go = go.clone();
        move |k: PracticeKind| {
            let go = go.clone();
            view! {
                <button type="button" role="tab" class="segment" class:segment-on=move || kind.get() == k
                    data-testid=format!("practice-tab-{}", k.as_str()) on:click=move |_| go(k, 1)>
                    {move || practice_nav::kind(i18n, k)}
                </button>
            }
        }
    };
    view! {
        <div class="page-head">
            <h1>{move || i18n.t("社会实践与培训", "Practice and training")}</h1>
            {move || may_register().then(|| view! {
                <A href=move || format!("/practice/new?kind={}", kind.get().as_str()) attr:class="btn btn-primary" attr:data-testid="practice-new">
                    {move || match kind.get() {
                        PracticeKind::Practice => i18n.t("登记实践团队", "Register a team"),
                        PracticeKind::Training => i18n.t("登记培训", "Register training"),
                    }}
                </A>
            })}
        </div>
        <div class="segmented segmented-wide" role="tablist" data-testid="practice-tabs">
            {tab(PracticeKind::Practice)}
            {tab(PracticeKind::Training)}
        </div>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || records.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="practice-empty">
                        <p>{move || i18n.t("还没有记录。", "Nothing registered yet.")}</p>
                        <p class="muted">{move || i18n.t("活动结束后登记团队成员，上传实践报告，再由学院认证。", "After it ends, register the members and upload the report; the college then certifies it.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    let go = go.clone();
                    view! {
                        <RecordTable records=list.items />
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |p: u32| go(kind.get_untracked(), p)) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| records.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RecordTable(records: Vec<PracticeSummary>) -> impl IntoView {
    let i18n = use_i18n();
    let columns = vec![
        ("名称", "Name"),
        ("组织", "Organisation"),
        ("日期", "Dates"),
        ("人数", "Members"),
        ("报告", "Report"),
        ("状态", "Status"),
        ("", ""),
    ];
    view! {
        <DataTable columns=columns testid="practice-table">
            {records.into_iter().map(|r| {
                let (starts, ends, certified, report) = (r.starts_on, r.ends_on, r.certified, r.has_report);
                view! {
                    <tr data-testid="practice-row">
                        <Cell zh="名称" en="Name" class="cell-title">{r.name}</Cell>
                        <Cell zh="组织" en="Organisation">{r.organization}</Cell>
                        <Cell zh="日期" en="Dates" class="cell-nowrap">{move || dates(i18n.locale(), starts, ends)}</Cell>
                        <Cell zh="人数" en="Members" class="cell-key">{r.members}</Cell>
                        <Cell zh="报告" en="Report">{move || if report { i18n.t("已上传", "Uploaded") } else { "—" }}</Cell>
                        <Cell zh="状态" en="Status"><CertifiedBadge certified=certified /></Cell>
                        <Cell zh="" en="" class="cell-actions">
                            <A href=format!("/practice/{}", r.id) attr:class="btn btn-small" attr:data-testid="practice-open">{move || i18n.t("打开", "Open")}</A>
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

fn dates(locale: Locale, starts: NaiveDate, ends: NaiveDate) -> String {
    if starts == ends {
        format::date(locale, starts)
    } else {
        format!(
            "{} – {}",
            format::date(locale, starts),
            format::date(locale, ends)
        )
    }
}

#[component]
fn CertifiedBadge(certified: bool) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <span class="badge" class:badge-on=certified class:badge-warn=!certified data-testid="practice-certified" data-certified=certified.to_string()>
            {move || if certified { i18n.t("已认证", "Certified") } else { i18n.t("待认证", "Awaiting certification") }}
        </span>
    }
}

/// `/practice/new`.
#[component]
pub fn NewPracticePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let kind = query
        .read_untracked()
        .get("kind")
        .and_then(|k| PracticeKind::parse(&k))
        .unwrap_or(PracticeKind::Practice);
    view! {
        <p class="crumbs"><A href="/practice">{move || i18n.t("← 社会实践与培训", "← Practice and training")}</A></p>
        <h1>{move || match kind {
            PracticeKind::Practice => i18n.t("登记实践团队", "Register a practice team"),
            PracticeKind::Training => i18n.t("登记培训", "Register training"),
        }}</h1>
        <RecordForm kind=kind record=None on_saved=Callback::new(move |record: PracticeRecord| {
            navigate(&format!("/practice/{}", record.id), Default::default());
        }) />
    }
}

/// One member row of the form.
#[derive(Clone, Copy)]
struct MemberRow {
    key: usize,
    student_no: RwSignal<String>,
    hours: RwSignal<String>,
    reason: RwSignal<String>,
}

impl MemberRow {
    fn new(key: usize, student_no: String, hours: String, reason: String) -> MemberRow {
        MemberRow {
            key,
            student_no: RwSignal::new(student_no),
            hours: RwSignal::new(hours),
            reason: RwSignal::new(reason),
        }
    }
}

/// Registers a record (`record` None) or changes one.
#[component]
fn RecordForm(
    kind: PracticeKind,
    record: Option<PracticeRecord>,
    on_saved: Callback<PracticeRecord>,
    #[prop(optional, into)] on_cancel: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let organizations = subtree(&[]);
    let id = record.as_ref().map(|r| r.id);
    let kind = record.as_ref().map_or(kind, |r| r.kind);
    let organization = RwSignal::new(record.as_ref().map(|r| r.organization_id));
    let text = |f: fn(&PracticeRecord) -> String| {
        RwSignal::new(record.as_ref().map(f).unwrap_or_default())
    };
    let name = text(|r| r.name.clone());
    let topic = text(|r| r.topic.clone());
    let place = text(|r| r.place.clone());
    let instructors = text(|r| r.instructors.clone());
    let starts_on = text(|r| r.starts_on.to_string());
    let ends_on = text(|r| r.ends_on.to_string());
    let hours = text(|r| r.hours.map(format::number).unwrap_or_default());
    // Members with their default hours show no hours of their own.
    let default_hours = record.as_ref().map(|r| r.default_hours);
    let members = RwSignal::new(
        record
            .as_ref()
            .map(|r| {
                r.members
                    .iter()
                    .enumerate()
                    .map(|(key, m)| {
                        let own = m.hours_reason.is_some() || Some(m.hours) != default_hours;
                        MemberRow::new(
                            key,
                            m.student_no.clone(),
                            if own {
                                format::number(m.hours)
                            } else {
                                String::new()
                            },
                            m.hours_reason.clone().unwrap_or_default(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|| {
                vec![MemberRow::new(
                    0,
                    String::new(),
                    String::new(),
                    String::new(),
                )]
            }),
    );
    let leader = RwSignal::new(
        record
            .as_ref()
            .and_then(|r| r.members.iter().position(|m| m.role == MemberRole::Leader)),
    );
    let next_key = StoredValue::new(members.with_untracked(Vec::len));
    let submitted = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let parsed = Memo::new(move |_| -> Result<NewPracticeRecord, (String, String)> {
        let bad = |field: &str, zh: &'static str, en: &'static str| {
            (field.to_owned(), i18n.t(zh, en).to_owned())
        };
        let date = |value: String, field: &str| {
            value
                .parse::<NaiveDate>()
                .map_err(|_| bad(field, "请选择日期", "Enter a date"))
        };
        let organization_id = organization
            .get()
            .ok_or_else(|| bad("organization_id", "请选择组织", "Choose the organisation"))?;
        let record_hours = match kind {
            PracticeKind::Practice => None,
            PracticeKind::Training => Some(hours.get().trim().parse::<f64>().map_err(|_| {
                bad(
                    "hours",
                    "请输入学时，如 4 或 2.5",
                    "Enter hours, like 4 or 2.5",
                )
            })?),
        };
        let rows = members.get();
        let mut inputs = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            let own_hours = row.hours.get();
            let own_hours = own_hours.trim();
            let reason = row.reason.get().trim().to_owned();
            inputs.push(MemberInput {
                student_no: row.student_no.get().trim().to_owned(),
                role: if leader.get() == Some(i) {
                    MemberRole::Leader
                } else {
                    MemberRole::Member
                },
                hours: if own_hours.is_empty() {
                    None
                } else {
                    Some(own_hours.parse::<f64>().map_err(|_| {
                        bad(
                            &format!("members[{i}].hours"),
                            "请输入数字",
                            "Enter a number",
                        )
                    })?)
                },
                hours_reason: Some(reason).filter(|r| !r.is_empty()),
            });
        }
        let input = NewPracticeRecord {
            kind,
            organization_id,
            name: name.get().trim().to_owned(),
            topic: topic.get().trim().to_owned(),
            place: place.get().trim().to_owned(),
            instructors: instructors.get().trim().to_owned(),
            starts_on: date(starts_on.get(), "starts_on")?,
            ends_on: date(ends_on.get(), "ends_on")?,
            hours: record_hours,
            members: inputs,
        };
        input.validate().map_err(|e| {
            (
                e.field.unwrap_or_default(),
                practice_message(i18n, &e.message),
            )
        })?;
        Ok(input)
    });
    let field_error = move |field: String| {
        move || {
            if let Some(e) = server_error
                .get()
                .filter(|e| e.field.as_deref() == Some(field.as_str()))
            {
                return Some(practice_message(i18n, &e.message));
            }
            match parsed.get() {
                Err((f, text)) if submitted.get() && f == field => Some(text),
                _ => None,
            }
        }
    };
    let save = Action::new_local(move |input: &NewPracticeRecord| {
        let input = input.clone();
        async move {
            let result = match id {
                Some(id) => api::update_practice_record(id, &input).await,
                None => api::create_practice_record(&input).await,
            };
            match result {
                Ok(record) => on_saved.run(record),
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let edited = move || server_error.set(None);
    let input = move |value: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            value.set(event_target_value(&ev));
            edited();
        }
    };
    let known = [
        "organization_id",
        "name",
        "topic",
        "place",
        "instructors",
        "starts_on",
        "ends_on",
        "hours",
    ];
    let general_error = move || {
        let shown = |e: &ApiError| {
            e.field
                .as_deref()
                .is_some_and(|f| known.contains(&f) || f.starts_with("members["))
        };
        if let Some(e) = server_error.get().filter(|e| !shown(e)) {
            return Some(match e.field {
                Some(_) => practice_message(i18n, &e.message),
                None => message(i18n, &e),
            });
        }
        match parsed.get() {
            Err((f, text)) if submitted.get() && f == "members" => Some(text),
            _ => None,
        }
    };
    view! {
        <section class="panel" data-testid="practice-form">
            <form class="form-grid" novalidate on:submit=move |ev| {
                ev.prevent_default();
                submitted.set(true);
                if let Ok(input) = parsed.get_untracked() { save.dispatch(input); }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("组织单位", "Organised by")}</span>
                    <OrgSelect organizations=organizations testid="practice-org" value=organization any=("请选择", "Choose")
                        on_change=Callback::new(move |org| { organization.set(org); edited(); }) />
                    <span class="field-error" role="alert">{field_error("organization_id".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || match kind {
                        PracticeKind::Practice => i18n.t("团队名称", "Team name"),
                        PracticeKind::Training => i18n.t("培训名称", "Training name"),
                    }}</span>
                    <input data-testid="practice-name" prop:value=name on:input=input(name) />
                    <span class="field-error" role="alert">{field_error("name".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("主题（选填）", "Topic (optional)")}</span>
                    <input data-testid="practice-topic" prop:value=topic on:input=input(topic) />
                    <span class="field-error" role="alert">{field_error("topic".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("地点（选填）", "Place (optional)")}</span>
                    <input data-testid="practice-place" prop:value=place on:input=input(place) />
                    <span class="field-error" role="alert">{field_error("place".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("指导老师（选填）", "Instructors (optional)")}</span>
                    <input data-testid="practice-instructors" prop:value=instructors on:input=input(instructors) />
                    <span class="field-error" role="alert">{field_error("instructors".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("开始日期", "Starts on")}</span>
                    <input type="date" data-testid="practice-starts" prop:value=starts_on on:input=input(starts_on) />
                    <span class="field-error" role="alert">{field_error("starts_on".into())}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("结束日期", "Ends on")}</span>
                    <input type="date" data-testid="practice-ends" prop:value=ends_on on:input=input(ends_on) />
                    <span class="field-error" role="alert">{field_error("ends_on".into())}</span>
                </label>
                {match kind {
                    PracticeKind::Training => view! {
                        <label class="field">
                            <span class="field-label">{move || i18n.t("学时（每人）", "Hours (each)")}</span>
                            <input inputmode="decimal" data-testid="practice-hours" prop:value=hours on:input=input(hours) />
                            <span class="field-error" role="alert">{field_error("hours".into())}</span>
                        </label>
                    }.into_any(),
                    PracticeKind::Practice => view! {
                        <p class="muted small">{move || i18n.t("社会实践按每天 8 小时计入每位成员；个别成员时长不同，请在下方填写并说明原因。", "Practice counts 8 hours a day for each member; for a member with other hours, state them below with the reason.")}</p>
                    }.into_any(),
                }}
                <fieldset class="form-grid-wide members" data-testid="practice-members">
                    <legend>{move || i18n.t("成员", "Members")}</legend>
                    {move || members.get().into_iter().enumerate().map(|(index, row)| view! {
                        <div class="form-row member-row" data-testid="member-row">
                            <label class="field">
                                <span class="field-label">{move || i18n.t("学号", "Student no.")}</span>
                                <input data-testid="member-no" inputmode="numeric" prop:value=row.student_no on:input=input(row.student_no) />
                                <span class="field-error" role="alert">{field_error(format!("members[{index}].student_no"))}</span>
                            </label>
                            <label class="check">
                                <input type="radio" name="practice-leader" data-testid="member-leader"
                                    prop:checked=move || leader.get() == Some(index)
                                    on:change=move |_| { leader.set(Some(index)); edited(); } />
                                {move || i18n.t("负责人", "Leader")}
                            </label>
                            <label class="field">
                                <span class="field-label">{move || i18n.t("时长（选填）", "Hours (optional)")}</span>
                                <input class="num-input" inputmode="decimal" data-testid="member-hours" prop:value=row.hours on:input=input(row.hours) />
                                <span class="field-error" role="alert">{field_error(format!("members[{index}].hours"))}</span>
                            </label>
                            {move || (!row.hours.get().trim().is_empty()).then(|| view! {
                                <label class="field field-grow">
                                    <span class="field-label">{move || i18n.t("原因", "Reason")}</span>
                                    <input data-testid="member-reason" prop:value=row.reason on:input=input(row.reason) />
                                    <span class="field-error" role="alert">{field_error(format!("members[{index}].hours_reason"))}</span>
                                </label>
                            })}
                            <button type="button" class="btn btn-small" data-testid="member-remove"
                                disabled=move || members.with(|m| m.len() <= 1)
                                on:click=move |_| {
                                    members.update(|m| m.retain(|r| r.key != row.key));
                                    leader.update(|l| match *l {
                                        Some(i) if i == index => *l = None,
                                        Some(i) if i > index => *l = Some(i - 1),
                                        _ => {}
                                    });
                                    edited();
                                }>
                                {move || i18n.t("移除", "Remove")}
                            </button>
                        </div>
                    }).collect_view()}
                    <button type="button" class="btn" data-testid="member-add" on:click=move |_| {
                        let key = next_key.get_value();
                        next_key.set_value(key + 1);
                        members.update(|m| m.push(MemberRow::new(key, String::new(), String::new(), String::new())));
                    }>{move || i18n.t("添加成员", "Add a member")}</button>
                </fieldset>
                <div class="actions form-grid-wide">
                    <button type="submit" class="btn btn-primary" data-testid="practice-save" disabled=move || save.pending().get()>
                        {move || i18n.t("保存", "Save")}
                    </button>
                    {on_cancel.map(|cancel| view! {
                        <button type="button" class="btn" on:click=move |_| cancel.run(())>{move || i18n.t("取消", "Cancel")}</button>
                    })}
                    {move || general_error().map(|text| view! { <span class="bad" role="alert" data-testid="practice-error">{text}</span> })}
                </div>
            </form>
        </section>
    }
}

/// `/practice/:id`.
#[component]
pub fn PracticePage() -> impl IntoView {
    let i18n = use_i18n();
    let id = id_param();
    let record = LocalResource::new(move || {
        let id = id.get();
        async move {
            match id {
                Some(id) => api::practice_record(id).await,
                None => Err(ApiError::new(ErrorCode::NotFound, "no such record")),
            }
        }
    });
    view! {
        <p class="crumbs"><A href="/practice">{move || i18n.t("← 社会实践与培训", "← Practice and training")}</A></p>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || record.get().map(|result| match result {
                Ok(loaded) => view! { <RecordView initial=loaded /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| record.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn RecordView(initial: PracticeRecord) -> impl IntoView {
    let i18n = use_i18n();
    let navigate = use_navigate();
    let id = initial.id;
    let record = RwSignal::new(initial);
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let notice = RwSignal::new(None::<&'static str>);
    let outcome = move |result: Result<PracticeRecord, ApiError>, ok: &'static str| match result {
        Ok(fresh) => {
            record.set(fresh);
            error.set(None);
            notice.set(Some(ok));
        }
        Err(e) => {
            notice.set(None);
            error.set(Some(e));
        }
    };
    let upload = Action::new_local(move |file: &Upload| {
        let file = file.clone();
        async move {
            let result =
                api::upload_practice_report(id, &file.name, &file.content_type, file.bytes).await;
            outcome(result, i18n.t("报告已上传", "Report uploaded"));
        }
    });
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        // Picking the same file again must fire `change` again.
        input.set_value("");
        if file.size() > 10.0 * 1024.0 * 1024.0 {
            notice.set(None);
            error.set(Some(ApiError::new(
                ErrorCode::PayloadTooLarge,
                "the report is larger than 10 MB",
            )));
            return;
        }
        leptos::task::spawn_local(async move {
            match files::read(&file).await {
                Ok(bytes) => {
                    upload.dispatch(Upload {
                        name: file.name(),
                        content_type: report_type(&file),
                        bytes,
                    });
                }
                Err(detail) => error.set(Some(ApiError::new(ErrorCode::InvalidFile, detail))),
            }
        });
    };
    let download = Action::new_local(move |_: &()| async move {
        let Some(report) = record.with_untracked(|r| r.report.clone()) else {
            return;
        };
        match api::practice_report(id).await {
            Ok(bytes) => {
                let _ = files::save_bytes(&report.file_name, &report.content_type, &bytes);
            }
            Err(e) => error.set(Some(e)),
        }
    });
    let certify = Action::new_local(move |_: &()| async move {
        outcome(
            api::certify_practice_record(id).await,
            i18n.t(
                "已认证，时长已计入成员积分",
                "Certified; the hours count now",
            ),
        )
    });
    let remove = Action::new_local(move |_: &()| {
        let navigate = navigate.clone();
        async move {
            match api::delete_practice_record(id).await {
                Ok(()) => navigate("/practice", Default::default()),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let busy = move || {
        upload.pending().get()
            || download.pending().get()
            || certify.pending().get()
            || remove.pending().get()
    };
    let r = move || record.get();
    view! {
        {move || if editing.get() {
            view! {
                <h1>{move || i18n.t("修改记录", "Change the record")}</h1>
                <RecordForm kind=record.with_untracked(|r| r.kind) record=Some(record.get_untracked())
                    on_saved=Callback::new(move |fresh: PracticeRecord| { record.set(fresh); editing.set(false); notice.set(Some(i18n.t("已保存", "Saved"))); })
                    on_cancel=Callback::new(move |_| editing.set(false)) />
            }.into_any()
        } else {
            view! {
                <div class="page-head">
                    <h1 data-testid="practice-title">{move || r().name}</h1>
                    <CertifiedBadge certified=r().certified />
                </div>
                <section class="panel" data-testid="practice-record">
                    <p class="muted">
                        {move || practice_nav::kind(i18n, r().kind)}" · "{move || r().organization}" · "
                        {move || { let r = r(); dates(i18n.locale(), r.starts_on, r.ends_on) }}
                    </p>
                    {move || { let t = r().topic; (!t.is_empty()).then(|| view! { <p>{move || i18n.t("主题：", "Topic: ")}{t.clone()}</p> }) }}
                    {move || { let t = r().place; (!t.is_empty()).then(|| view! { <p>{move || i18n.t("地点：", "Place: ")}{t.clone()}</p> }) }}
                    {move || { let t = r().instructors; (!t.is_empty()).then(|| view! { <p>{move || i18n.t("指导老师：", "Instructors: ")}{t.clone()}</p> }) }}
                    <p data-testid="practice-default-hours">{move || match i18n.locale() {
                        Locale::Zh => format!("共 {} 天，每人默认 {} 小时", r().days, format::number(r().default_hours)),
                        Locale::En => format!("{} days; {} hours each by default", r().days, format::number(r().default_hours)),
                    }}</p>
                    <p class="muted small">{move || {
                        let r = r();
                        match (r.certified, r.certifier.clone(), r.certified_at) {
                            (true, _, Some(at)) => format!("{}{} · {}", i18n.t("认证：", "Certified by "), r.certified_by.clone().unwrap_or_default(), format::datetime(i18n.locale(), at)),
                            (_, Some(by), _) => format!("{}{by}", i18n.t("认证单位：", "Certified by: ")),
                            _ => String::new(),
                        }
                    }}</p>
                </section>
                <DataTable columns=vec![("学号", "Student no."), ("姓名", "Name"), ("角色", "Role"), ("时长", "Hours"), ("原因", "Reason")] testid="practice-members-table">
                    {move || r().members.into_iter().map(|m| {
                        let role = m.role;
                        view! {
                            <tr data-testid="practice-member">
                                <Cell zh="学号" en="Student no." class="cell-key">{m.student_no}</Cell>
                                <Cell zh="姓名" en="Name" class="cell-title">{m.name}</Cell>
                                <Cell zh="角色" en="Role">{move || practice_nav::role(i18n, role)}</Cell>
                                <Cell zh="时长" en="Hours" class="cell-key">{format::number(m.hours)}</Cell>
                                <Cell zh="原因" en="Reason">{m.hours_reason.unwrap_or_default()}</Cell>
                            </tr>
                        }
                    }).collect_view()}
                </DataTable>
                <section class="panel" data-testid="practice-report">
                    <h2>{move || i18n.t("实践报告", "Report")}</h2>
                    {move || match r().report {
                        Some(report) => view! {
                            <p class="report-line">
                                <button type="button" class="btn btn-small" data-testid="practice-report-download" disabled=busy
                                    on:click=move |_| { download.dispatch(()); }>
                                    {move || i18n.t("下载", "Download")}
                                </button>" "
                                <span data-testid="practice-report-name">{report.file_name.clone()}</span>
                                <span class="muted small">{move || format!(" · {:.1} KB · {}", report.size_bytes as f64 / 1024.0, format::datetime(i18n.locale(), report.uploaded_at))}</span>
                            </p>
                        }.into_any(),
                        None => view! { <p class="muted" data-testid="practice-report-none">{move || i18n.t("尚未上传。社会实践须先上传报告才能认证。", "Not uploaded yet. A practice team needs its report before certification.")}</p> }.into_any(),
                    }}
                    {move || r().can_edit.then(|| view! {
                        <label class="btn file-button">
                            {move || if r().report.is_some() { i18n.t("重新上传", "Replace") } else { i18n.t("上传报告（PDF/DOCX/PNG/JPEG，≤10 MB）", "Upload (PDF/DOCX/PNG/JPEG, ≤10 MB)") }}
                            <input type="file" class="visually-hidden" data-testid="practice-report-file"
                                accept=".pdf,.docx,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
                                disabled=busy on:change=on_file />
                        </label>
                    })}
                </section>
                <div class="actions" data-testid="practice-actions">
                    {move || r().can_certify.then(|| view! {
                        <button class="btn btn-primary" data-testid="practice-certify" disabled=busy
                            on:click=move |_| {
                                let sure = web_sys::window()
                                    .and_then(|w| w.confirm_with_message(i18n.t("认证后记录不能再修改，成员时长计入积分。认证？", "Once certified the record is fixed and the hours count. Certify?")).ok())
                                    .unwrap_or(false);
                                if sure { certify.dispatch(()); }
                            }>
                            {move || i18n.t("认证", "Certify")}
                        </button>
                    })}
                    {move || r().can_edit.then(|| view! {
                        <button class="btn" data-testid="practice-edit" on:click=move |_| { notice.set(None); editing.set(true); }>
                            {move || i18n.t("修改", "Edit")}
                        </button>
                        <button class="btn btn-danger-outline" data-testid="practice-delete" disabled=busy
                            on:click=move |_| {
                                let sure = web_sys::window()
                                    .and_then(|w| w.confirm_with_message(i18n.t("删除这条记录？", "Delete this record?")).ok())
                                    .unwrap_or(false);
                                if sure { remove.dispatch(()); }
                            }>
                            {move || i18n.t("删除", "Delete")}
                        </button>
                    })}
                    {move || notice.get().map(|text| view! { <span class="good" role="status" data-testid="practice-notice">{text}</span> })}
                    {move || error.get().map(|e| {
                        let known = practice_message(i18n, &e.message);
                        let text = if e.field.is_some() || e.code == ErrorCode::InvalidFile || e.code == ErrorCode::PayloadTooLarge {
                            format!("{} {known}", crate::components::error::summary(i18n, e.code))
                        } else if i18n.locale() == Locale::Zh && known == e.message {
                            // A message the app does not know: its code's summary.
                            message(i18n, &e)
                        } else {
                            known
                        };
                        view! { <p class="notice notice-error" role="alert" data-testid="practice-action-error">{text}</p> }
                    })}
                </div>
            }.into_any()
        }}
    }
}

/// A picked report, read.
#[derive(Clone)]
struct Upload {
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

/// The MIME type of a report, from the browser or else from the file name (the server tells
/// the kind by the content anyway).
fn report_type(file: &web_sys::File) -> String {
    let reported = file.type_();
    if !reported.is_empty() {
        return reported;
    }
    let name = file.name().to_ascii_lowercase();
    let (_, extension) = name.rsplit_once('.').unwrap_or(("", ""));
    match extension {
        "pdf" => "application/pdf",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    }
    .to_owned()
}
