//! A transcript document laid out like the paper it is printed on: the school, the title, the
//! student, the sections with their subtotals, the requirement table and the totals. The
//! student's preview and the public verification page show the same document this way.

use leptos::prelude::*;
use shared::transcript::{CadreLine, Section, TranscriptDoc, TranscriptEntry, TranscriptStyle};

use crate::{
    format,
    i18n::{I18n, Locale, use_i18n},
    labels::{self, CategoryNames},
};

/// The document as paper. `names` names the requirement's categories (the document carries
/// the names of the categories it has entries in only).
#[component]
pub fn TranscriptPaper(doc: TranscriptDoc, names: CategoryNames) -> impl IntoView {
    let i18n = use_i18n();
    let names = names.with_document(&doc);
    let TranscriptDoc {
        school_name,
        title,
        style,
        student,
        sections,
        progress,
        total_points,
        total_hours,
        serial,
        cadre,
        ..
    } = doc;
    let degree = student.degree;
    let empty = sections.is_empty();
    let requirement = (!progress.is_empty()).then(|| {
        let rows = progress
            .into_iter()
            .map(|row| {
                let name = names.clone();
                let code = row.category.clone();
                let total = code == "total";
                view! {
                    <tr class:paper-total-row=total data-category=row.category data-met=row.met.to_string()>
                        <th scope="row">{move || name.name(i18n, &code)}</th>
                        <td class="num">{row.required.to_string()}</td>
                        <td class="num">{row.earned.to_string()}</td>
                        <td class="paper-met" class:good=row.met class:bad=!row.met>
                            {move || if row.met { i18n.t("✓ 已达标", "✓ Met") } else { i18n.t("未达标", "Not met") }}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section class="paper-section" data-testid="paper-requirement">
                <h3 class="paper-section-head"><span>{move || i18n.t("毕业要求", "Graduation requirement")}</span></h3>
                <table class="paper-table">
                    <thead><tr>
                        <th scope="col">{move || i18n.t("类别", "Category")}</th>
                        <th scope="col" class="num">{move || i18n.t("要求", "Required")}</th>
                        <th scope="col" class="num">{move || i18n.t("已获", "Earned")}</th>
                        <th scope="col">{move || i18n.t("状态", "Status")}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
        }
    });
    view! {
        <article class="paper" data-testid="transcript-paper" data-style=style.as_str()>
            <header class="paper-head">
                <p class="paper-school" data-testid="paper-school">{school_name}</p>
                <h2 class="paper-title">{title}</h2>
                <p class="paper-style">{move || labels::transcript_style(i18n, style)}</p>
            </header>
            <dl class="paper-student" data-testid="paper-student">
                <div><dt>{move || i18n.t("姓名", "Name")}</dt><dd data-testid="paper-name">{student.name}</dd></div>
                <div><dt>{move || i18n.t("学号", "Student no.")}</dt><dd class="num">{student.student_no}</dd></div>
                <div class="paper-wide"><dt>{move || i18n.t("学院", "College")}</dt><dd>{student.college}</dd></div>
                <div class="paper-wide"><dt>{move || i18n.t("专业", "Major")}</dt><dd>{student.major}</dd></div>
                <div><dt>{move || i18n.t("班级", "Class")}</dt><dd>{student.class_name}</dd></div>
                <div><dt>{move || i18n.t("入学年份", "Intake")}</dt><dd class="num">{student.enrolment_year}</dd></div>
                <div><dt>{move || i18n.t("学历层次", "Degree")}</dt><dd>{move || labels::degree(i18n, degree)}</dd></div>
                {(!serial.is_empty()).then(|| view! {
                    <div class="paper-wide"><dt>{move || i18n.t("编号", "Serial")}</dt><dd class="code paper-serial">{serial.clone()}</dd></div>
                })}
            </dl>
            {empty.then(|| view! {
                <p class="paper-empty muted" data-testid="paper-empty">{move || i18n.t(
                    "暂无已认定的第二课堂记录。",
                    "No recognised second-classroom record yet.",
                )}</p>
            })}
            {sections.into_iter().map(|section| view! { <PaperSection section=section style=style /> }).collect_view()}
            {(!cadre.is_empty()).then(|| view! { <CadreSection lines=cadre /> })}
            {requirement}
            <footer class="paper-totals" data-testid="paper-totals">
                <div>
                    <span class="muted">{move || i18n.t("积分合计", "Total points")}</span>
                    <strong data-testid="paper-total-points">{total_points.to_string()}</strong>
                </div>
                <div>
                    <span class="muted">{move || i18n.t("累计时长", "Total hours")}</span>
                    <strong>{move || hours(i18n, total_hours)}</strong>
                </div>
            </footer>
        </article>
    }
}

fn hours(i18n: I18n, hours: f64) -> String {
    match i18n.locale() {
        Locale::Zh => format!("{} 小时", format::number(hours)),
        Locale::En => format!("{} h", format::number(hours)),
    }
}

#[component]
fn PaperSection(section: Section, style: TranscriptStyle) -> impl IntoView {
    let i18n = use_i18n();
    let Section {
        title,
        entries,
        points,
        hours: section_hours,
    } = section;
    view! {
        <section class="paper-section" data-testid="paper-section">
            <h3 class="paper-section-head">
                <span>{title}</span>
                <span class="paper-subtotal">
                    {move || i18n.t("小计 ", "Subtotal ")}<strong>{points.to_string()}</strong>
                    {move || i18n.t(" 分", " pts")}
                    {(section_hours > 0.0).then(|| view! { " · " {move || hours(i18n, section_hours)} })}
                </span>
            </h3>
            <ol class="paper-rows">
                {entries.into_iter().map(|entry| view! { <PaperRow entry=entry style=style /> }).collect_view()}
            </ol>
        </section>
    }
}

/// 党团学干部经历, as the PDF prints it after the sections: each position with its
/// organisation, tenure and the grades of its approved assessments.
#[component]
fn CadreSection(lines: Vec<CadreLine>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section class="paper-section" data-testid="paper-cadre">
            <h3 class="paper-section-head">
                <span>{move || i18n.t("党团学干部经历", "Student cadre positions")}</span>
            </h3>
            <ol class="paper-rows">
                {lines.into_iter().map(|line| {
                    let assessed = !line.grades.is_empty();
                    view! {
                        <li class="paper-row paper-cadre-row" data-testid="paper-cadre-line">
                            <span class="paper-date num">{line.tenure}</span>
                            <span class="paper-item">
                                <span class="paper-item-title">{line.title}</span>
                                <span class="paper-item-meta">{line.organization}</span>
                            </span>
                            <span class="paper-grades">
                                {if assessed {
                                    line.grades.into_any()
                                } else {
                                    view! { <span class="muted">{move || i18n.t("尚无考核结果", "Not assessed yet")}</span> }.into_any()
                                }}
                            </span>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}

#[component]
fn PaperRow(entry: TranscriptEntry, style: TranscriptStyle) -> impl IntoView {
    let i18n = use_i18n();
    // What the grouping does not already say.
    let mut meta = vec![entry.detail.clone()];
    match style {
        TranscriptStyle::ByCategory => meta.push(entry.term_name.clone()),
        TranscriptStyle::ByTerm | TranscriptStyle::ByMethod => {
            meta.push(entry.category_name.clone())
        }
    }
    let meta = meta
        .into_iter()
        .filter(|m| !m.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    let entry_hours = entry.hours;
    view! {
        <li class="paper-row">
            <span class="paper-date num">{entry.date.clone()}</span>
            <span class="paper-item">
                <span class="paper-item-title">{entry.title.clone()}</span>
                <span class="paper-item-meta">{meta}</span>
            </span>
            <span class="paper-hours num">{move || if entry_hours > 0.0 { hours(i18n, entry_hours) } else { String::new() }}</span>
            <span class="paper-points num">{entry.points.to_string()}</span>
        </li>
    }
}
