//! A report as a workbook and as a PDF: the same rows, so the figures in the file are those on
//! the page.

use chrono::{DateTime, Utc};
use shared::{
    ErrorCode,
    insight::{MonthlyFigures, MonthlyReport, SchoolReport},
};

use crate::{
    AppState,
    error::AppError,
    insight::xlsx::{Cell, Sheet, Table},
    pdf::tables::{Block, TablesDoc},
};

fn local(at: DateTime<Utc>) -> String {
    at.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The figures of a month, as (label, value) rows in the template's order.
pub fn figure_rows(f: &MonthlyFigures) -> Vec<(&'static str, Cell)> {
    let a = &f.attendance;
    vec![
        ("学生数", Cell::Int(f.students)),
        ("参与学生数", Cell::Int(f.active_students)),
        ("参与率", Cell::Percent(f.participation())),
        ("发布活动数", Cell::Int(f.published)),
        ("举办活动数", Cell::Int(f.held)),
        ("报名人次", Cell::Int(a.registrations)),
        ("签到人次", Cell::Int(a.attended)),
        ("缺席人次", Cell::Int(a.no_shows)),
        ("出勤率", Cell::Percent(a.rate())),
        ("授予积分", Cell::Int(f.total_points())),
        ("认定时长（小时）", Cell::Num(f.total_hours())),
        ("逾期未认定活动", Cell::Int(f.backlog.overdue_recognitions)),
        ("待审补签", Cell::Int(f.backlog.pending_makeups)),
        ("补签人次", Cell::Int(f.backlog.makeups)),
        ("补录人次", Cell::Int(f.backlog.backfills)),
        ("在任学生干部", Cell::Int(f.cadres.positions)),
        ("新任学生干部", Cell::Int(f.cadres.appointed)),
        ("完成考核人次", Cell::Int(f.cadres.assessed)),
        ("通过考核批次", Cell::Int(f.cadres.rounds_approved)),
        ("待审考核批次", Cell::Int(f.cadres.rounds_waiting)),
    ]
}

fn text(cell: &Cell) -> String {
    match cell {
        Cell::Text(t) => t.clone(),
        Cell::Int(n) => n.to_string(),
        Cell::Num(n) => {
            let t = format!("{n:.2}");
            t.trim_end_matches('0').trim_end_matches('.').to_owned()
        }
        Cell::Percent(p) => format!("{:.1}%", p * 100.0),
    }
}

pub fn college_file_name(report: &MonthlyReport) -> String {
    format!(
        "工作月报-{}-{}",
        report.summary.organization, report.summary.month
    )
}

/// The college report's tables: figures (with points by category), activities, overdue items,
/// cadre work.
fn college_tables(report: &MonthlyReport) -> (Table, Table, Table, Table, Table) {
    let s = &report.summary;
    let c = &report.content;
    let mut figures = Table::new(
        format!(
            "{} {}工作月报（{} 至 {}）",
            s.organization,
            s.month.label(),
            report.period_from,
            report.period_to
        ),
        &["指标", "数值"],
    );
    for (label, value) in figure_rows(&c.figures) {
        figures.row(vec![label.into(), value]);
    }
    let mut points = Table::new(
        "分类积分",
        &["类别", "活动数", "积分", "时长（小时）", "记录数"],
    );
    for p in &c.figures.points {
        let held = c
            .figures
            .by_category
            .iter()
            .find(|f| f.key == p.category)
            .map_or(0, |f| f.value);
        points.row(vec![
            p.label.clone().into(),
            held.into(),
            p.points.into(),
            p.hours.into(),
            p.entries.into(),
        ]);
    }
    let mut activities = Table::new(
        "本月活动",
        &[
            "活动",
            "类别",
            "级别",
            "主办组织",
            "开始时间",
            "报名",
            "签到",
            "已认定",
        ],
    );
    for a in &c.activities {
        activities.row(vec![
            a.title.clone().into(),
            a.category.clone().into(),
            a.credit_level.clone().into(),
            a.organizer.clone().into(),
            local(a.starts_at).into(),
            a.registrations.into(),
            a.attended.into(),
            (if a.recognised { "是" } else { "否" }).into(),
        ]);
    }
    let mut overdue = Table::new(
        "逾期事项",
        &[
            "活动",
            "主办组织",
            "结束日期",
            "认定截止",
            "逾期工作日",
            "已申请补认定",
        ],
    );
    for o in &c.overdue {
        overdue.row(vec![
            o.title.clone().into(),
            o.organizer_name.clone().into(),
            o.ended_on.to_string().into(),
            o.due.to_string().into(),
            o.working_days_overdue.into(),
            (if o.awaiting_approval { "是" } else { "否" }).into(),
        ]);
    }
    let mut cadres = Table::new("干部考核", &["组织", "学期", "状态", "已评定", "在任职务"]);
    for r in &c.rounds {
        cadres.row(vec![
            r.organization.clone().into(),
            r.term_code.clone().into(),
            round_status(r.status).into(),
            r.graded.into(),
            r.positions.into(),
        ]);
    }
    (figures, points, activities, overdue, cadres)
}

fn round_status(status: shared::cadre::RoundStatus) -> &'static str {
    use shared::cadre::RoundStatus::*;
    match status {
        Draft => "评定中",
        Submitted => "待审核",
        Approved => "已通过",
        Returned => "已退回",
    }
}

