//! 人员: the students of the user's subtree, searchable by name or number and filtered by
//! college and year — every filter and the page live in the URL, so a view can be shared and
//! survives a reload. A table on wide screens, cards on phones; the import is one tap away.

use chrono::Datelike;
use leptos::prelude::*;
use leptos_router::{
    NavigateOptions,
    components::A,
    hooks::{use_navigate, use_query_map},
    params::ParamsMap,
};
use shared::{organization::OrgKind, people::Student};

use crate::{
    api::{self, OrgFilter, StudentFilter},
    components::{
        error::ErrorNotice,
        pager::Pager,
        points_nav::{BEHIND, TRANSCRIPTS},
        table::{Cell, DataTable},
    },
    i18n::use_i18n,
    session::use_session,
};

const PER_PAGE: u32 = 20;

/// The list's state, as the URL holds it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Filters {
    q: String,
    college: Option<i64>,
    year: Option<i32>,
    page: u32,
}

impl Filters {
    fn from_query(query: &ParamsMap) -> Filters {
        Filters {
            q: query.get("q").unwrap_or_default(),
            college: query.get("college").and_then(|c| c.parse().ok()),
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
        if !self.q.trim().is_empty() {
            parts.push(format!("q={}", api::encode(self.q.trim())));
        }
        if let Some(college) = self.college {
            parts.push(format!("college={college}"));
        }
        if let Some(year) = self.year {
            parts.push(format!("year={year}"));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        if parts.is_empty() {
            "/people".to_owned()
        } else {
            format!("/people?{}", parts.join("&"))
        }
    }
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let filters = Memo::new(move |_| Filters::from_query(&query.read()));
    let search = RwSignal::new(filters.get_untracked().q);
    let students = LocalResource::new(move || {
        let filters = filters.get();
        let filter = StudentFilter {
            q: Some(filters.q.clone()),
            college_id: filters.college,
            enrolment_year: filters.year,
            ..Default::default()
        };
        async move { api::students(&filter, filters.page, PER_PAGE).await }
    });
    let colleges = LocalResource::new(|| async {
        api::all_organizations(&OrgFilter {
            kind: Some(OrgKind::College),
            ..Default::default()
        })
        .await
    });
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
    let this_year = chrono::Local::now().year();

    view! {
        <div class="page-head">
            <h1>{move || i18n.t("学生", "Students")}</h1>
            <A href="/people/import" attr:class="btn btn-primary" attr:data-testid="people-import">
                {move || i18n.t("批量导入", "Import")}
            </A>
        </div>
        <form class="filters" role="search" on:submit=move |ev| ev.prevent_default()>
            <input class="search" type="search" data-testid="people-search"
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
            <select data-testid="people-college" aria-label=move || i18n.t("学院", "College")
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let college = event_target_value(&ev).parse().ok();
                        go(&move |f: &mut Filters| f.college = college);
                    }
                }>
                <option value="" selected=move || filters.read().college.is_none()>{move || i18n.t("全部学院", "All colleges")}</option>
                {move || colleges.get().and_then(Result::ok).map(|list| list.into_iter().map(|college| {
                    let id = college.id;
                    view! { <option value=id.to_string() selected=move || filters.read().college == Some(id)>{college.name}</option> }
                }).collect_view())}
            </select>
            <select data-testid="people-year" aria-label=move || i18n.t("年级", "Year")
                on:change={
                    let go = go.clone();
                    move |ev| {
                        let year = event_target_value(&ev).parse().ok();
                        go(&move |f: &mut Filters| f.year = year);
                    }
                }>
                <option value="" selected=move || filters.read().year.is_none()>{move || i18n.t("全部年级", "All years")}</option>
                {(this_year - 7..=this_year).rev().map(|year| view! {
                    <option value=year.to_string() selected=move || filters.read().year == Some(year)>
                        {move || match i18n.locale() {
                            crate::i18n::Locale::Zh => format!("{year} 级"),
                            crate::i18n::Locale::En => format!("Class of {year}"),
                        }}
                    </option>
                }).collect_view()}
            </select>
        </form>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || students.get().map(|result| match result {
                Ok(page) if page.items.is_empty() => view! {
                    <div class="empty" data-testid="people-empty">
                        <p>{move || i18n.t("没有符合条件的学生。", "No student matches.")}</p>
                        <p class="muted">{move || i18n.t("调整筛选条件，或通过“批量导入”添加学生。", "Change the filters, or add students with Import.")}</p>
                    </div>
                }.into_any(),
                Ok(page) => {
                    let (current, pages, total) = (page.page, page.pages(), page.total);
                    let go = go.clone();
                    view! {
                        <StudentTable students=page.items />
                        <Pager page=current pages=pages total=total on_page=Callback::new(move |page: u32| {
                            go(&move |f: &mut Filters| f.page = page)
                        }) />
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| students.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn StudentTable(students: Vec<Student>) -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let may_points = BEHIND.iter().any(|p| session.can(*p));
    let may_transcript = TRANSCRIPTS.iter().any(|p| session.can(*p));
    let columns = vec![
        ("学号", "Student no."),
        ("姓名", "Name"),
        ("学院", "College"),
        ("专业", "Major"),
        ("班级", "Class"),
        ("年级", "Year"),
        ("类别", "Degree"),
        ("状态", "Status"),
        ("", ""),
    ];
    view! {
        <DataTable columns=columns testid="people-table">
            {students.into_iter().map(|student| {
                let degree = student.degree;
                let active = student.active;
                let id = student.id;
                let number = student.student_no.clone();
                view! {
                    <tr data-testid="student-row" data-student=number>
                        <Cell zh="学号" en="Student no." class="cell-key">{student.student_no}</Cell>
                        <Cell zh="姓名" en="Name" class="cell-title">{student.name}</Cell>
                        <Cell zh="学院" en="College">{student.college_name}</Cell>
                        <Cell zh="专业" en="Major">{student.major}</Cell>
                        <Cell zh="班级" en="Class">{student.class_name}</Cell>
                        <Cell zh="年级" en="Year">{student.enrolment_year}</Cell>
                        <Cell zh="类别" en="Degree">{move || match degree {
                            shared::people::Degree::Undergraduate => i18n.t("本科生", "Undergraduate"),
                            shared::people::Degree::Graduate => i18n.t("研究生", "Graduate"),
                        }}</Cell>
                        <Cell zh="状态" en="Status">
                            <span class="badge" class:badge-off=!active class:badge-on=active>
                                {move || if active { i18n.t("在籍", "Active") } else { i18n.t("已停用", "Inactive") }}
                            </span>
                        </Cell>
                        <Cell zh="" en="" class="cell-actions">
                            {may_points.then(|| view! {
                                <A href=format!("/admin/students/{id}/points") attr:class="btn btn-small" attr:data-testid="student-points">{move || i18n.t("积分", "Points")}</A>
                            })}
                            {may_transcript.then(|| view! {
                                <A href=format!("/admin/students/{id}/transcript") attr:class="btn btn-small" attr:data-testid="student-transcript">{move || i18n.t("成绩单", "Transcript")}</A>
                            })}
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}
