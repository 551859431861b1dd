//! 批量导入: upload a spreadsheet (.csv or .xlsx) of students or staff, read the server's
//! preview — what each row would do, rejected rows first with their errors per column — then
//! confirm, and hand out the one-time passwords of the new accounts (downloadable as CSV, made
//! in the browser). Nothing is written before the confirmation.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    ApiError, ErrorCode,
    people::{ImportCounts, ImportKind, ImportPreview, ImportResult, ImportRow, RowAction},
};
use wasm_bindgen::JsCast;

use crate::{
    api,
    components::{
        error::{ErrorNotice, translate},
        table::{Cell, DataTable},
    },
    files,
    i18n::{I18n, Locale, use_i18n},
};

/// Rows shown in the preview; the counts cover the whole file.
const SHOWN_ROWS: usize = 300;

/// A picked file, read.
#[derive(Clone)]
struct Upload {
    kind: ImportKind,
    name: String,
    content_type: String,
    bytes: Vec<u8>,
}

/// 批量导入 of students and staff (`/people/import`).
#[component]
pub fn ImportPage() -> impl IntoView {
    import_page(None)
}

/// 批量导入干部名册 (`/cadres/import`): the same preview and confirmation, for positions.
#[component]
pub fn PositionsImportPage() -> impl IntoView {
    import_page(Some(ImportKind::Positions))
}