fn filing(report: &MonthlyReport) -> Table {
    let s = &report.summary;
    let mut table = Table::new("报送情况", &["项目", "内容"]);
    table.row(vec!["生成时间".into(), local(s.frozen_at).into()]);
    table.row(vec!["截止时间".into(), local(s.due_at).into()]);
    table.row(vec![
        "状态".into(),
        (match (s.status, s.late) {
            (shared::insight::ReportStatus::Filed, false) => "已提交",
            (shared::insight::ReportStatus::Filed, true) => "已提交（逾期）",
            (_, true) => "逾期未提交",
            _ => "待提交",
        })
        .into(),
    ]);
    if let (Some(at), Some(by)) = (s.filed_at, &s.filed_by) {
        table.row(vec![
            "提交人".into(),
            format!("{by}（{}）", local(at)).into(),
        ]);
    }
    table.row(vec!["工作总结".into(), report.comments.clone().into()]);
    table
}

/// 数据汇总, 活动明细, 逾期事项, 干部工作.
pub fn college_sheets(report: &MonthlyReport) -> Vec<Sheet> {
    let (figures, points, activities, overdue, cadres) = college_tables(report);
    vec![
        Sheet {
            name: "数据汇总".into(),
            tables: vec![figures, points, filing(report)],
        },
        Sheet {
            name: "活动明细".into(),
            tables: vec![activities],
        },
        Sheet {
            name: "逾期事项".into(),
            tables: vec![overdue],
        },
        Sheet {
            name: "干部工作".into(),
            tables: vec![cadres],
        },
    ]
}

fn block(table: Table) -> Block {
    Block::Table {
        title: table.title,
        header: table.header,
        rows: table
            .rows
            .iter()
            .map(|r| r.iter().map(text).collect())
            .collect(),
    }
}

pub fn college_pdf(report: &MonthlyReport) -> TablesDoc {
    let (figures, points, activities, overdue, cadres) = college_tables(report);
    let s = &report.summary;
    TablesDoc {
        title: format!("{} {}工作月报", s.organization, s.month.label()),
        subtitle: format!("统计周期 {} 至 {}", report.period_from, report.period_to),
        blocks: vec![
            block(figures),
            block(points),
            Block::Text {
                title: "工作总结".into(),
                text: if report.comments.is_empty() {
                    "（未填写）".into()
                } else {
                    report.comments.clone()
                },
            },
            block(activities),
            block(overdue),
            block(cadres),
            block(filing(report)),
        ],
    }
}

