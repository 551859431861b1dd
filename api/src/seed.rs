//! `api seed-demo`: loads the demo university — 示范大学 with its league committee, four
//! colleges, three school-level organisations, clubs, main and sub-accounts, a few hundred
//! students and a dozen instructors. Idempotent: once loaded, nothing is changed.

use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;
use shared::{auth::AccountKind, organization::OrgKind, school::School};

use crate::{
    auth::password::hash_blocking,
    db::{self, accounts::NewAccount, audit::Change},
};

/// Every demo account signs in with this password.
pub const DEMO_PASSWORD: &str = "Demo@2026";

/// A demo account, printed as `role<TAB>username<TAB>password` for scripts.
pub struct DemoAccount {
    pub role: &'static str,
    pub username: String,
    pub password: String,
}

/// What a seeding run did.
pub struct SeedReport {
    pub school_created: bool,
    pub university_created: bool,
    pub accounts: Vec<DemoAccount>,
}

pub fn demo_school() -> School {
    School {
        name: "示范大学".to_owned(),
        name_en: "Demonstration University".to_owned(),
        league_committee: "共青团示范大学委员会".to_owned(),
        timezone: "Asia/Shanghai".to_owned(),
    }
}

/// (code, name, kind, parent code, majors)
const ORGANIZATIONS: &[(&str, &str, OrgKind, &str, &[&str])] = &[
    (
        "cs",
        "计算机学院团委",
        OrgKind::College,
        "tw",
        &["计算机科学与技术", "软件工程", "人工智能"],
    ),
    (
        "em",
        "经济管理学院团委",
        OrgKind::College,
        "tw",
        &["会计学", "金融学", "工商管理"],
    ),
    (
        "fl",
        "外国语学院团委",
        OrgKind::College,
        "tw",
        &["英语", "日语", "翻译"],
    ),
    (
        "me",
        "机械工程学院团委",
        OrgKind::College,
        "tw",
        &["机械设计制造及其自动化", "车辆工程"],
    ),
    ("su", "校学生会", OrgKind::SchoolOrg, "tw", &[]),
    ("media", "新媒体中心", OrgKind::SchoolOrg, "tw", &[]),
    ("yva", "青年志愿者协会", OrgKind::SchoolOrg, "tw", &[]),
    ("acm", "程序设计协会", OrgKind::Club, "cs", &[]),
    ("oss", "开源软件社", OrgKind::Club, "cs", &[]),
    ("startup", "创新创业协会", OrgKind::Club, "em", &[]),
    ("debate", "英语辩论社", OrgKind::Club, "fl", &[]),
    ("robotics", "机器人协会", OrgKind::Club, "me", &[]),
    ("photo", "摄影协会", OrgKind::Club, "media", &[]),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "潘", "袁", "蔡", "蒋", "余", "欧阳", "司马",
];
const GIVEN: &[&str] = &[
    "子涵", "浩然", "梓萱", "宇轩", "欣怡", "俊杰", "雨桐", "思远", "佳怡", "子墨", "一诺", "嘉懿",
    "明轩", "诗涵", "晨曦", "博文", "若汐", "天佑", "婉清", "泽宇", "可欣", "志强", "静怡", "文博",
    "雅琪", "家豪", "梦琪", "俊熙", "紫萱", "晓东", "丽娜", "海洋", "小雨", "建华", "秀英", "伟",
    "芳", "敏", "静", "磊", "洋", "艳", "勇", "军",
];

/// A small deterministic generator: the same demo every time.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next() as usize % items.len()]
    }
}

fn demo_accounts() -> Vec<DemoAccount> {
    [
        ("school_admin", "admin"),
        ("college_admin", "cs_admin"),
        ("college_admin", "em_admin"),
        ("club_admin", "acm_admin"),
        ("sub_account", "cs_publisher"),
        ("sub_account", "cs_reports"),
        ("student", "2023010101"),
        ("student", "2024020101"),
        ("student", "S2024010001"),
        ("instructor", "T2015001"),
    ]
    .into_iter()
    .map(|(role, username)| DemoAccount {
        role,
        username: username.to_owned(),
        password: DEMO_PASSWORD.to_owned(),
    })
    .collect()
}

pub async fn seed_demo(conn: &mut AsyncPgConnection) -> db::Result<SeedReport> {
    crate::cache::REFERENCE_WRITES.bump();
    let school_created = db::school::insert_if_absent(conn, &demo_school()).await?;
    let university_created = if db::organizations::root(conn).await?.is_none() {
        // One hash for every demo account: Argon2id is deliberately slow.
        let hash = hash_blocking(DEMO_PASSWORD);
        conn.transaction(async |conn| load_university(conn, &hash).await)
            .await?;
        true
    } else {
        false
    };
    Ok(SeedReport {
        school_created,
        university_created,
        accounts: demo_accounts(),
    })
}