fn import_page(fixed: Option<ImportKind>) -> impl IntoView {
    let i18n = use_i18n();
    let kind = RwSignal::new(fixed.unwrap_or(ImportKind::Students));
    let preview = RwSignal::new(None::<ImportPreview>);
    let result = RwSignal::new(None::<ImportResult>);
    let error = RwSignal::new(None::<ApiError>);

    let upload = Action::new_local(move |upload: &Upload| {
        let upload = upload.clone();
        async move {
            error.set(None);
            preview.set(None);
            result.set(None);
            match api::import_preview(
                upload.kind,
                &upload.name,
                &upload.content_type,
                upload.bytes,
            )
            .await
            {
                Ok(answer) => preview.set(Some(answer)),
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let confirm = Action::new_local(move |id: &String| {
        let id = id.clone();
        async move {
            match api::confirm_import(&id).await {
                Ok(answer) => {
                    preview.set(None);
                    result.set(Some(answer));
                }
                Err(e) => error.set(Some(e)),
            }
        }
    });
    let template = Action::new_local(move |kind: &ImportKind| {
        let kind = *kind;
        async move {
            match api::import_template(kind).await {
                Ok(text) => {
                    let name = format!("{}-template.csv", kind.as_str());
                    if let Err(detail) = files::save_text(&name, "text/csv;charset=utf-8", &text) {
                        error.set(Some(ApiError::new(ErrorCode::Internal, detail)));
                    }
                }
                Err(e) => error.set(Some(e)),
            }
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
        let kind = kind.get_untracked();
        leptos::task::spawn_local(async move {
            match files::read(&file).await {
                Ok(bytes) => {
                    upload.dispatch(Upload {
                        kind,
                        name: file.name(),
                        content_type: files::content_type(&file),
                        bytes,
                    });
                }
                Err(detail) => error.set(Some(ApiError::new(ErrorCode::InvalidFile, detail))),
            }
        });
    };
    let busy = move || upload.pending().get() || confirm.pending().get();

    view! {
        <p class="crumbs"><A href="/people">{move || i18n.t("← 学生", "← Students")}</A></p>
        <h1>{move || if fixed.is_some() { i18n.t("批量导入干部名册", "Import cadre positions") } else { i18n.t("批量导入", "Import") }}</h1>
        <section class="panel">
            <ol class="steps">
                <li>{move || i18n.t("下载模板，按列填写（可用 Excel 编辑）。", "Download the template and fill it in (Excel works).")}</li>
                <li>{move || i18n.t("上传 .csv 或 .xlsx 文件，先预览，不会立即写入。", "Upload the .csv or .xlsx file: you see a preview first, nothing is written yet.")}</li>
                <li>{move || if fixed.is_some() {
                    i18n.t("确认导入：全部行一次写入；与已登记职务（同组织、学生、职务、开始日期）相同的行更新它。", "Confirm: every row is written at once; a row matching a registered position (organisation, student, title, start) updates it.")
                } else {
                    i18n.t("确认导入，并把一次性密码发给新账号的本人。", "Confirm, then hand the one-time passwords to the new account holders.")
                }}</li>
            </ol>
            <div class="import-controls">
                {fixed.is_none().then(|| view! {
                    <label class="field">
                        <span class="field-label">{move || i18n.t("导入对象", "What to import")}</span>
                        <select data-testid="import-kind" on:change=move |ev| {
                            kind.set(if event_target_value(&ev) == "staff" { ImportKind::Staff } else { ImportKind::Students });
                            preview.set(None);
                            result.set(None);
                        }>
                            <option value="students">{move || i18n.t("学生", "Students")}</option>
                            <option value="staff">{move || i18n.t("教师（指导老师）", "Staff (instructors)")}</option>
                        </select>
                    </label>
                })}
                <button class="btn" type="button" data-testid="import-template" disabled=move || template.pending().get()
                    on:click=move |_| { template.dispatch(kind.get_untracked()); }>
                    {move || i18n.t("下载模板", "Download template")}
                </button>
                <label class="btn btn-primary file-button" class:disabled=busy>
                    <input type="file" data-testid="import-file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                        disabled=busy on:change=on_file />
                    {move || i18n.t("选择文件上传", "Choose a file")}
                </label>
            </div>
            {move || busy().then(|| view! {
                <div class="progress" role="progressbar" aria-busy="true" data-testid="import-progress">
                    <div class="progress-bar"></div>
                    <p class="muted small">{move || if confirm.pending().get() { i18n.t("正在导入…", "Importing…") } else { i18n.t("正在读取并校验…", "Reading and checking…") }}</p>
                </div>
            })}
        </section>
        {move || error.get().map(|e| view! { <ErrorNotice error=e /> })}
        {move || preview.get().map(|answer| view! { <Preview preview=answer confirm=confirm busy=Signal::derive(busy) /> })}
        {move || result.get().map(|answer| view! { <Outcome result=answer /> })}
    }
}

#[component]
fn Counts(counts: ImportCounts) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="counts" data-testid="import-counts">
            <span class="count count-create" data-testid="count-create"><strong>{counts.create}</strong>{move || i18n.t("新增", "new")}</span>
            <span class="count count-update" data-testid="count-update"><strong>{counts.update}</strong>{move || i18n.t("更新", "updated")}</span>
            <span class="count" data-testid="count-unchanged"><strong>{counts.unchanged}</strong>{move || i18n.t("不变", "unchanged")}</span>
            <span class="count count-reject" data-testid="count-reject"><strong>{counts.reject}</strong>{move || i18n.t("有误", "rejected")}</span>
        </div>
    }
}

#[component]
fn Preview(
    preview: ImportPreview,
    confirm: Action<String, ()>,
    busy: Signal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let confirmable = preview.confirmable;
    let id = preview.id.clone();
    let rejected = preview.counts.reject;
    let mut rows = preview.rows;
    // Rejected rows first, then in file order.
    rows.sort_by_key(|row| (row.action != RowAction::Reject, row.line));
    let hidden = rows.len().saturating_sub(SHOWN_ROWS);
    rows.truncate(SHOWN_ROWS);
    let key_heading = match preview.kind {
        ImportKind::Students => ("学号", "Student no."),
        ImportKind::Staff => ("工号", "Staff no."),
        ImportKind::Positions => ("学号", "Student no."),
    };
    let columns = vec![
        ("行", "Line"),
        key_heading,
        ("姓名", "Name"),
        ("处理", "Action"),
        ("问题", "Problems"),
    ];

    view! {
        <section class="panel" data-testid="import-preview">
            <h2>{move || i18n.t("预览", "Preview")} " · " {preview.file_name.clone()}</h2>
            <Counts counts=preview.counts />
            {(rejected > 0).then(|| view! {
                <p class="notice notice-error" data-testid="import-blocked">{move || match i18n.locale() {
                    Locale::Zh => format!("有 {rejected} 行有误：请在文件中改正后重新上传。有误的行排在最前。"),
                    Locale::En => format!("{rejected} rows are rejected: fix them in the file and upload it again. They are listed first."),
                }}</p>
            })}
            <DataTable columns=columns testid="import-rows">
                {rows.into_iter().map(|row| view! { <PreviewRow row=row key_heading=key_heading /> }).collect_view()}
            </DataTable>
            {(hidden > 0).then(|| view! {
                <p class="muted small">{move || match i18n.locale() {
                    Locale::Zh => format!("另有 {hidden} 行未显示。"),
                    Locale::En => format!("{hidden} more rows not shown."),
                }}</p>
            })}
            <div class="actions sticky-actions">
                <button class="btn btn-primary" data-testid="import-confirm"
                    disabled=move || !confirmable || busy.get()
                    on:click=move |_| { confirm.dispatch(id.clone()); }>
                    {move || i18n.t("确认导入", "Confirm import")}
                </button>
            </div>
        </section>
    }
}

#[component]
fn PreviewRow(row: ImportRow, key_heading: (&'static str, &'static str)) -> impl IntoView {
    let i18n = use_i18n();
    let action = row.action;
    view! {
        <tr class:row-reject={action == RowAction::Reject} data-testid="import-row">
            <Cell zh="行" en="Line">{row.line}</Cell>
            <Cell zh=key_heading.0 en=key_heading.1 class="cell-key">{row.key}</Cell>
            <Cell zh="姓名" en="Name" class="cell-title">{row.name}</Cell>
            <Cell zh="处理" en="Action">
                <span class="badge" class:badge-off={action == RowAction::Reject} class:badge-on={action == RowAction::Create}>
                    {move || match action {
                        RowAction::Create => i18n.t("新增", "Create"),
                        RowAction::Update => i18n.t("更新", "Update"),
                        RowAction::Unchanged => i18n.t("不变", "Unchanged"),
                        RowAction::Reject => i18n.t("有误", "Rejected"),
                    }}
                </span>
            </Cell>
            <Cell zh="问题" en="Problems">
                <ul class="row-errors">
                    {row.errors.into_iter().map(|e| {
                        let column = e.column.clone();
                        view! {
                            <li>
                                <strong>{move || column_label(i18n, &column)}</strong>
                                {move || i18n.t("：", ": ")}
                                {move || translate(i18n, &e.message).unwrap_or_else(|| e.message.clone())}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Cell>
        </tr>
    }
}

#[component]
fn Outcome(result: ImportResult) -> impl IntoView {
    let i18n = use_i18n();
    let credentials = result.credentials.clone();
    let none_issued = credentials.is_empty();
    let download = {
        let credentials = credentials.clone();
        move |_| {
            let mut csv = String::from("username,name,temporary_password\n");
            for c in &credentials {
                csv.push_str(&format!(
                    "{},{},{}\n",
                    files::csv_field(&c.username),
                    files::csv_field(&c.name),
                    files::csv_field(&c.temporary_password)
                ));
            }
            let _ = files::save_text(
                &format!("passwords-{}.csv", result.id),
                "text/csv;charset=utf-8",
                &csv,
            );
        }
    };
    view! {
        <section class="panel" data-testid="import-result">
            <h2>{move || i18n.t("导入完成", "Imported")}</h2>
            <Counts counts=result.counts />
            {if none_issued {
                view! { <p class="muted">{move || i18n.t("没有新建账号，无需发放密码。", "No new accounts, so no passwords to hand out.")}</p> }.into_any()
            } else {
                view! {
                    <p class="notice notice-warn">{move || i18n.t(
                        "下列一次性密码只显示这一次：请立即下载保存，并分别交给本人。首次登录时须修改密码。",
                        "These one-time passwords are shown only now: download them and hand each to its holder. They must be changed at the first sign-in.",
                    )}</p>
                    <div class="actions">
                        <button class="btn btn-primary" data-testid="credentials-download" on:click=download.clone()>
                            {move || i18n.t("下载为 CSV", "Download as CSV")}
                        </button>
                    </div>
                    <DataTable columns=vec![("账号", "Account"), ("姓名", "Name"), ("一次性密码", "One-time password")] testid="credentials">
                        {credentials.into_iter().map(|c| view! {
                            <tr>
                                <Cell zh="账号" en="Account" class="cell-key">{c.username}</Cell>
                                <Cell zh="姓名" en="Name" class="cell-title">{c.name}</Cell>
                                <Cell zh="一次性密码" en="One-time password"><code>{c.temporary_password}</code></Cell>
                            </tr>
                        }).collect_view()}
                    </DataTable>
                }.into_any()
            }}
            <div class="actions">
                <A href="/people" attr:class="btn">{move || i18n.t("查看学生名单", "See the students")}</A>
            </div>
        </section>
    }
}

/// A column of the import file by the name its template heading gives it.
fn column_label(i18n: I18n, column: &str) -> String {
    let label = match column {
        "student_no" => Some(("学号", "Student no.")),
        "staff_no" => Some(("工号", "Staff no.")),
        "name" => Some(("姓名", "Name")),
        "college" | "college_id" => Some(("学院", "College")),
        "organization" | "organization_id" => Some(("所属组织", "Organisation")),
        "major" => Some(("专业", "Major")),
        "class_name" => Some(("班级", "Class")),
        "enrolment_year" => Some(("入学年份", "Enrolment year")),
        "degree" => Some(("学历", "Degree")),
        "phone" => Some(("手机", "Phone")),
        "title" => Some(("职称", "Title")),
        _ => None,
    };
    match label {
        Some((zh, en)) => i18n.t(zh, en).to_owned(),
        None => column.to_owned(),
    }
}
