//! Pieces of the monthly work reports (工作月报) that the list, a college's report and the
//! school's report share: a report's state in words, a month's name, the figures as rows (in
//! the order and the words of the .xlsx template), comparison bars and the download buttons.

use chrono::{DateTime, NaiveTime, Utc};
use leptos::prelude::*;
use shared::{
    ApiError, ErrorCode,
    insight::{
        Month, MonthlyFigures, MonthlyReportSummary, REPORT_TEXT_MAX, ReportStatus,
        SchoolReportStatus,
    },
};

use crate::{
    api::{self, ReportFormat},
    components::error::message,
    files, format,
    i18n::{I18n, Locale, use_i18n},
};

/// `2026年11月`, or `Nov 2026`.
pub fn month_label(locale: Locale, month: Month) -> String {
    match locale {
        Locale::Zh => month.label(),
        Locale::En => month.first_day().format("%b %Y").to_string(),
    }
}

/// A report's state in words: 待提交, 逾期 (not filed after the 28th), 已提交, 已提交（逾期）.
pub fn status_text(i18n: I18n, status: ReportStatus, late: bool) -> &'static str {
    match (status, late) {
        (ReportStatus::Open, false) => i18n.t("待提交", "To file"),
        (ReportStatus::Open, true) => i18n.t("逾期未提交", "Late, not filed"),
        (ReportStatus::Filed, false) => i18n.t("已提交", "Filed"),
        (ReportStatus::Filed, true) => i18n.t("已提交（逾期）", "Filed late"),
    }
}

/// The state of a report as a badge: the words say it, the colour only repeats it, and a
/// late one carries a mark too.
#[component]
pub fn ReportBadge(status: ReportStatus, late: bool) -> impl IntoView {
    let i18n = use_i18n();
    let class = match (status, late) {
        (ReportStatus::Open, false) => "badge badge-warn",
        (ReportStatus::Open, true) => "badge badge-late",
        (ReportStatus::Filed, false) => "badge badge-on",
        (ReportStatus::Filed, true) => "badge badge-on badge-late-filed",
    };
    view! {
        <span class=class data-testid="report-status" data-status=status.as_str() data-late=late.to_string()>
            {late.then_some("⚠ ")}{move || status_text(i18n, status, late)}
        </span>
    }
}

/// The school report's state as a badge.
#[component]
pub fn SchoolBadge(status: SchoolReportStatus) -> impl IntoView {
    let i18n = use_i18n();
    let (class, key) = match status {
        SchoolReportStatus::Draft => ("badge", "draft"),
        SchoolReportStatus::Published => ("badge badge-main", "published"),
    };
    view! {
        <span class=class data-testid="school-report-status" data-status=key>
            {move || match status {
                SchoolReportStatus::Draft => i18n.t("草稿", "Draft"),
                SchoolReportStatus::Published => i18n.t("已发布", "Published"),
            }}
        </span>
    }
}

/// When a report is due: the end of its 28th, said as `2026年11月28日（周六）24:00` rather
/// than as the first minute of the 29th.
pub fn due_text(locale: Locale, due_at: DateTime<Utc>) -> String {
    let local = due_at.with_timezone(&format::shanghai()).naive_local();
    if local.time() == NaiveTime::MIN {
        let day = local.date().pred_opt().unwrap_or(local.date());
        match locale {
            Locale::Zh => format!("{}24:00", format::date(locale, day)),
            Locale::En => format!("{} 24:00", format::date(locale, day)),
        }
    } else {
        format::datetime(locale, due_at)
    }
}

/// When a report was filed, by whom, or when it is due.
pub fn filing_text(i18n: I18n, report: &MonthlyReportSummary) -> String {
    let locale = i18n.locale();
    match (report.filed_at, &report.filed_by) {
        (Some(at), Some(by)) => match locale {
            Locale::Zh => format!("{by} 提交于 {}", format::datetime(locale, at)),
            Locale::En => format!("Filed by {by}, {}", format::datetime(locale, at)),
        },
        (Some(at), None) => format!(
            "{}{}",
            i18n.t("提交于 ", "Filed "),
            format::datetime(locale, at)
        ),
        (None, _) => format!(
            "{}{}",
            i18n.t("截止 ", "Due "),
            due_text(locale, report.due_at)
        ),
    }
}