/// A demo account; organisation accounts are main accounts unless changed.
fn account<'a>(
    username: &'a str,
    display_name: &'a str,
    hash: &'a str,
    kind: AccountKind,
    org: i64,
) -> NewAccount<'a> {
    NewAccount {
        username,
        display_name,
        password_hash: hash,
        kind: kind.as_str(),
        organization_id: org,
        is_main: kind == AccountKind::Organization,
        permissions: vec![],
        must_change_password: false,
        created_by: None,
        updated_by: None,
    }
}

async fn load_university(conn: &mut AsyncPgConnection, hash: &str) -> db::Result<()> {
    let root = db::organizations::insert(
        conn,
        db::organizations::NewOrg {
            parent_id: None,
            kind: OrgKind::School.as_str(),
            code: "tw",
            name: "校团委",
            path: vec![],
            created_by: None,
            updated_by: None,
        },
    )
    .await?;
    db::accounts::insert(
        conn,
        &account("admin", "校团委", hash, AccountKind::Organization, root.id),
    )
    .await?;

    let mut ids: Vec<(&str, i64)> = vec![("tw", root.id)];
    for (code, name, kind, parent, _) in ORGANIZATIONS {
        let parent_id = ids.iter().find(|(c, _)| c == parent).map(|(_, id)| *id);
        let row = db::organizations::insert(
            conn,
            db::organizations::NewOrg {
                parent_id,
                kind: kind.as_str(),
                code,
                name,
                path: vec![],
                created_by: None,
                updated_by: None,
            },
        )
        .await?;
        let username = format!("{code}_admin");
        db::accounts::insert(
            conn,
            &account(&username, name, hash, AccountKind::Organization, row.id),
        )
        .await?;
        ids.push((code, row.id));
    }
    let org = |code: &str| {
        ids.iter()
            .find(|(c, _)| *c == code)
            .map(|(_, id)| *id)
            .unwrap_or(root.id)
    };

    // Sub-accounts with limited permissions.
    let mut publisher = account(
        "cs_publisher",
        "计算机学院团委·宣传部",
        hash,
        AccountKind::Organization,
        org("cs"),
    );
    publisher.is_main = false;
    publisher.permissions = vec!["publish_activities".into(), "record_attendance".into()];
    db::accounts::insert(conn, &publisher).await?;
    let mut reports = account(
        "cs_reports",
        "计算机学院团委·办公室",
        hash,
        AccountKind::Organization,
        org("cs"),
    );
    reports.is_main = false;
    reports.permissions = vec!["view_reports".into()];
    db::accounts::insert(conn, &reports).await?;
    let mut su_sub = account(
        "su_office",
        "校学生会·办公室",
        hash,
        AccountKind::Organization,
        org("su"),
    );
    su_sub.is_main = false;
    su_sub.permissions = vec!["publish_activities".into(), "review_activities".into()];
    db::accounts::insert(conn, &su_sub).await?;

    // Instructors (指导老师).
    let mut rng = Lcg(20261128);
    let colleges = ["cs", "em", "fl", "me"];
    let titles = ["讲师", "副教授", "教授", "辅导员"];
    for i in 0..12 {
        let username = format!("T2015{:03}", i + 1);
        let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
        let id = db::accounts::insert(
            conn,
            &account(
                &username,
                &name,
                hash,
                AccountKind::Staff,
                org(colleges[i % 4]),
            ),
        )
        .await?;
        db::seed::staff(conn, id, titles[i % titles.len()]).await?;
    }

    // Students: undergraduates of four years and graduates, in every college.
    let mut count = 0;
    for (college_no, (code, _, _, _, majors)) in ORGANIZATIONS
        .iter()
        .filter(|o| o.2 == OrgKind::College)
        .enumerate()
    {
        for year in 2022..=2025 {
            for class in 1..=2 {
                let major = majors[(class - 1) % majors.len()];
                let class_name = format!(
                    "{}{}{:02}",
                    major.chars().take(2).collect::<String>(),
                    year % 100,
                    class
                );
                for seq in 1..=8 {
                    let student_no = format!("{year}{:02}{class:02}{seq:02}", college_no + 1);
                    insert_student(
                        conn,
                        &mut rng,
                        hash,
                        org(code),
                        &student_no,
                        major,
                        &class_name,
                        year,
                        "undergraduate",
                    )
                    .await?;
                    count += 1;
                }
            }
        }
        for year in 2024..=2025 {
            for seq in 1..=6 {
                let student_no = format!("S{year}{:02}{seq:04}", college_no + 1);
                let class_name = format!("研{}级", year % 100);
                insert_student(
                    conn,
                    &mut rng,
                    hash,
                    org(code),
                    &student_no,
                    majors[0],
                    &class_name,
                    year,
                    "graduate",
                )
                .await?;
                count += 1;
            }
        }
    }
    db::audit::record(
        conn,
        None,
        Change {
            organization_id: Some(root.id),
            action: "demo.seed",
            target_type: "organization",
            target_id: root.id.to_string(),
            details: json!({"organizations": ids.len(), "students": count, "staff": 12}),
        },
    )
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_student(
    conn: &mut AsyncPgConnection,
    rng: &mut Lcg,
    hash: &str,
    college: i64,
    student_no: &str,
    major: &str,
    class_name: &str,
    year: i32,
    degree: &str,
) -> db::Result<()> {
    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
    let id = db::accounts::insert(
        conn,
        &account(student_no, &name, hash, AccountKind::Student, college),
    )
    .await?;
    let phone = rng
        .next()
        .is_multiple_of(3)
        .then(|| format!("13{:09}", rng.next() % 1_000_000_000));
    let student = db::seed::Student {
        major,
        class_name,
        enrolment_year: year,
        degree,
        phone: phone.as_deref(),
    };
    db::seed::student(conn, id, &student).await
}

/// One finalised activity of the demo history.
struct PastActivity {
    organizer: &'static str,
    title: &'static str,
    category: &'static str,
    credit_level: &'static str,
    /// Ends on this day (Asia/Shanghai), at 17:00.
    ends_on: (i32, u32, u32),
    /// Colleges whose students take part (codes); empty: every college.
    colleges: &'static [&'static str],
    /// Roughly one student in `one_in` takes part.
    one_in: u64,
    hours: Option<f64>,
    achievement: Option<&'static str>,
}

