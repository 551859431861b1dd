//! 工作月报 (`/reports`): what an organisation account has to do with the monthly reports.
//! A college sees its own reports, month by month, with whether each is filed and whether it
//! is late; the school (its committee's accounts with `view_reports`) sees every month with a
//! row per college and the school's report of the month; every other organisation reads the
//! school's published reports.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::{
    auth::Permission,
    insight::{MonthlyReportSummary, SchoolReportSummary},
    organization::OrgKind,
};

use crate::{
    api,
    components::{
        error::ErrorNotice,
        pager::Pager,
        report::{ReportBadge, SchoolBadge, filing_text, month_label},
        table::{Cell, DataTable},
    },
    format,
    i18n::{Locale, use_i18n},
    session::use_session,
};

const PER_PAGE: u32 = 24;

/// Who is looking, as far as the reports go.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    /// The school committee's accounts with `view_reports`.
    School,
    /// An organisation with `view_reports` over its own subtree (a college).
    College { is_college: bool },
    /// Any other organisation account: the published school reports.
    Other,
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let i18n = use_i18n();
    let session = use_session();
    let reader = Memo::new(move |_| {
        session.with_me(|me| match me {
            Some(me) if me.can(Permission::ViewReports) && me.organization.path.len() == 1 => {
                Reader::School
            }
            Some(me) if me.can(Permission::ViewReports) => Reader::College {
                is_college: me.organization.kind == OrgKind::College,
            },
            _ => Reader::Other,
        })
    });
    view! {
        <h1>{move || i18n.t("工作月报", "Monthly reports")}</h1>
        <p class="muted">{move || i18n.t(
            "每月 28 日冻结各学院上月 28 日至本月 27 日的数据；学院审阅、填写工作总结后于当日提交，逾期未提交的标为逾期。学校汇总比较各学院后发布全校月报。",
            "On the 28th each college's figures from the 28th of the month before to the 27th are frozen; the college reviews them, writes its summary and files it that day — later, it is late. The school compares the colleges and publishes its report.",
        )}</p>
        {move || match reader.get() {
            Reader::School => view! { <SchoolMonths /> }.into_any(),
            Reader::College { is_college } => view! {
                <CollegeReports is_college=is_college />
                <PublishedReports />
            }.into_any(),
            Reader::Other => view! { <PublishedReports /> }.into_any(),
        }}
    }
}

