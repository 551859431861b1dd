//! 干部名册 (`/cadres`): the student cadres of the user's subtree — who holds which position
//! where, of which school position type and level, for which tenure, with the grades of their
//! assessments. Filters and the page live in the URL; an account with `manage_cadres`
//! registers, corrects and (while ungraded) removes positions in a form above the list.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};
use shared::{
    ApiError,
    auth::Permission,
    cadre::{NewPosition, Position, PositionType},
    rules::CadreLevel,
};

use crate::{
    api::{self, PositionFilter},
    components::{
        cadre_nav::{CadreNav, CadrePage, cadre_message},
        error::{ErrorNotice, message},
        org_select::{OrgSelect, subtree},
        pager::Pager,
        table::{Cell, DataTable},
    },
    format,
    i18n::use_i18n,
    labels,
    session::use_session,
};

const PER_PAGE: u32 = 20;

/// The list's state, as the URL holds it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    organization: Option<i64>,
    q: String,
    on: Option<NaiveDate>,
    page: u32,
}

impl Filters {
    fn from_query(query: &ParamsMap) -> Filters {
        Filters {
            organization: query.get("org").and_then(|o| o.parse().ok()),
            q: query.get("q").unwrap_or_default(),
            on: query.get("on").and_then(|d| d.parse().ok()),
            page: query
                .get("page")
                .and_then(|p| p.parse().ok())
                .filter(|p| *p >= 1)
                .unwrap_or(1),
        }
    }

    fn url(&self) -> String {
        let mut parts = Vec::new();
        if let Some(org) = self.organization {
            parts.push(format!("org={org}"));
        }
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", api::encode(self.q.trim())));
        }
        if let Some(on) = self.on {
            parts.push(format!("on={on}"));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/cadres".to_owned()
        } else {
            format!("/cadres?{}", parts.join("&"))
        }
    }
}