const HISTORY: &[PastActivity] = &[
    PastActivity {
        organizer: "cs",
        title: "人工智能前沿讲座",
        category: "lecture",
        credit_level: "college",
        ends_on: (2025, 10, 15),
        colleges: &["cs"],
        one_in: 2,
        hours: None,
        achievement: None,
    },
    PastActivity {
        organizer: "acm",
        title: "校程序设计竞赛",
        category: "competition",
        credit_level: "school",
        ends_on: (2025, 11, 30),
        colleges: &["cs"],
        one_in: 4,
        hours: None,
        achievement: Some("校程序设计竞赛2025"),
    },
    PastActivity {
        organizer: "yva",
        title: "社区敬老志愿服务",
        category: "volunteer",
        credit_level: "school",
        ends_on: (2026, 3, 21),
        colleges: &[],
        one_in: 3,
        hours: Some(4.0),
        achievement: None,
    },
    PastActivity {
        organizer: "su",
        title: "校园十佳歌手大赛",
        category: "arts_sports",
        credit_level: "school",
        ends_on: (2026, 4, 18),
        colleges: &[],
        one_in: 5,
        hours: None,
        achievement: None,
    },
    PastActivity {
        organizer: "em",
        title: "创业计划书写作讲座",
        category: "lecture",
        credit_level: "college",
        ends_on: (2026, 5, 12),
        colleges: &["em"],
        one_in: 2,
        hours: None,
        achievement: None,
    },
    PastActivity {
        organizer: "cs",
        title: "暑期“三下乡”社会实践",
        category: "practice",
        credit_level: "college",
        ends_on: (2026, 7, 20),
        colleges: &["cs", "me"],
        one_in: 4,
        hours: Some(40.0),
        achievement: None,
    },
    PastActivity {
        organizer: "fl",
        title: "外语文化节",
        category: "arts_sports",
        credit_level: "college",
        ends_on: (2026, 9, 26),
        colleges: &["fl"],
        one_in: 2,
        hours: None,
        achievement: None,
    },
    PastActivity {
        organizer: "acm",
        title: "ICPC 区域赛选拔赛",
        category: "competition",
        credit_level: "college",
        ends_on: (2026, 10, 25),
        colleges: &["cs"],
        one_in: 5,
        hours: None,
        achievement: Some("ICPC2026"),
    },
    PastActivity {
        organizer: "yva",
        title: "城市马拉松志愿服务",
        category: "volunteer",
        credit_level: "school",
        ends_on: (2026, 11, 8),
        colleges: &[],
        one_in: 3,
        hours: Some(6.0),
        achievement: None,
    },
    PastActivity {
        organizer: "media",
        title: "新媒体技能培训",
        category: "training",
        credit_level: "school",
        ends_on: (2026, 11, 15),
        colleges: &[],
        one_in: 6,
        hours: None,
        achievement: None,
    },
];

