//! 职务类型与比例 (`/cadres/settings`): the school's position types (主席团成员, 部长/副部长 …,
//! whose codes the rules' cadre matrix names) and its assessment standard — the largest share of
//! a round's positions of each level that may receive each grade. Every account of the cadres
//! console reads them; the school admin changes them.

use leptos::prelude::*;
use shared::{
    ApiError,
    cadre::{AssessmentStandard, GradeLimit, PositionType, PositionTypes},
    rules::{CadreLevel, Grade},
};

use crate::{
    api,
    components::{
        cadre_nav::{CadreNav, CadrePage, cadre_message},
        error::{ErrorNotice, message},
        points_nav::is_school_admin,
    },
    i18n::use_i18n,
    labels,
    session::use_session,
};

#[component]
pub fn CadreSettingsPage() -> impl IntoView {
    let i18n = use_i18n();
    let types = LocalResource::new(api::position_types);
    let standard = LocalResource::new(api::assessment_standard);
    view! {
        <CadreNav current=CadrePage::Settings />
        <h1>{move || i18n.t("职务类型与考核比例", "Position types and the standard")}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || types.get().map(|result| match result {
                Ok(list) => view! { <TypesForm initial=list /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| types.refetch()) /> }.into_any(),
            })}
            {move || standard.get().map(|result| match result {
                Ok(current) => view! { <StandardForm initial=current /> }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| standard.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// One editable row of the types list.
#[derive(Clone, Copy)]
struct TypeRow {
    key: usize,
    code: RwSignal<String>,
    name: RwSignal<String>,
    active: RwSignal<bool>,
    /// Stored already: its code is what positions and the rules name, so it stays.
    stored: bool,
}

#[component]
fn TypesForm(initial: Vec<PositionType>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let editable = move || session.with_me(|me| me.is_some_and(is_school_admin));
    let next_key = StoredValue::new(initial.len());
    let rows = RwSignal::new(
        initial
            .into_iter()
            .enumerate()
            .map(|(key, t)| TypeRow {
                key,
                code: RwSignal::new(t.code),
                name: RwSignal::new(t.name),
                active: RwSignal::new(t.active),
                stored: true,
            })
            .collect::<Vec<_>>(),
    );
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let collect = move || PositionTypes {
        types: rows
            .get_untracked()
            .iter()
            .map(|r| PositionType {
                code: r.code.get_untracked().trim().to_owned(),
                name: r.name.get_untracked().trim().to_owned(),
                active: r.active.get_untracked(),
            })
            .collect(),
    };
    let save = Action::new_local(move |types: &PositionTypes| {
        let types = types.clone();
        async move {
            match api::put_position_types(&types).await {
                Ok(_) => {
                    rows.update(|rows| rows.iter_mut().for_each(|r| r.stored = true));
                    saved.set(true);
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let edited = move || {
        error.set(None);
        saved.set(false);
    };
    let row_error = move |index: usize, field: &'static str| {
        error
            .get()
            .filter(|e| e.field.as_deref() == Some(format!("types[{index}].{field}").as_str()))
            .map(|e| cadre_message(i18n, &e.message))
    };
    view! {
        <section class="panel" data-testid="position-types">
            <h2>{move || i18n.t("职务类型", "Position types")}</h2>
            <p class="muted small">{move || i18n.t(
                "代码供积分规则的“职务类型 × 等次”表引用，保存后不能修改；停用的类型保留在已有职务上，新职务不能再选。",
                "The code is what the rules' type × grade table names and cannot change once saved; a retired type stays on its positions but new ones cannot take it.",
            )}</p>
            <div class="form-stack">
                {move || rows.get().into_iter().enumerate().map(|(index, row)| view! {
                    <div class="form-row type-row" data-testid="position-type-row">
                        <label class="field">
                            <span class="field-label">{move || i18n.t("代码", "Code")}</span>
                            <input data-testid="type-code" prop:value=row.code disabled=move || !editable() || row.stored
                                placeholder="presidium"
                                on:input=move |ev| { row.code.set(event_target_value(&ev)); edited(); } />
                            <span class="field-error" role="alert">{move || row_error(index, "code")}</span>
                        </label>
                        <label class="field field-grow">
                            <span class="field-label">{move || i18n.t("名称", "Name")}</span>
                            <input data-testid="type-name" prop:value=row.name disabled=move || !editable()
                                placeholder=move || i18n.t("主席团成员", "Presidium member")
                                on:input=move |ev| { row.name.set(event_target_value(&ev)); edited(); } />
                            <span class="field-error" role="alert">{move || row_error(index, "name")}</span>
                        </label>
                        <label class="check">
                            <input type="checkbox" data-testid="type-active" prop:checked=row.active disabled=move || !editable()
                                on:change=move |ev| { row.active.set(event_target_checked(&ev)); edited(); } />
                            {move || i18n.t("启用", "Active")}
                        </label>
                        {move || (editable() && !row.stored).then(|| view! {
                            <button type="button" class="btn btn-small" data-testid="type-remove"
                                on:click=move |_| { rows.update(|rows| rows.retain(|r| r.key != row.key)); edited(); }>
                                {move || i18n.t("移除", "Remove")}
                            </button>
                        })}
                    </div>
                }).collect_view()}
            </div>
            {move || editable().then(|| view! {
                <div class="actions">
                    <button type="button" class="btn" data-testid="type-add" on:click=move |_| {
                        let key = next_key.get_value();
                        next_key.set_value(key + 1);
                        rows.update(|rows| rows.push(TypeRow {
                            key,
                            code: RwSignal::new(String::new()),
                            name: RwSignal::new(String::new()),
                            active: RwSignal::new(true),
                            stored: false,
                        }));
                        edited();
                    }>{move || i18n.t("添加类型", "Add a type")}</button>
                    <button type="button" class="btn btn-primary" data-testid="types-save" disabled=move || save.pending().get()
                        on:click=move |_| {
                            let types = collect();
                            match types.validate() {
                                Ok(()) => { save.dispatch(types); }
                                Err(e) => error.set(Some(e)),
                            }
                        }>
                        {move || i18n.t("保存类型", "Save types")}
                    </button>
                    {move || saved.get().then(|| view! { <span class="good" role="status" data-testid="types-saved">{move || i18n.t("已保存", "Saved")}</span> })}
                    {move || error.get().filter(|e| !e.field.as_deref().is_some_and(|f| f.starts_with("types[")))
                        .map(|e| {
                            let text = if e.field.is_some() { cadre_message(i18n, &e.message) } else { message(i18n, &e) };
                            view! { <span class="bad" role="alert" data-testid="types-error">{text}</span> }
                        })}
                </div>
            })}
        </section>
    }
}

#[component]
fn StandardForm(initial: AssessmentStandard) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let editable = move || session.with_me(|me| me.is_some_and(is_school_admin));
    // One cell per level × grade; empty: no limit.
    let cells = CadreLevel::ALL
        .into_iter()
        .map(|level| {
            let grades = Grade::ALL
                .into_iter()
                .map(|grade| {
                    let value = initial
                        .limit(level, grade)
                        .map(|p| p.to_string())
                        .unwrap_or_default();
                    (grade, RwSignal::new(value))
                })
                .collect::<Vec<_>>();
            (level, grades)
        })
        .collect::<Vec<_>>();
    let error = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let parsed = {
        let cells = cells.clone();
        Memo::new(move |_| -> Result<AssessmentStandard, String> {
            let mut limits = Vec::new();
            for (level, grades) in &cells {
                for (grade, value) in grades {
                    let text = value.get();
                    let text = text.trim();
                    if text.is_empty() {
                        continue;
                    }
                    let max_percent =
                        text.parse::<u8>()
                            .ok()
                            .filter(|p| *p <= 100)
                            .ok_or_else(|| {
                                i18n.t("比例须为 0–100 的整数", "Shares are whole numbers 0–100")
                                    .to_owned()
                            })?;
                    limits.push(GradeLimit {
                        level: *level,
                        grade: *grade,
                        max_percent,
                    });
                }
            }
            let standard = AssessmentStandard { limits };
            standard
                .validate()
                .map_err(|e| cadre_message(i18n, &e.message))?;
            Ok(standard)
        })
    };
    let save = Action::new_local(move |standard: &AssessmentStandard| {
        let standard = standard.clone();
        async move {
            match api::put_assessment_standard(&standard).await {
                Ok(_) => saved.set(true),
                Err(e) => error.set(Some(message(i18n, &e))),
            }
        }
    });
    view! {
        <section class="panel" data-testid="assessment-standard">
            <h2>{move || i18n.t("考核等次比例（%）", "Grade shares (%)")}</h2>
            <p class="muted small">{move || i18n.t(
                "一次考核中某级别职务获得该等次的最高比例，按人数向下取整；留空表示不限。",
                "The largest share of a round's positions of a level that may receive the grade, rounded down; empty means no limit.",
            )}</p>
            <div class="rules-scroll">
                <table class="rules-grid rules-matrix" data-testid="standard-table">
                    <thead>
                        <tr>
                            <th scope="col">{move || i18n.t("级别", "Level")}</th>
                            {Grade::ALL.into_iter().map(|g| view! { <th scope="col">{move || labels::grade(i18n, g)}</th> }).collect_view()}
                        </tr>
                    </thead>
                    <tbody>
                        {cells.into_iter().map(|(level, grades)| view! {
                            <tr data-testid="standard-row" data-level=level.as_str()>
                                <th scope="row">{move || labels::cadre_level(i18n, level)}</th>
                                {grades.into_iter().map(|(grade, value)| view! {
                                    <td>
                                        <input class="num-input" inputmode="numeric" data-testid="standard-cell" data-grade=grade.as_str()
                                            aria-label=move || format!("{} {}", labels::cadre_level(i18n, level), labels::grade(i18n, grade))
                                            prop:value=value disabled=move || !editable()
                                            on:input=move |ev| { value.set(event_target_value(&ev)); saved.set(false); error.set(None); } />
                                    </td>
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </div>
            {move || editable().then(|| view! {
                <div class="actions">
                    <button type="button" class="btn btn-primary" data-testid="standard-save"
                        disabled=move || parsed.get().is_err() || save.pending().get()
                        on:click=move |_| if let Ok(standard) = parsed.get_untracked() { save.dispatch(standard); }>
                        {move || i18n.t("保存比例", "Save shares")}
                    </button>
                    {move || saved.get().then(|| view! { <span class="good" role="status" data-testid="standard-saved">{move || i18n.t("已保存", "Saved")}</span> })}
                    {move || parsed.get().err().or_else(|| error.get()).map(|text| view! { <span class="bad" role="alert" data-testid="standard-error">{text}</span> })}
                </div>
            })}
        </section>
    }
}