#[component]
pub fn PositionsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let may_manage = move || session.can(Permission::ManageCadres);
    let query = use_query_map();
    let navigate = use_navigate();
    let filters = Memo::new(move |_| Filters::from_query(&query.read()));
    let search = RwSignal::new(filters.get_untracked().q);
    let positions = LocalResource::new(move || {
        let filters = filters.get();
        let filter = PositionFilter {
            organization_id: filters.organization,
            on: filters.on,
            q: Some(filters.q.clone()),
        };
        async move { api::positions(&filter, filters.page, PER_PAGE).await }
    });
    let organizations = subtree(&[]);
    let types = LocalResource::new(api::position_types);
    // The position being edited (None with the form open: a new one).
    let editing = RwSignal::new(None::<Option<Position>>);
    let go = move |change: &dyn Fn(&mut Filters)| {
        let mut next = filters.get_untracked();
        next.page = 1;
        change(&mut next);
        navigate(
            &next.url(),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let saved = Callback::new(move |_: ()| {
        editing.set(None);
        positions.refetch();
    });

    view! {
        <CadreNav current=CadrePage::Positions />
        <div class="page-head">
            <h1>{move || i18n.t("干部名册", "Cadre positions")}</h1>
            {move || (may_manage() && editing.with(Option::is_none)).then(|| view! {
                <div class="actions">
                    <A href="/cadres/import" attr:class="btn" attr:data-testid="positions-import">
                        {move || i18n.t("批量导入", "Import")}
                    </A>
                    <button class="btn btn-primary" data-testid="position-new" on:click=move |_| editing.set(Some(None))>
                        {move || i18n.t("登记职务", "Register a position")}
                    </button>
                </div>
            })}
        </div>
        {move || editing.get().map(|position| view! {
            <PositionForm position=position organizations=organizations types=types
                on_saved=saved on_cancel=Callback::new(move |_| editing.set(None)) />
        })}
        <form class="filters" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="positions-search"
                placeholder=move || i18n.t("姓名或学号", "Name or student number")
                prop:value=search
                on:input={
                    let go = go.clone();
                    move |ev| {
                        let text = event_target_value(&ev);
                        search.set(text.clone());
                        go(&move |f: &mut Filters| f.q = text.clone());
                    }
                } />
            <OrgSelect organizations=organizations testid="positions-org"
                value=Signal::derive(move || filters.read().organization)
                any=("全部组织", "All organisations")
                on_change={
                    let go = go.clone();
                    Callback::new(move |org: Option<i64>| go(&move |f: &mut Filters| f.organization = org))
                } />
            <label class="date-filter">
                <span class="muted small">{move || i18n.t("在任日期", "Holding on")}</span>
                <input type="date" data-testid="positions-on"
                    prop:value=move || filters.read().on.map(|d| d.to_string()).unwrap_or_default()
                    on:change={
                        let go = go.clone();
                        move |ev| {
                            let on = event_target_value(&ev).parse().ok();
                            go(&move |f: &mut Filters| f.on = on);
                        }
                    } />
            </label>
        </form>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || positions.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <div class="empty" data-testid="positions-empty">
                        <p>{move || i18n.t("没有符合条件的干部职务。", "No position matches.")}</p>
                        <p class="muted">{move || i18n.t("调整筛选条件，或点“登记职务”添加。", "Change the filters, or register a position.")}</p>
                    </div>
                }.into_any(),
                Ok(page) => {
                    let (current, pages, total) = (page.page, page.pages(), page.total);
                    let go = go.clone();
                    view! {
                        <PositionTable positions=page.items may_manage=may_manage()
                            on_edit=Callback::new(move |p: Position| {
                                editing.set(Some(Some(p)));
                                scroll_to_top();
                            })
                            on_deleted=Callback::new(move |_| positions.refetch()) />
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |page: u32| {
                            go(&move |f: &mut Filters| f.page = page)
                        }) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| positions.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

fn scroll_to_top() {
    if let Some(window) = web_sys::window() {
        window.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

#[component]
fn PositionTable(
    positions: Vec<Position>,
    may_manage: bool,
    on_edit: Callback<Position>,
    on_deleted: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let delete = Action::new_local(move |id: &i64| {
        let id = *id;
        async move {
            match api::delete_position(id).await {
                Ok(()) => {
                    error.set(None);
                    on_deleted.run(());
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let columns = vec![
        ("学号", "Student no."),
        ("姓名", "Name"),
        ("组织", "Organisation"),
        ("职务", "Position"),
        ("级别", "Level"),
        ("任期", "Tenure"),
        ("任命文号", "Appointment"),
        ("考核", "Assessments"),
        ("", ""),
    ];
    view! {
        {move || error.get().map(|e| view! { <p class="notice notice-error" role="alert" data-testid="position-delete-error">{message(i18n, &e)}</p> })}
        <DataTable columns=columns testid="positions-table">
            {positions.into_iter().map(|position| {
                let level = position.level;
                let class_name = position.class_name.clone();
                let (starts, ends) = (position.starts_on, position.ends_on);
                let ungraded = position.assessments.is_empty();
                let id = position.id;
                let assessments = position.assessments.clone();
                let edit = position.clone();
                let Position { student_no, student_name, organization, title, position_type_name, appointment_no, .. } = position;
                let number = student_no.clone();
                view! {
                    <tr data-testid="position-row" data-student=number>
                        <Cell zh="学号" en="Student no." class="cell-key">{student_no}</Cell>
                        <Cell zh="姓名" en="Name" class="cell-title">{student_name}</Cell>
                        <Cell zh="组织" en="Organisation">{organization}</Cell>
                        <Cell zh="职务" en="Position">
                            {title}
                            <span class="muted small">" · "{position_type_name}</span>
                        </Cell>
                        <Cell zh="级别" en="Level">
                            {move || labels::cadre_level(i18n, level)}
                            {class_name.clone().map(|c| view! { <span class="muted small">" · "{c}</span> })}
                        </Cell>
                        <Cell zh="任期" en="Tenure" class="cell-nowrap">
                            {move || format!("{} – {}", format::date(i18n.locale(), starts), format::date(i18n.locale(), ends))}
                        </Cell>
                        <Cell zh="任命文号" en="Appointment">{appointment_no.unwrap_or_default()}</Cell>
                        <Cell zh="考核" en="Assessments">
                            {assessments.into_iter().map(|a| {
                                let grade = a.grade;
                                view! {
                                    <span class="tag" title=a.term_name.clone() data-testid="position-grade">
                                        {a.term_code.clone()}" "{move || labels::grade(i18n, grade)}
                                    </span>
                                }
                            }).collect_view()}
                        </Cell>
                        <Cell zh="" en="" class="cell-actions">
                            {may_manage.then(|| {
                                let edit = edit.clone();
                                view! {
                                    <button class="btn btn-small" data-testid="position-edit" on:click=move |_| on_edit.run(edit.clone())>
                                        {move || i18n.t("编辑", "Edit")}
                                    </button>
                                }
                            })}
                            {(may_manage && ungraded).then(|| view! {
                                <button class="btn btn-small btn-danger-outline" data-testid="position-delete"
                                    disabled=move || delete.pending().get()
                                    on:click=move |_| {
                                        let sure = web_sys::window()
                                            .and_then(|w| w.confirm_with_message(i18n.t("删除这条职务记录？", "Remove this position?")).ok())
                                            .unwrap_or(false);
                                        if sure { delete.dispatch(id); }
                                    }>
                                    {move || i18n.t("删除", "Remove")}
                                </button>
                            })}
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// The form to register a position (`position` None) or change one.
#[component]
fn PositionForm(
    position: Option<Position>,
    organizations: LocalResource<Vec<shared::organization::Organization>>,
    types: LocalResource<Result<Vec<PositionType>, ApiError>>,
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = position.as_ref().map(|p| p.id);
    let student_no = RwSignal::new(
        position
            .as_ref()
            .map(|p| p.student_no.clone())
            .unwrap_or_default(),
    );
    let organization = RwSignal::new(position.as_ref().map(|p| p.organization_id));
    let title = RwSignal::new(
        position
            .as_ref()
            .map(|p| p.title.clone())
            .unwrap_or_default(),
    );
    let position_type = RwSignal::new(
        position
            .as_ref()
            .map(|p| p.position_type.clone())
            .unwrap_or_default(),
    );
    let class_level = RwSignal::new(
        position
            .as_ref()
            .is_some_and(|p| p.level == CadreLevel::Class),
    );
    let class_name = RwSignal::new(
        position
            .as_ref()
            .and_then(|p| p.class_name.clone())
            .unwrap_or_default(),
    );
    let starts_on = RwSignal::new(
        position
            .as_ref()
            .map(|p| p.starts_on.to_string())
            .unwrap_or_default(),
    );
    let ends_on = RwSignal::new(
        position
            .as_ref()
            .map(|p| p.ends_on.to_string())
            .unwrap_or_default(),
    );
    let appointment = RwSignal::new(
        position
            .as_ref()
            .and_then(|p| p.appointment_no.clone())
            .unwrap_or_default(),
    );
    let submitted = RwSignal::new(false);
    let server_error = RwSignal::new(None::<ApiError>);
    let text = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    // The position as typed, or (field, message) of the first problem.
    let parsed = Memo::new(move |_| -> Result<NewPosition, (String, String)> {
        let date = |value: String, field: &str| {
            value.parse::<NaiveDate>().map_err(|_| {
                (
                    field.to_owned(),
                    i18n.t("请选择日期", "Enter a date").to_owned(),
                )
            })
        };
        let organization_id = organization.get().ok_or_else(|| {
            (
                "organization_id".to_owned(),
                i18n.t("请选择组织", "Choose the organisation").to_owned(),
            )
        })?;
        if position_type.get().is_empty() {
            return Err((
                "position_type".to_owned(),
                i18n.t("请选择职务类型", "Choose the position type")
                    .to_owned(),
            ));
        }
        let input = NewPosition {
            student_no: student_no.get().trim().to_owned(),
            organization_id,
            title: title.get().trim().to_owned(),
            position_type: position_type.get(),
            level: class_level.get().then_some(CadreLevel::Class),
            class_name: if class_level.get() {
                text(class_name.get())
            } else {
                None
            },
            starts_on: date(starts_on.get(), "starts_on")?,
            ends_on: date(ends_on.get(), "ends_on")?,
            appointment_no: text(appointment.get()),
        };
        input
            .validate()
            .map_err(|e| (e.field.unwrap_or_default(), cadre_message(i18n, &e.message)))?;
        Ok(input)
    });
    let field_error = move |field: &'static str| {
        Signal::derive(move || {
            if let Some(e) = server_error
                .get()
                .filter(|e| e.field.as_deref() == Some(field))
            {
                return Some(cadre_message(i18n, &e.message));
            }
            match parsed.get() {
                Err((f, text)) if submitted.get() && f == field => Some(text),
                _ => None,
            }
        })
    };
    let save = Action::new_local(move |input: &NewPosition| {
        let input = input.clone();
        async move {
            let result = match id {
                Some(id) => api::update_position(id, &input).await,
                None => api::create_position(&input).await,
            };
            match result {
                Ok(_) => on_saved.run(()),
                Err(e) => server_error.set(Some(e)),
            }
        }
    });
    let edited = move || server_error.set(None);
    let general_error = move || {
        server_error
            .get()
            .filter(|e| {
                !e.field.as_deref().is_some_and(|f| {
                    [
                        "student_no",
                        "organization_id",
                        "title",
                        "position_type",
                        "class_name",
                        "starts_on",
                        "ends_on",
                        "appointment_no",
                    ]
                    .contains(&f)
                })
            })
            .map(|e| message(i18n, &e))
    };
    let input = move |value: RwSignal<String>| {
        move |ev: leptos::ev::Event| {
            value.set(event_target_value(&ev));
            edited();
        }
    };
    view! {
        <section class="panel" data-testid="position-form">
            <h2>{move || if id.is_some() { i18n.t("修改职务", "Change the position") } else { i18n.t("登记职务", "Register a position") }}</h2>
            <form class="form-grid" novalidate on:submit=move |ev| {
                ev.prevent_default();
                submitted.set(true);
                if let Ok(input) = parsed.get_untracked() { save.dispatch(input); }
            }>
                <label class="field">
                    <span class="field-label">{move || i18n.t("学号", "Student number")}</span>
                    <input data-testid="position-student" inputmode="numeric" prop:value=student_no on:input=input(student_no) />
                    <span class="field-error" role="alert">{field_error("student_no")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("任职组织", "Organisation")}</span>
                    <OrgSelect organizations=organizations testid="position-org" value=organization
                        any=("请选择", "Choose")
                        invalid=Signal::derive(move || field_error("organization_id").get().is_some())
                        on_change=Callback::new(move |org| { organization.set(org); edited(); }) />
                    <span class="field-error" role="alert">{field_error("organization_id")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("职务名称", "Title")}</span>
                    <input data-testid="position-title" placeholder=move || i18n.t("如：学生会主席", "e.g. President of the union")
                        prop:value=title on:input=input(title) />
                    <span class="field-error" role="alert">{field_error("title")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("职务类型", "Position type")}</span>
                    <select data-testid="position-type" on:change=move |ev| { position_type.set(event_target_value(&ev)); edited(); }>
                        <option value="" selected=move || position_type.with(String::is_empty)>{move || i18n.t("请选择", "Choose")}</option>
                        {move || types.get().and_then(Result::ok).map(|types| types.into_iter()
                            // A retired type stays selectable only on the position that has it.
                            .filter(|t| t.active || position_type.with_untracked(|p| *p == t.code))
                            .map(|t| {
                                let code = t.code.clone();
                                view! { <option value=t.code.clone() selected=move || position_type.with(|p| *p == code)>{t.name}</option> }
                            }).collect_view())}
                    </select>
                    <span class="field-error" role="alert">{field_error("position_type")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("级别", "Level")}</span>
                    <select data-testid="position-level" on:change=move |ev| { class_level.set(event_target_value(&ev) == "class"); edited(); }>
                        <option value="" selected=move || !class_level.get()>{move || i18n.t("按组织级别", "The organisation's level")}</option>
                        <option value="class" selected=move || class_level.get()>{move || i18n.t("班级干部", "Class cadre")}</option>
                    </select>
                </label>
                {move || class_level.get().then(|| view! {
                    <label class="field">
                        <span class="field-label">{move || i18n.t("班级", "Class")}</span>
                        <input data-testid="position-class" prop:value=class_name on:input=input(class_name) />
                        <span class="field-error" role="alert">{field_error("class_name")}</span>
                    </label>
                })}
                <label class="field">
                    <span class="field-label">{move || i18n.t("任职开始", "Starts on")}</span>
                    <input type="date" data-testid="position-starts" prop:value=starts_on on:input=input(starts_on) />
                    <span class="field-error" role="alert">{field_error("starts_on")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("任职结束", "Ends on")}</span>
                    <input type="date" data-testid="position-ends" prop:value=ends_on on:input=input(ends_on) />
                    <span class="field-error" role="alert">{field_error("ends_on")}</span>
                </label>
                <label class="field">
                    <span class="field-label">{move || i18n.t("任命文号（选填）", "Appointment no. (optional)")}</span>
                    <input data-testid="position-appointment" prop:value=appointment on:input=input(appointment) />
                    <span class="field-error" role="alert">{field_error("appointment_no")}</span>
                </label>
                <div class="actions form-grid-wide">
                    <button type="submit" class="btn btn-primary" data-testid="position-save" disabled=move || save.pending().get()>
                        {move || i18n.t("保存", "Save")}
                    </button>
                    <button type="button" class="btn" data-testid="position-cancel" on:click=move |_| on_cancel.run(())>
                        {move || i18n.t("取消", "Cancel")}
                    </button>
                    {move || general_error().map(|text| view! { <span class="bad" role="alert" data-testid="position-error">{text}</span> })}
                </div>
            </form>
        </section>
    }
}