/// A year of finalised activities with results, recognised through the ledger exactly as the
/// organisers' finalisation does. Runs once: skipped when any ledger entry exists.
pub async fn seed_history(conn: &mut AsyncPgConnection) -> db::Result<usize> {
    if db::seed::ledger_entries(conn).await? > 0 {
        return Ok(0);
    }
    let people = db::seed::students_with_college(conn).await?;
    let awards = ["first", "second", "third", "honourable", "participation"];
    conn.transaction::<_, db::Error, _>(async |conn| {
        for (index, past) in HISTORY.iter().enumerate() {
            let (organizer, account) = db::seed::main_account(conn, past.organizer).await?;
            let (y, m, d) = past.ends_on;
            let ends = format!("{y:04}-{m:02}-{d:02} 17:00:00+08");
            let activity = db::seed::past_activity(
                conn,
                &db::seed::PastActivity {
                    organizer,
                    title: past.title,
                    category: past.category,
                    credit_level: past.credit_level,
                    ends: &ends,
                    by: account,
                },
            )
            .await?;
            let mut rng = Lcg(0x5eed_0000 + index as u64);
            for student in &people {
                if !(past.colleges.is_empty() || past.colleges.contains(&student.1.as_str())) {
                    continue;
                }
                if !rng.next().is_multiple_of(past.one_in) {
                    continue;
                }
                let (award, level, role) = if past.category == "competition" {
                    let award = awards[(rng.next() % awards.len() as u64) as usize];
                    let level = if award == "participation" {
                        None
                    } else {
                        Some(past.credit_level)
                    };
                    (
                        Some(award).filter(|_| level.is_some()),
                        level,
                        Some(if rng.next().is_multiple_of(3) {
                            "member"
                        } else {
                            "leader"
                        }),
                    )
                } else {
                    (None, None, None)
                };
                let result = db::seed::PastResult {
                    activity,
                    student: student.0,
                    hours: past.hours,
                    role,
                    award,
                    level,
                    achievement: past.achievement,
                    by: account,
                };
                db::seed::past_result(conn, &result).await?;
            }
            crate::cache::STANDINGS_WRITES.bump();
            db::points::recognise_activity(conn, activity, account, Some(account)).await?;
        }
        awaiting_backfill(conn, &people).await?;
        db::seed::assign_instructors(conn).await?;
        cadres_and_practice(conn).await
    })
    .await?;
    Ok(HISTORY.len())
}

