//! 积分预警 (`/admin/behind`): the students of the user's subtree who fall short of their
//! degree's graduation requirement, fewest points first, with what they lack per category
//! (精准育人). The organisation, the intake and the page live in the URL; each student opens
//! their points page, where an adviser records what is missing. A row expands to the open
//! activities that would close the student's gap, and 提醒 notifies the student of them.

use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};
use shared::{organization::OrgKind, points::BehindStudent};

use crate::{
    api::{self, BehindFilter},
    components::{
        error::ErrorNotice,
        guidance::{RemindButton, StudentSuggestions},
        org_select::{OrgSelect, subtree},
        pager::Pager,
        points_nav::{CategoryNames, PointsNav, PointsPage, category_names},
        table::{Cell, DataTable},
    },
    i18n::{Locale, use_i18n},
    labels,
};

const PER_PAGE: u32 = 20;

/// The list's state, as the URL holds it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    organization: Option<i64>,
    year: Option<i32>,
    page: u32,
}

impl Filters {
    fn from_query(query: &ParamsMap) -> Filters {
        Filters {
            organization: query.get("org").and_then(|o| o.parse().ok()),
            year: query.get("year").and_then(|y| y.parse().ok()),
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
        if let Some(year) = self.year {
            parts.push(format!("year={year}"));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/admin/behind".to_owned()
        } else {
            format!("/admin/behind?{}", parts.join("&"))
        }
    }
}

#[component]
pub fn BehindPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let filters = Memo::new(move |_| Filters::from_query(&query.read()));
    let students = LocalResource::new(move || {
        let filters = filters.get();
        let filter = BehindFilter {
            organization_id: filters.organization,
            enrolment_year: filters.year,
        };
        async move { api::behind(&filter, filters.page, PER_PAGE).await }
    });
    let organizations = subtree(&[OrgKind::School, OrgKind::College]);
    let names = category_names();
    // A change of filter starts again at page 1.
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
    let this_year = chrono::Utc::now().year();

    view! {
        <h1>{move || i18n.t("积分预警", "Behind the requirement")}</h1>
        <PointsNav current=PointsPage::Behind />
        <p class="muted">{move || i18n.t(
            "未达到毕业要求（按现行规则）的学生，积分最少的在前。点击学生查看积分明细，可补录干部任职、社会实践或手工调整。",
            "Students short of their graduation requirement under the rules in force, fewest points first. Open a student to see their points and record a position, practice or an adjustment.",
        )}</p>
        <form class="filters" on:submit=move |ev| ev.prevent_default()>
            <OrgSelect organizations=organizations testid="behind-org"
                value=Signal::derive(move || filters.read().organization)
                any=("本组织全部", "All of my organisation")
                on_change={
                    let go = go.clone();
                    Callback::new(move |org: Option<i64>| go(&move |f: &mut Filters| f.organization = org))
                } />
            <select data-testid="behind-year" aria-label=move || i18n.t("年级", "Intake")
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let year = event_target_value(&ev).parse().ok();
                        go(&move |f: &mut Filters| f.year = year);
                    }
                }>
                <option value="" selected=move || filters.read().year.is_none()>{move || i18n.t("全部年级", "All intakes")}</option>
                {(this_year - 7..=this_year).rev().map(|year| view! {
                    <option value=year.to_string() selected=move || filters.read().year == Some(year)>
                        {move || match i18n.locale() {
                            Locale::Zh => format!("{year} 级"),
                            Locale::En => format!("Class of {year}"),
                        }}
                    </option>
                }).collect_view()}
            </select>
        </form>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || students.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <section class="empty" data-testid="behind-empty">
                        <p class="empty-icon" aria-hidden="true">"✓"</p>
                        <p>{move || i18n.t("没有未达标的学生。", "Nobody is behind.")}</p>
                        <p class="muted">{move || i18n.t("换一个组织或年级看看。", "Try another organisation or intake.")}</p>
                    </section>
                }.into_any(),
                Ok(page) => {
                    let (current, pages, total) = (page.page, page.pages(), page.total);
                    let go = go.clone();
                    view! {
                        <p class="muted small" data-testid="behind-total">{move || match i18n.locale() {
                            Locale::Zh => format!("共 {total} 名学生未达标"),
                            Locale::En => format!("{total} students are behind"),
                        }}</p>
                        <BehindTable students=page.items names=names />
                        {(pages > 1).then(|| view! {
                            <Pager page=current pages=pages total=total on_page=Callback::new(move |page: u32| {
                                go(&move |f: &mut Filters| f.page = page)
                            }) />
                        })}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| students.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn BehindTable(students: Vec<BehindStudent>, names: LocalResource<CategoryNames>) -> impl IntoView {
    let i18n = use_i18n();
    let columns = vec![
        ("学号", "Student no."),
        ("姓名", "Name"),
        ("班级", "Class"),
        ("年级", "Intake"),
        ("总分", "Total"),
        ("未达标", "Missing"),
        ("辅导", "Guidance"),
        ("", ""),
    ];
    view! {
        <DataTable columns=columns testid="behind-table">
            {students.into_iter().map(|student| {
                let href = format!("/admin/students/{}/points", student.student_id);
                let open_href = href.clone();
                let number = student.student_no.clone();
                let missing = student.missing.clone();
                let student_id = student.student_id;
                let open = RwSignal::new(false);
                view! {
                    <tr data-testid="behind-row" data-student=student.student_no.clone()>
                        <Cell zh="学号" en="Student no." class="cell-key">{number}</Cell>
                        <Cell zh="姓名" en="Name" class="cell-title">
                            <A href=href attr:data-testid="behind-student">{student.name.clone()}</A>
                        </Cell>
                        <Cell zh="班级" en="Class">{student.class_name.clone()}</Cell>
                        <Cell zh="年级" en="Intake">{student.enrolment_year}</Cell>
                        <Cell zh="总分" en="Total" class="cell-points">{student.total.to_string()}</Cell>
                        <Cell zh="未达标" en="Missing" class="cell-details">
                            <span class="needs" data-testid="behind-missing">
                                {move || {
                                    let names = names.get().unwrap_or_default();
                                    missing.iter().map(|row| {
                                        let text = format!(
                                            "{} {}/{}",
                                            labels::category_name(i18n, &names, &row.category),
                                            row.earned,
                                            row.required,
                                        );
                                        let total = row.category == "total";
                                        view! { <span class="need" class:need-total=total data-category=row.category.clone()>{text}</span> }
                                    }).collect_view()
                                }}
                            </span>
                        </Cell>
                        <Cell zh="辅导" en="Guidance" class="cell-guide">
                            <span class="row-actions">
                                <button type="button" class="btn btn-small" data-testid="behind-suggest"
                                    aria-expanded=move || open.get().to_string()
                                    on:click=move |_| open.update(|o| *o = !*o)>
                                    {move || if open.get() { i18n.t("收起推荐", "Hide suggestions") } else { i18n.t("推荐活动", "Suggestions") }}
                                </button>
                                <RemindButton student_id=student_id />
                            </span>
                        </Cell>
                        <Cell zh="" en="" class="cell-open">
                            <A href=open_href attr:class="btn btn-small">{move || i18n.t("查看", "Open")}</A>
                        </Cell>
                    </tr>
                    {move || open.get().then(|| view! {
                        <tr class="behind-detail" data-testid="behind-detail">
                            <td colspan="8"><StudentSuggestions student_id=student_id /></td>
                        </tr>
                    })}
                }
            }).collect_view()}
        </DataTable>
    }
}