/// Too long for the server ([`REPORT_TEXT_MAX`] characters), as the user should read it.
pub fn too_long(i18n: I18n, text: &str) -> Option<String> {
    let count = text.trim().chars().count();
    (count > REPORT_TEXT_MAX).then(|| match i18n.locale() {
        Locale::Zh => format!("最多 {REPORT_TEXT_MAX} 字，现有 {count} 字"),
        Locale::En => format!("At most {REPORT_TEXT_MAX} characters; this has {count}"),
    })
}

/// How a figure reads.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    Count(i64),
    Hours(f64),
    /// A share, 0–1.
    Share(f64),
}

impl Value {
    pub fn text(self) -> String {
        match self {
            Value::Count(n) => n.to_string(),
            Value::Hours(h) => format::number(h),
            Value::Share(s) => format!("{:.1}%", s * 100.0),
        }
    }

    /// The number a bar measures.
    pub fn amount(self) -> f64 {
        match self {
            Value::Count(n) => n as f64,
            Value::Hours(h) => h,
            Value::Share(s) => s,
        }
    }
}

/// One figure: a stable key (its test id), its names and its value.
#[derive(Clone, Debug, PartialEq)]
pub struct FigureRow {
    pub key: &'static str,
    pub zh: &'static str,
    pub en: &'static str,
    pub value: Value,
}

/// The figures of a month in the order and the words of the .xlsx template (数据汇总).
pub fn figure_rows(f: &MonthlyFigures) -> Vec<FigureRow> {
    let a = &f.attendance;
    let b = &f.backlog;
    let c = &f.cadres;
    let row = |key, zh, en, value| FigureRow { key, zh, en, value };
    vec![
        row("students", "学生数", "Students", Value::Count(f.students)),
        row(
            "active_students",
            "参与学生数",
            "Students taking part",
            Value::Count(f.active_students),
        ),
        row(
            "participation",
            "参与率",
            "Participation",
            Value::Share(f.participation()),
        ),
        row(
            "published",
            "发布活动数",
            "Activities published",
            Value::Count(f.published),
        ),
        row(
            "held",
            "举办活动数",
            "Activities held",
            Value::Count(f.held),
        ),
        row(
            "registrations",
            "报名人次",
            "Sign-ups",
            Value::Count(a.registrations),
        ),
        row(
            "attended",
            "签到人次",
            "Check-ins",
            Value::Count(a.attended),
        ),
        row("no_shows", "缺席人次", "No-shows", Value::Count(a.no_shows)),
        row(
            "attendance_rate",
            "出勤率",
            "Attendance",
            Value::Share(a.rate()),
        ),
        row(
            "points",
            "授予积分",
            "Points granted",
            Value::Count(f.total_points()),
        ),
        row(
            "hours",
            "认定时长（小时）",
            "Hours recognised",
            Value::Hours(f.total_hours()),
        ),
        row(
            "overdue",
            "逾期未认定活动",
            "Overdue recognitions",
            Value::Count(b.overdue_recognitions),
        ),
        row(
            "pending_makeups",
            "待审补签",
            "Make-ups waiting",
            Value::Count(b.pending_makeups),
        ),
        row("makeups", "补签人次", "Make-ups", Value::Count(b.makeups)),
        row(
            "backfills",
            "补录人次",
            "Back-fills",
            Value::Count(b.backfills),
        ),
        row(
            "cadres",
            "在任学生干部",
            "Cadres in office",
            Value::Count(c.positions),
        ),
        row(
            "appointed",
            "新任学生干部",
            "Cadres appointed",
            Value::Count(c.appointed),
        ),
        row(
            "assessed",
            "完成考核人次",
            "Cadres assessed",
            Value::Count(c.assessed),
        ),
        row(
            "rounds_approved",
            "通过考核批次",
            "Rounds approved",
            Value::Count(c.rounds_approved),
        ),
        row(
            "rounds_waiting",
            "待审考核批次",
            "Rounds waiting",
            Value::Count(c.rounds_waiting),
        ),
    ]
}