/// The work reports of the two latest months due at `now`, each frozen at 00:00 on its 28th:
/// 计算机学院 filed both on time (by `cs_reports`), 经济管理学院 the earlier one late, the
/// others the earlier one on time; the latest month waits for the other colleges, late. The
/// committee published its report of the earlier month. Once: months frozen before are left.
pub async fn seed_reports(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, crate::error::AppError> {
    use crate::reports::freeze;
    use shared::insight::Month;
    let today = now.with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let latest = Month::latest_due(today);
    let mut frozen = 0;
    for month in [latest.previous(), latest] {
        let at = db::insight::Span::days(month.report_day(), month.report_day()).starts;
        if !freeze::freeze(conn, month, at).await? {
            continue;
        }
        frozen += 1;
        let earlier = month < latest;
        db::seed::file_reports(conn, month.first_day(), earlier).await?;
    }
    if frozen > 0 {
        db::seed::publish_school_report(conn, latest.previous().first_day()).await?;
    }
    Ok(frozen)
}

/// A minimal PDF standing for a practice team's report in the demo.
const DEMO_REPORT: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n\
2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n\
3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n\
trailer<</Root 1 0 R>>\n%%EOF\n";

/// 计算机学院's cadres: last year's positions, assessed in 2025-2026-2 and approved by the
/// committee, this year's positions waiting for this term's round; a summer practice team
/// certified with its report, and the committee's cadre training.
async fn cadres_and_practice(conn: &mut AsyncPgConnection) -> db::Result<()> {
    use shared::{
        cadre::{NewPosition, RoundStatus},
        practice::{MemberInput, MemberRole, NewPracticeRecord, PracticeKind},
        rules::{CadreLevel, Grade},
    };
    let (cs, cs_account) = db::seed::main_account(conn, "cs").await?;
    let (tw, tw_account) = db::seed::main_account(conn, "tw").await?;
    let types = db::cadres::position_types(conn).await?;
    let type_id = |code: &str| {
        types
            .iter()
            .find(|(_, t)| t.code == code)
            .map(|(id, _)| *id)
    };
    let terms = db::points::terms(conn).await?;
    let Some(last_term) = terms.iter().find(|t| t.code == "2025-2026-2") else {
        return Ok(());
    };
    let cadres: [(&str, &str, &str, Grade); 6] = [
        ("2023010101", "学生会主席", "presidium", Grade::Excellent),
        (
            "2023010102",
            "学生会宣传部部长",
            "minister",
            Grade::Competent,
        ),
        (
            "2023010103",
            "学生会学习部部长",
            "minister",
            Grade::Competent,
        ),
        ("2023010104", "学生会宣传部干事", "officer", Grade::Fair),
        (
            "2023010105",
            "学生会学习部干事",
            "officer",
            Grade::Competent,
        ),
        ("2023010201", "班长", "monitor", Grade::Competent),
    ];
    let round = db::cadres::insert_round(conn, cs, last_term.id, cs_account).await?;
    let mut students = Vec::new();
    for (no, title, kind, grade) in cadres {
        let (Some((student, _)), Some(type_id)) = (
            db::attendance::student_by_number(conn, no).await?,
            type_id(kind),
        ) else {
            continue;
        };
        students.push(student);
        let class_name = if kind == "monitor" {
            Some(db::points::student(conn, student).await?.class_name)
        } else {
            None
        };
        let level = if kind == "monitor" {
            CadreLevel::Class
        } else {
            CadreLevel::College
        };
        for (starts, ends, appointment) in [
            ("2025-09-01", "2026-08-31", "计院团字〔2025〕8号"),
            ("2026-09-01", "2027-06-30", "计院团字〔2026〕9号"),
        ] {
            let input = NewPosition {
                student_no: no.to_owned(),
                organization_id: cs,
                title: title.to_owned(),
                position_type: kind.to_owned(),
                level: Some(level),
                class_name: class_name.clone(),
                starts_on: starts.parse().expect("a date"),
                ends_on: ends.parse().expect("a date"),
                appointment_no: Some(appointment.to_owned()),
            };
            let values = db::cadres::PositionValues {
                organization_id: cs,
                student_id: student,
                position_type_id: type_id,
                level,
                input: &input,
            };
            let id = db::cadres::insert(conn, &values, cs_account).await?;
            if starts.starts_with("2025") {
                let comment = (grade == Grade::Excellent).then_some("组织迎新晚会与学风建设月");
                db::cadres::set_grade(conn, round, id, Some(grade), comment, cs_account).await?;
            }
        }
    }
    db::cadres::set_status(conn, round, RoundStatus::Submitted, cs_account, None).await?;
    db::cadres::set_status(conn, round, RoundStatus::Approved, tw_account, None).await?;

    let member = |no: &str, role, hours: Option<f64>, reason: Option<&str>| MemberInput {
        student_no: no.to_owned(),
        role,
        hours,
        hours_reason: reason.map(str::to_owned),
    };
    let team = NewPracticeRecord {
        kind: PracticeKind::Practice,
        organization_id: cs,
        name: "“青春护航乡村振兴”暑期三下乡实践团".to_owned(),
        topic: "乡村中小学信息化教学调研与支教".to_owned(),
        place: "江西省赣州市于都县".to_owned(),
        instructors: "王建国、李敏".to_owned(),
        starts_on: "2026-07-10".parse().expect("a date"),
        ends_on: "2026-07-16".parse().expect("a date"),
        hours: None,
        members: vec![
            member("2023010101", MemberRole::Leader, None, None),
            member("2023010102", MemberRole::Member, None, None),
            member(
                "2023010103",
                MemberRole::Member,
                Some(40.0),
                Some("中途返校参加竞赛两天"),
            ),
        ],
    };
    let training = NewPracticeRecord {
        kind: PracticeKind::Training,
        organization_id: tw,
        name: "学生干部能力提升培训".to_owned(),
        topic: "团学工作规范与活动策划".to_owned(),
        place: "大学生活动中心".to_owned(),
        instructors: "校团委".to_owned(),
        starts_on: "2026-10-10".parse().expect("a date"),
        ends_on: "2026-10-11".parse().expect("a date"),
        hours: Some(6.0),
        members: [
            "2023010101",
            "2023010102",
            "2023010103",
            "2023010104",
            "2023010105",
        ]
        .into_iter()
        .map(|no| member(no, MemberRole::Member, None, None))
        .collect(),
    };
    for (record, by) in [(team, cs_account), (training, tw_account)] {
        let mut members = Vec::new();
        for m in &record.members {
            if let Some((id, _)) = db::attendance::student_by_number(conn, &m.student_no).await? {
                members.push((id, m.role, m.hours, m.hours_reason.clone()));
                students.push(id);
            }
        }
        let id = db::practice::save(conn, None, &record, &members, by).await?;
        if record.kind == PracticeKind::Practice {
            db::practice::set_report(
                conn,
                id,
                "三下乡实践报告.pdf",
                "application/pdf",
                DEMO_REPORT,
                by,
            )
            .await?;
        }
        db::practice::certify(conn, id, by).await?;
    }
    let book = db::points::RuleBook::load(conn).await?;
    db::points::refresh_all(conn, &students, &book, tw_account, Some(tw_account)).await?;
    Ok(())
}

/// A club competition recognised late and naming a student who did not sign up: its
/// finalisation is a back-fill that waits for the college (成绩补录认定, on 补录申请).
async fn awaiting_backfill(
    conn: &mut AsyncPgConnection,
    people: &[(i64, String)],
) -> db::Result<()> {
    let (acm, club) = db::seed::main_account(conn, "acm").await?;
    let (cs, _) = db::seed::main_account(conn, "cs").await?;
    let mut of_cs = people.iter().filter(|p| p.1 == "cs").map(|p| p.0);
    let (Some(signed_up), Some(stand_in)) = (of_cs.next(), of_cs.next()) else {
        return Ok(());
    };
    let activity = db::seed::unrecognised_activity(
        conn,
        &db::seed::PastActivity {
            organizer: acm,
            title: "网络安全攻防赛",
            category: "competition",
            credit_level: "club",
            ends: "2026-10-10 17:00:00+08",
            by: club,
        },
    )
    .await?;
    db::seed::confirmed_place(conn, activity, signed_up).await?;
    db::seed::past_result(
        conn,
        &db::seed::PastResult {
            activity,
            student: signed_up,
            hours: None,
            role: Some("leader"),
            award: Some("second"),
            level: Some("college"),
            achievement: None,
            by: club,
        },
    )
    .await?;
    db::seed::backfill_result(
        conn,
        activity,
        stand_in,
        "临时替补上场，主办方名单为证",
        club,
    )
    .await?;
    db::recognition_requests::create(
        conn,
        activity,
        &[
            shared::attendance::RecognitionGround::Late,
            shared::attendance::RecognitionGround::NonParticipants,
        ],
        "获奖名单由主办方十一月底才公布",
        cs,
        club,
    )
    .await?;
    Ok(())
}

/// The demo's seal: a red ring and star (shapes only, so no font is needed to store it).
const DEMO_SEAL: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200" viewBox="0 0 200 200"><circle cx="100" cy="100" r="92" fill="none" stroke="#d0021b" stroke-width="8"/><circle cx="100" cy="100" r="80" fill="none" stroke="#d0021b" stroke-width="2"/><polygon points="100,52 111,86 147,86 118,107 129,141 100,120 71,141 82,107 53,86 89,86" fill="#d0021b"/></svg>"##;

/// A certificate of each kind, with the committee's and 计算机学院's templates: the club's
/// award certificates for its programming contest, the committee's volunteer-hour cards over
/// the history, 计算机学院's appointment letters for the positions held today and an honour
/// (优秀共青团员) for two of its students. Once: nothing is done if any certificate exists.
pub async fn seed_certificates(
    conn: &mut AsyncPgConnection,
    base_url: &str,
) -> Result<usize, crate::error::AppError> {
    use shared::certificate::{CertificateKind, IssueSource, TemplateDesign};
    if db::seed::has_certificates(conn).await? {
        return Ok(0);
    }
    let contest = db::seed::recognised_activity(conn, "校程序设计竞赛").await?;
    let today = db::points::today();
    let mut issued = 0;
    let (tw, tw_account) = db::seed::main_account(conn, "tw").await?;
    let (cs, cs_account) = db::seed::main_account(conn, "cs").await?;
    let (acm, acm_account) = db::seed::main_account(conn, "acm").await?;
    let seal_for = async |conn: &mut AsyncPgConnection, org: i64, by: i64| {
        db::certificates::insert_seal(
            conn,
            org,
            "image/svg+xml",
            DEMO_SEAL.as_bytes(),
            (200, 200),
            by,
        )
        .await
        .map(|s| s.id)
    };
    let tw_seal = seal_for(conn, tw, tw_account).await?;
    let cs_seal = seal_for(conn, cs, cs_account).await?;
    /// (organisation, its account, the issuer printed, kind, seal, what to issue).
    type Plan = (
        i64,
        i64,
        &'static str,
        CertificateKind,
        Option<i64>,
        Option<IssueSource>,
    );
    let plan: [Plan; 4] = [
        (
            acm,
            acm_account,
            "计算机学院ACM协会",
            CertificateKind::Award,
            None,
            contest.map(|id| IssueSource::Award {
                activity_id: id,
                student_nos: None,
            }),
        ),
        (
            tw,
            tw_account,
            "共青团示范大学委员会",
            CertificateKind::Volunteer,
            Some(tw_seal),
            Some(IssueSource::Volunteer {
                from: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).expect("a date"),
                to: today,
                student_nos: None,
            }),
        ),
        (
            cs,
            cs_account,
            "共青团计算机学院委员会",
            CertificateKind::Appointment,
            Some(cs_seal),
            Some(IssueSource::Appointment { position_ids: None }),
        ),
        (
            cs,
            cs_account,
            "共青团计算机学院委员会",
            CertificateKind::Honour,
            Some(cs_seal),
            Some(IssueSource::Honour {
                honour: "优秀共青团员".to_owned(),
                term_id: None,
                student_nos: vec!["2023010101".to_owned(), "2023010102".to_owned()],
            }),
        ),
    ];
    for (org, account, issuer, kind, seal, source) in plan {
        let mut design = TemplateDesign::standard(kind, issuer);
        design.seal_id = seal;
        let id = db::certificates::insert_template(conn, org, kind, &design, account).await?;
        let info = db::certificates::template(conn, id)
            .await?
            .ok_or(db::Error::NotFound("template"))?;
        if let Some(source) = source {
            match crate::certificates::issue_with(conn, account, &info, &source, base_url, today)
                .await
            {
                Ok(outcome) => issued += outcome.issued,
                // No current term (an honour) or nothing recognised yet: the template stays.
                Err(error) => tracing::info!(%error, ?kind, "demo certificates skipped"),
            }
        }
    }
    Ok(issued)
}