/// The colleges side by side: a row per figure, a column per college.
fn comparison(report: &SchoolReport) -> Table {
    let mut header = vec!["指标"];
    header.extend(
        report
            .colleges
            .iter()
            .map(|c| c.report.organization.as_str()),
    );
    let mut table = Table::new(
        format!(
            "{}各学院数据对比（{} 至 {}）",
            report.month.label(),
            report.period_from,
            report.period_to
        ),
        &header,
    );
    let columns: Vec<Vec<(&'static str, Cell)>> = report
        .colleges
        .iter()
        .map(|c| figure_rows(&c.figures))
        .collect();
    let labels: Vec<&'static str> = figure_rows(&MonthlyFigures::default())
        .into_iter()
        .map(|(label, _)| label)
        .collect();
    for (i, label) in labels.iter().enumerate() {
        let mut row = vec![Cell::from(*label)];
        row.extend(columns.iter().map(|c| c[i].1.clone()));
        table.row(row);
    }
    table
}

fn submissions(report: &SchoolReport) -> Table {
    let mut table = Table::new("提交情况", &["学院", "状态", "提交人", "提交时间"]);
    for c in &report.colleges {
        let r = &c.report;
        let status = match (r.status, r.late) {
            (shared::insight::ReportStatus::Filed, false) => "已提交",
            (shared::insight::ReportStatus::Filed, true) => "已提交（逾期）",
            (_, true) => "逾期未提交",
            _ => "待提交",
        };
        table.row(vec![
            r.organization.clone().into(),
            status.into(),
            r.filed_by.clone().unwrap_or_default().into(),
            r.filed_at.map(local).unwrap_or_default().into(),
        ]);
    }
    table
}

fn comments(report: &SchoolReport) -> Table {
    let mut table = Table::new("学院工作总结", &["学院", "工作总结"]);
    for c in &report.colleges {
        table.row(vec![
            c.report.organization.clone().into(),
            c.comments.clone().into(),
        ]);
    }
    table
}

pub fn school_sheets(report: &SchoolReport) -> Vec<Sheet> {
    let mut analysis = Table::new(
        format!("{}全校工作月报", report.month.label()),
        &["项目", "内容"],
    );
    analysis.row(vec![
        "状态".into(),
        (if report.published_at.is_some() {
            "已发布"
        } else {
            "草稿"
        })
        .into(),
    ]);
    analysis.row(vec!["已提交学院".into(), Cell::Int(report.filed)]);
    analysis.row(vec!["逾期学院".into(), Cell::Int(report.late)]);
    analysis.row(vec!["分析".into(), report.analysis.clone().into()]);
    vec![
        Sheet {
            name: "学院对比".into(),
            tables: vec![comparison(report)],
        },
        Sheet {
            name: "提交情况".into(),
            tables: vec![submissions(report)],
        },
        Sheet {
            name: "分析".into(),
            tables: vec![analysis, comments(report)],
        },
    ]
}

pub fn school_pdf(report: &SchoolReport) -> TablesDoc {
    // A4 portrait fits the label and about six colleges a table: more are split.
    let mut blocks = vec![Block::Text {
        title: "分析".into(),
        text: if report.analysis.is_empty() {
            "（未填写）".into()
        } else {
            report.analysis.clone()
        },
    }];
    blocks.push(block(submissions(report)));
    let all = comparison(report);
    let per = 5;
    for (part, start) in (1..all.header.len()).step_by(per).enumerate() {
        let end = (start + per).min(all.header.len());
        let mut header = vec![all.header[0].clone()];
        header.extend(all.header[start..end].iter().cloned());
        blocks.push(Block::Table {
            title: if part == 0 {
                all.title.clone()
            } else {
                format!("{}（续）", all.title)
            },
            header,
            rows: all
                .rows
                .iter()
                .map(|r| {
                    let mut cells = vec![text(&r[0])];
                    cells.extend(r[start..end].iter().map(text));
                    cells
                })
                .collect(),
        });
    }
    blocks.push(block(comments(report)));
    TablesDoc {
        title: format!("{}全校工作月报", report.month.label()),
        subtitle: format!("统计周期 {} 至 {}", report.period_from, report.period_to),
        blocks,
    }
}

/// Renders on a PDF slot, off the async threads.
pub async fn render(state: &AppState, doc: TablesDoc) -> Result<Vec<u8>, AppError> {
    let fonts = state.pdf.clone().ok_or_else(|| {
        AppError::new(
            ErrorCode::ServiceUnavailable,
            "PDFs are unavailable: no CJK font is installed on the server",
        )
    })?;
    let _slot = state
        .pdf_renders
        .acquire()
        .await
        .map_err(|_| AppError::Internal("the render slots are closed".into()))?;
    tokio::task::spawn_blocking(move || crate::pdf::tables::render(&fonts, &doc))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(AppError::Internal)
}
