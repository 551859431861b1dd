//! `api seed-demo`: loads the demo university — 示范大学 with its league committee, four
//! colleges, three school-level organisations, clubs, main and sub-accounts, a few hundred
//! students and a dozen instructors. Idempotent: once loaded, nothing is changed.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::json;
use shared::{auth::AccountKind, org::OrgKind, school::School};

use crate::{
    auth::password::hash_blocking,
    db::{
        self,
        accounts::NewAccount,
        audit::Change,
        schema::{staff, students},
    },
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

pub async fn seed_demo(conn: &mut AsyncPgConnection) -> diesel::QueryResult<SeedReport> {
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

async fn load_university(conn: &mut AsyncPgConnection, hash: &str) -> diesel::QueryResult<()> {
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
        diesel::insert_into(staff::table)
            .values((
                staff::account_id.eq(id),
                staff::title.eq(titles[i % titles.len()]),
            ))
            .execute(conn)
            .await?;
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
) -> diesel::QueryResult<()> {
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
    diesel::insert_into(students::table)
        .values((
            students::account_id.eq(id),
            students::major.eq(major),
            students::class_name.eq(class_name),
            students::enrolment_year.eq(year),
            students::degree.eq(degree),
            students::phone.eq(phone),
        ))
        .execute(conn)
        .await?;
    Ok(())
}