/// The committee's open anonymous survey of every student — published (each student notified)
/// three days before `now`, open for two more weeks, answered by a quarter of the students but
/// the demo accounts — and ratings of the three most recent past activities. Once: skipped
/// when any survey exists.
pub async fn seed_surveys(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> db::Result<usize> {
    use shared::survey::{NewSurvey, Question, QuestionKind, SurveyTarget, TargetKind};
    if db::surveys::any(conn).await? {
        return Ok(0);
    }
    let (root, account) = db::seed::main_account(conn, "tw").await?;
    let question = |kind, title: &str, required, options: &[&str]| Question {
        kind,
        title: title.to_owned(),
        required,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
    };
    let survey = NewSurvey {
        organization_id: root,
        title: "第二课堂活动满意度调查（2026年秋季学期）".to_owned(),
        description: "匿名填写，结果仅用于改进活动组织，约需两分钟。".to_owned(),
        anonymous: true,
        opens_at: now - chrono::Duration::days(3),
        closes_at: now + chrono::Duration::days(14),
        target: SurveyTarget {
            kind: TargetKind::Organization,
            organization_id: root,
            year: None,
            activity_id: None,
        },
        questions: vec![
            question(
                QuestionKind::Single,
                "你对本学期第二课堂活动的总体满意度？",
                true,
                &["非常满意", "满意", "一般", "不满意"],
            ),
            question(
                QuestionKind::Multiple,
                "你最常参加哪些类型的活动？",
                true,
                &["报告讲座", "志愿服务", "竞赛", "文体活动", "创新创业"],
            ),
            question(QuestionKind::Stars, "活动组织与签到体验评分", true, &[]),
            question(
                QuestionKind::Nps,
                "你向同学推荐第二课堂活动的可能性有多大？",
                false,
                &[],
            ),
            question(QuestionKind::Text, "你对第二课堂还有什么建议？", false, &[]),
        ],
    };
    conn.transaction::<_, db::Error, _>(async |conn| {
        let id = db::surveys::save(conn, None, &survey, account).await?;
        db::surveys::publish(
            conn,
            id,
            account,
            &survey.title,
            "校团委邀请你填写问卷（匿名），两周后截止。",
        )
        .await?;
        let spare = ["2023010101", "2024020101", "S2024010001", "2023010102"];
        let answers = db::surveys::seed_answers(conn, id, 4, &spare).await?;
        db::surveys::seed_evaluations(conn, 3).await?;
        Ok(answers)
    })
    .await
}

/// The demo's live activities, placed relative to `now` so that a visitor finds something to
/// do on the day the demo starts: open for sign-up across categories and levels (one with a
/// form, one by lottery, one by review), one under way with check-in open, three waiting for
/// review (at the college, and at the school after the college), one whose results wait for
/// recognition and one overdue. Run again on a later day, it moves the same activities (found
/// by organiser and title) to the new dates: nothing is duplicated, sign-ups and check-ins
/// are kept, and whatever was recognised meanwhile stays as it is. Answers how many.
pub async fn seed_live(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<chrono::Utc>,
) -> db::Result<usize> {
    use db::seed::LiveActivity;
    use serde_json::json;
    let people = db::seed::students_with_college(conn).await?;
    let demo: Vec<i64> = {
        let mut ids = Vec::new();
        for username in ["2023010101", "2024020101", "S2024010001"] {
            ids.extend(db::seed::account_id(conn, username).await?);
        }
        ids
    };
    let of = |college: &str, skip: usize, n: usize| -> Vec<i64> {
        people
            .iter()
            .filter(|p| p.1 == college && !demo.contains(&p.0))
            .skip(skip)
            .take(n)
            .map(|p| p.0)
            .collect()
    };
    let (tw, tw_account) = db::seed::main_account(conn, "tw").await?;
    let (cs, cs_account) = db::seed::main_account(conn, "cs").await?;
    let (em, em_account) = db::seed::main_account(conn, "em").await?;
    let (acm, acm_account) = db::seed::main_account(conn, "acm").await?;
    let (su, su_account) = db::seed::main_account(conn, "su").await?;
    let base = |organizer: i64, by: i64, title: &'static str| LiveActivity {
        organizer,
        by,
        title,
        category: "lecture",
        credit_level: "college",
        place: "学术交流中心报告厅",
        capacity: Some(120),
        enrolment_mode: "first_come",
        fields: json!([]),
        opens: -72,
        closes: 96,
        starts: 120,
        ends: 122,
        status: "published",
        review_chain: vec![],
        review_step: 0,
    };
    conn.transaction::<_, db::Error, _>(async |conn| {
        let mut count = 0;
        // Open for sign-up.
        let lecture = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                place: "信息楼 101 报告厅",
                ..base(cs, cs_account, "人工智能前沿讲座：大模型与科研")
            },
        )
        .await?;
        db::seed::live_registrations(conn, lecture, &of("cs", 0, 36), "confirmed").await?;
        let volunteer = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                category: "volunteer",
                credit_level: "school",
                place: "阳光社区服务中心",
                capacity: Some(40),
                fields: json!([
                    {"key": "slot", "label": "服务时段", "kind": "single_choice", "required": true,
                     "options": ["周六上午", "周六下午", "周日上午"]},
                    {"key": "phone", "label": "联系电话", "kind": "phone", "required": true,
                     "help": "仅用于活动当天联系"}
                ]),
                closes: 144,
                starts: 192,
                ends: 196,
                ..base(tw, tw_account, "社区支教志愿者招募")
            },
        )
        .await?;
        db::seed::live_registrations(conn, volunteer, &of("em", 0, 12), "confirmed").await?;
        let contest = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                category: "innovation",
                credit_level: "school",
                place: "大学生创业园",
                capacity: Some(30),
                enrolment_mode: "lottery",
                closes: 72,
                starts: 240,
                ends: 248,
                ..base(tw, tw_account, "“创青春”创新创业大赛校内选拔")
            },
        )
        .await?;
        db::seed::live_registrations(conn, contest, &of("me", 0, 24), "pending").await?;
        let sharing = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                category: "practice",
                place: "经管楼 204",
                capacity: Some(50),
                enrolment_mode: "review",
                closes: 120,
                starts: 168,
                ends: 171,
                ..base(em, em_account, "红色研学社会实践分享会")
            },
        )
        .await?;
        db::seed::live_registrations(conn, sharing, &of("em", 12, 8), "pending").await?;
        let camp = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                category: "training",
                credit_level: "club",
                place: "实验楼 B305",
                capacity: Some(25),
                closes: 48,
                starts: 72,
                ends: 75,
                ..base(acm, acm_account, "ACM 算法训练营：动态规划专题")
            },
        )
        .await?;
        db::seed::live_registrations(conn, camp, &of("cs", 36, 21), "confirmed").await?;
        count += 5;
        // Under way, check-in open: the organiser's home links its projector screen.
        let now_on = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                category: "arts_sports",
                place: "大学生活动中心多功能厅",
                capacity: Some(200),
                opens: -168,
                closes: -2,
                starts: 0,
                ends: 2,
                ..base(cs, cs_account, "新生团日活动：青春心向党")
            },
        )
        .await?;
        db::seed::open_checkin(conn, now_on).await?;
        let present = of("cs", 10, 28);
        let mut registered = present.clone();
        registered.extend(of("cs", 38, 12));
        registered.extend(demo.iter().take(1));
        db::seed::live_registrations(conn, now_on, &registered, "confirmed").await?;
        db::seed::live_checkins(conn, now_on, &present).await?;
        count += 1;
        // Waiting for review: at the college, at the school after the college, at the school.
        for (organizer, by, title, level, chain, step) in [
            (
                acm,
                acm_account,
                "ACM 新生程序设计赛",
                "college",
                vec![cs],
                0,
            ),
            (
                acm,
                acm_account,
                "ACM 程序设计邀请赛",
                "school",
                vec![cs, tw],
                1,
            ),
            (
                em,
                em_account,
                "经管学院职业生涯规划大赛",
                "school",
                vec![tw],
                0,
            ),
        ] {
            db::seed::live_activity(
                conn,
                now,
                &LiveActivity {
                    category: "competition",
                    credit_level: level,
                    status: "submitted",
                    review_chain: chain,
                    review_step: step,
                    opens: 24,
                    closes: 240,
                    starts: 336,
                    ends: 342,
                    ..base(organizer, by, title)
                },
            )
            .await?;
            count += 1;
        }
        // Results recorded, waiting for recognition; one of the demo students did not come.
        let sports = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                category: "volunteer",
                place: "东区体育场",
                capacity: Some(60),
                opens: -240,
                closes: -48,
                starts: -30,
                ends: -24,
                ..base(su, su_account, "校运会志愿服务")
            },
        )
        .await?;
        let helpers = of("fl", 0, 30);
        let mut signed = helpers.clone();
        signed.extend(demo.get(1));
        db::seed::live_registrations(conn, sports, &signed, "confirmed").await?;
        db::seed::open_checkin(conn, sports).await?;
        db::seed::live_checkins(conn, sports, &helpers).await?;
        db::seed::live_results(conn, sports, &helpers, 6.0, su_account).await?;
        // Overdue: ended five weeks ago, nothing recognised.
        let reading = db::seed::live_activity(
            conn,
            now,
            &LiveActivity {
                place: "图书馆三楼研讨室",
                capacity: Some(40),
                opens: -1200,
                closes: -850,
                starts: -842,
                ends: -840,
                ..base(em, em_account, "经典读书分享会")
            },
        )
        .await?;
        db::seed::live_registrations(conn, reading, &of("em", 20, 15), "confirmed").await?;
        count += 2;
        crate::cache::ACTIVITY_WRITES.bump();
        Ok(count)
    })
    .await
}