/// Horizontal bars comparing one figure: a row per name, each bar as long as its share of the
/// largest value.
#[component]
pub fn Bars(
    zh: &'static str,
    en: &'static str,
    /// The figure's key (its test id).
    figure: &'static str,
    /// (name, value) pairs, in the order shown.
    items: Vec<(String, Value)>,
) -> impl IntoView {
    let i18n = use_i18n();
    let max = items
        .iter()
        .map(|(_, v)| v.amount())
        .fold(0.0_f64, f64::max);
    view! {
        <figure class="report-bars" data-testid="bars" data-key=figure>
            <figcaption class="report-bars-title">{move || i18n.t(zh, en)}</figcaption>
            <ul class="report-bars-list">
                {items.into_iter().map(|(name, value)| {
                    let width = if max > 0.0 { value.amount() / max * 100.0 } else { 0.0 };
                    view! {
                        <li class="report-bars-row">
                            <span class="report-bars-name">{name}</span>
                            <span class="report-bars-track" aria-hidden="true">
                                <span class="report-bars-fill" style=format!("width: {width:.1}%")></span>
                            </span>
                            <span class="report-bars-value">{value.text()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </figure>
    }
}

/// What a download fetches.
#[derive(Clone, Debug, PartialEq)]
pub enum ReportFile {
    /// A college's report: its id, the college and the month (for the file's name).
    College {
        id: i64,
        organization: String,
        month: Month,
    },
    /// The school's report of a month.
    School(Month),
}

impl ReportFile {
    fn name(&self, format: ReportFormat) -> String {
        match self {
            ReportFile::College {
                organization,
                month,
                ..
            } => format!("工作月报-{organization}-{month}.{}", format.extension()),
            ReportFile::School(month) => format!("全校工作月报-{month}.{}", format.extension()),
        }
    }

    async fn fetch(&self, format: ReportFormat) -> Result<Vec<u8>, ApiError> {
        match self {
            ReportFile::College { id, .. } => api::monthly_report_file(*id, format).await,
            ReportFile::School(month) => api::school_report_file(*month, format).await,
        }
    }
}

/// The Excel and PDF buttons of a report: fetched with the session's token and saved; what
/// went wrong is said beside them.
#[component]
pub fn Downloads(file: ReportFile) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<ApiError>);
    let download = Action::new_local(move |format: &ReportFormat| {
        let (file, format) = (file.clone(), *format);
        async move {
            error.set(None);
            let saved = match file.fetch(format).await {
                Ok(bytes) => files::save_bytes(&file.name(format), format.mime(), &bytes)
                    .map_err(|e| ApiError::new(ErrorCode::Internal, e)),
                Err(e) => Err(e),
            };
            if let Err(e) = saved {
                error.set(Some(e));
            }
        }
    });
    let busy = download.pending();
    let button = move |format: ReportFormat, zh: &'static str, en: &'static str| {
        view! {
            <button class="btn btn-small" data-testid=format!("report-download-{}", format.extension())
                disabled=move || busy.get()
                on:click=move |_| { download.dispatch(format); }>
                {move || i18n.t(zh, en)}
            </button>
        }
    };
    view! {
        <div class="actions report-downloads" data-testid="report-downloads">
            {button(ReportFormat::Xlsx, "下载 Excel", "Download Excel")}
            {button(ReportFormat::Pdf, "下载 PDF", "Download PDF")}
            {move || busy.get().then(|| view! { <span class="muted small" role="status">{move || i18n.t("正在生成…", "Preparing…")}</span> })}
            {move || error.get().map(|e| view! { <span class="bad" role="alert" data-testid="report-download-error">{message(i18n, &e)}</span> })}
        </div>
    }
}