/// A college's own reports, newest month first.
#[component]
fn CollegeReports(is_college: bool) -> impl IntoView {
    let i18n = use_i18n();
    let page = RwSignal::new(1u32);
    let reports = LocalResource::new(move || {
        let page = page.get();
        async move { api::monthly_reports(None, page, PER_PAGE).await }
    });
    view! {
        <h2 class="section-title">{move || i18n.t("本组织的月报", "Our reports")}</h2>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || reports.get().map(|result| match result {
                Ok(list) if list.items.is_empty() => view! {
                    <div class="empty" data-testid="reports-empty">
                        <p>{move || if is_college {
                            i18n.t("还没有月报。", "No report yet.")
                        } else {
                            i18n.t("月报由各学院提交；本组织没有需要提交的月报。", "Colleges file the monthly reports; this organisation has none to file.")
                        }}</p>
                        {is_college.then(|| view! {
                            <p class="muted">{move || i18n.t("每月 28 日自动生成当月月报。", "Each month's report appears on the 28th.")}</p>
                        })}
                    </div>
                }.into_any(),
                Ok(list) => {
                    let (current, pages, total) = (list.page, list.pages(), list.total);
                    view! {
                        <ReportTable reports=list.items testid="reports-table" show_org=false />
                        {(pages > 1).then(|| view! {
                            <Pager page=current pages=pages total=total on_page=Callback::new(move |p| page.set(p)) />
                        })}
                    }.into_any()
                }
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| reports.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// Reports as a table (cards on a phone); a late one is marked in its row too.
#[component]
fn ReportTable(
    reports: Vec<MonthlyReportSummary>,
    testid: &'static str,
    /// The college's name leads the row (the school's view); else the month does.
    show_org: bool,
) -> impl IntoView {
    let i18n = use_i18n();
    let columns = if show_org {
        vec![
            ("学院", "College"),
            ("状态", "Status"),
            ("提交", "Filing"),
            ("", ""),
        ]
    } else {
        vec![
            ("月份", "Month"),
            ("状态", "Status"),
            ("提交", "Filing"),
            ("", ""),
        ]
    };
    view! {
        <DataTable columns=columns testid=testid>
            {reports.into_iter().map(|report| {
                let month = report.month;
                let organization = report.organization.clone();
                let filing = {
                    let report = report.clone();
                    move || filing_text(i18n, &report)
                };
                view! {
                    <tr data-testid="report-row" data-month=month.to_string() data-org=report.organization.clone()
                        data-status=report.status.as_str() class:row-late=report.late>
                        {if show_org {
                            view! { <Cell zh="学院" en="College" class="cell-title">{organization}</Cell> }.into_any()
                        } else {
                            view! { <Cell zh="月份" en="Month" class="cell-title">{move || month_label(i18n.locale(), month)}</Cell> }.into_any()
                        }}
                        <Cell zh="状态" en="Status"><ReportBadge status=report.status late=report.late /></Cell>
                        <Cell zh="提交" en="Filing">{filing}</Cell>
                        <Cell zh="" en="" class="cell-actions">
                            <A href=format!("/reports/{}", report.id) attr:class="btn btn-small" attr:data-testid="report-open">
                                {move || i18n.t("打开", "Open")}
                            </A>
                        </Cell>
                    </tr>
                }
            }).collect_view()}
        </DataTable>
    }
}

/// The school's view: every month, each with who filed and a link to the school's report.
#[component]
fn SchoolMonths() -> impl IntoView {
    let i18n = use_i18n();
    let months = LocalResource::new(api::school_reports);
    view! {
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || months.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <div class="empty" data-testid="reports-empty">
                        <p>{move || i18n.t("还没有月报。", "No report yet.")}</p>
                        <p class="muted">{move || i18n.t("每月 28 日为每个学院生成当月月报。", "Each college's report appears on the 28th.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => list.into_iter().enumerate().map(|(i, summary)| view! {
                    <MonthBlock summary=summary open=i == 0 />
                }).collect_view().into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| months.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}

/// One month for the school: its counts in the summary line, the colleges' rows once opened.
#[component]
fn MonthBlock(summary: SchoolReportSummary, open: bool) -> impl IntoView {
    let i18n = use_i18n();
    let month = summary.month;
    let opened = RwSignal::new(open);
    let colleges = LocalResource::new(move || {
        let opened = opened.get();
        async move {
            if opened {
                Some(api::monthly_reports(Some(month), 1, 100).await)
            } else {
                None
            }
        }
    });
    let (filed, total, late) = (summary.filed, summary.colleges, summary.late);
    view! {
        <details class="panel month-block" data-testid="report-month" data-month=month.to_string() open=open
            on:toggle=move |_| opened.set(true)>
            <summary class="month-summary">
                <span class="month-title">{move || month_label(i18n.locale(), month)}</span>
                <SchoolBadge status=summary.status />
                <span class="count" data-testid="month-filed">
                    {move || i18n.t("已提交", "Filed")}" "<strong>{filed}</strong>" / "{total}
                </span>
                {(late > 0).then(|| view! {
                    <span class="badge badge-late" data-testid="month-late">
                        {move || match i18n.locale() {
                            Locale::Zh => format!("⚠ 逾期 {late}"),
                            Locale::En => format!("⚠ {late} late"),
                        }}
                    </span>
                })}
            </summary>
            <div class="month-body">
                <p class="actions">
                    <A href=format!("/reports/school/{month}") attr:class="btn btn-primary btn-small" attr:data-testid="school-report-open">
                        {move || i18n.t("全校月报与比较", "School report & comparison")}
                    </A>
                    {summary.published_at.map(|at| view! {
                        <span class="muted small">{move || i18n.t("发布于 ", "Published ")}{move || format::datetime(i18n.locale(), at)}</span>
                    })}
                </p>
                <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
                    {move || colleges.get().flatten().map(|result| match result {
                        Ok(list) => view! { <ReportTable reports=list.items testid="month-reports" show_org=true /> }.into_any(),
                        Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| colleges.refetch()) /> }.into_any(),
                    })}
                </Transition>
            </div>
        </details>
    }
}

/// The school's published reports, for every organisation.
#[component]
fn PublishedReports() -> impl IntoView {
    let i18n = use_i18n();
    let months = LocalResource::new(api::school_reports);
    view! {
        <h2 class="section-title">{move || i18n.t("全校月报", "School reports")}</h2>
        <Transition fallback=move || view! { <p class="muted">{move || i18n.t("加载中…", "Loading…")}</p> }>
            {move || months.get().map(|result| match result {
                Ok(list) if list.is_empty() => view! {
                    <div class="empty" data-testid="school-reports-empty">
                        <p>{move || i18n.t("学校还没有发布月报。", "The school has not published a report yet.")}</p>
                    </div>
                }.into_any(),
                Ok(list) => view! {
                    <DataTable columns=vec![("月份", "Month"), ("提交情况", "Filed"), ("发布", "Published"), ("", "")] testid="school-reports-table">
                        {list.into_iter().map(|summary| {
                            let month = summary.month;
                            let published = summary.published_at;
                            view! {
                                <tr data-testid="school-report-row" data-month=month.to_string()>
                                    <Cell zh="月份" en="Month" class="cell-title">{move || month_label(i18n.locale(), month)}</Cell>
                                    <Cell zh="提交情况" en="Filed">
                                        {move || match i18n.locale() {
                                            Locale::Zh => format!("{} / {} 个学院已提交", summary.filed, summary.colleges),
                                            Locale::En => format!("{} of {} colleges filed", summary.filed, summary.colleges),
                                        }}
                                        {(summary.late > 0).then(|| view! {
                                            " "<span class="badge badge-late">{move || match i18n.locale() {
                                                Locale::Zh => format!("⚠ 逾期 {}", summary.late),
                                                Locale::En => format!("⚠ {} late", summary.late),
                                            }}</span>
                                        })}
                                    </Cell>
                                    <Cell zh="发布" en="Published">
                                        {move || published.map(|at| format::datetime(i18n.locale(), at)).unwrap_or_default()}
                                    </Cell>
                                    <Cell zh="" en="" class="cell-actions">
                                        <A href=format!("/reports/school/{month}") attr:class="btn btn-small" attr:data-testid="school-report-open">
                                            {move || i18n.t("阅读", "Read")}
                                        </A>
                                    </Cell>
                                </tr>
                            }
                        }).collect_view()}
                    </DataTable>
                }.into_any(),
                Err(error) => view! { <ErrorNotice error=error retry=Callback::new(move |_| months.refetch()) /> }.into_any(),
            })}
        </Transition>
    }
}
