//! Students and staff: an account (`accounts`, kind `student` or `staff`) with its details row
//! (`students` or `staff`). A student's college and a staff member's organisation are the
//! account's `organization_id`; lists are limited to a subtree by that organisation's path.

use super::Result;
use chrono::{DateTime, Utc};
use diesel::{
    prelude::*,
    sql_types::{Array, BigInt, Integer, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use shared::{
    auth::AccountKind,
    page::PageRequest,
    people::{Degree, Staff, Student},
};

use super::{
    accounts::NewAccount,
    lower, prepared,
    schema::{accounts, organizations, staff, students},
};

/// Rows per multi-row INSERT: PostgreSQL takes at most 65,535 bind parameters per statement.
const INSERT_CHUNK: usize = 1_000;

use super::pattern::containing;

// --- students -------------------------------------------------------------------------------

/// A student with the path of their college, for the subtree check.
pub struct StudentRecord {
    pub student: Student,
    pub college_path: Vec<i64>,
}

type StudentColumns = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    i32,
    String,
    Option<String>,
    bool,
    DateTime<Utc>,
    Vec<i64>,
);

fn student_record(
    (
        id,
        student_no,
        name,
        college_id,
        college_name,
        major,
        class_name,
        enrolment_year,
        degree,
        phone,
        active,
        updated_at,
        college_path,
    ): StudentColumns,
) -> StudentRecord {
    StudentRecord {
        student: Student {
            id,
            student_no,
            name,
            college_id,
            college_name,
            major,
            class_name,
            enrolment_year,
            // The table's CHECK constraint admits only the two wire names.
            degree: Degree::parse(&degree).unwrap_or(Degree::Undergraduate),
            phone,
            active,
            updated_at,
        },
        college_path,
    }
}

/// Which students to list.
pub struct StudentFilter {
    /// Students whose college lies in this organisation's subtree.
    pub within: i64,
    /// Name or student number containing this text.
    pub search: Option<String>,
    pub college_id: Option<i64>,
    pub enrolment_year: Option<i32>,
    pub degree: Option<Degree>,
    pub class_name: Option<String>,
    pub include_inactive: bool,
}

/// One page of students, ordered by student number, and how many match in all.
pub async fn list_students(
    conn: &mut AsyncPgConnection,
    filter: &StudentFilter,
    page: PageRequest,
) -> Result<(Vec<Student>, u64)> {
    let query = || {
        let mut query = students::table
            .inner_join(accounts::table.inner_join(organizations::table))
            .filter(organizations::path.contains(vec![filter.within]))
            .into_boxed();
        if !filter.include_inactive {
            query = query.filter(accounts::active.eq(true));
        }
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let pattern = containing(search);
            query = query.filter(
                accounts::display_name
                    .ilike(pattern.clone())
                    .or(accounts::username.ilike(pattern)),
            );
        }
        if let Some(college_id) = filter.college_id {
            query = query.filter(accounts::organization_id.eq(college_id));
        }
        if let Some(year) = filter.enrolment_year {
            query = query.filter(students::enrolment_year.eq(year));
        }
        if let Some(degree) = filter.degree {
            query = query.filter(students::degree.eq(degree.as_str()));
        }
        if let Some(class_name) = filter
            .class_name
            .as_deref()
            .filter(|c| !c.trim().is_empty())
        {
            query = query.filter(students::class_name.eq(class_name.trim().to_owned()));
        }
        query
    };
    let total: i64 = query().count().get_result(conn).await?;
    let rows: Vec<StudentColumns> = query()
        .order(accounts::username)
        .offset(page.offset())
        .limit(page.limit())
        .select(student_columns())
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|row| student_record(row).student)
        .collect();
    Ok((items, total.max(0) as u64))
}

/// What [`student_columns`] selects, in [`StudentColumns`] order.
type StudentSelection = (
    accounts::id,
    accounts::username,
    accounts::display_name,
    accounts::organization_id,
    organizations::college_name,
    students::major,
    students::class_name,
    students::enrolment_year,
    students::degree,
    students::phone,
    accounts::active,
    accounts::updated_at,
    organizations::path,
);

const fn student_columns() -> StudentSelection {
    (
        accounts::id,
        accounts::username,
        accounts::display_name,
        accounts::organization_id,
        organizations::college_name,
        students::major,
        students::class_name,
        students::enrolment_year,
        students::degree,
        students::phone,
        accounts::active,
        accounts::updated_at,
        organizations::path,
    )
}

/// A student by account id (`None` for any other kind of account).
pub async fn student(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<StudentRecord>> {
    let row: Option<StudentColumns> = students::table
        .inner_join(accounts::table.inner_join(organizations::table))
        .filter(students::account_id.eq(id))
        .select(student_columns())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(student_record))
}

/// A student's details row, beside their account.
#[derive(Insertable)]
#[diesel(table_name = students)]
pub struct StudentDetails {
    pub account_id: i64,
    pub major: String,
    pub class_name: String,
    pub enrolment_year: i32,
    pub degree: &'static str,
    pub phone: Option<String>,
}

/// Inserts the account and its details; answers the account id.
pub async fn insert_student(
    conn: &mut AsyncPgConnection,
    account: &NewAccount<'_>,
    mut details: StudentDetails,
) -> Result<i64> {
    let id = super::accounts::insert(conn, account).await?;
    details.account_id = id;
    diesel::insert_into(students::table)
        .values(&details)
        .execute(conn)
        .await?;
    Ok(id)
}

/// Changes of a student's details; `None` fields are left as they are.
#[derive(AsChangeset, Default)]
#[diesel(table_name = students)]
pub struct StudentChanges {
    pub major: Option<String>,
    pub class_name: Option<String>,
    pub enrolment_year: Option<i32>,
    pub degree: Option<&'static str>,
    pub phone: Option<Option<String>>,
}

impl StudentChanges {
    fn is_empty(&self) -> bool {
        self.major.is_none()
            && self.class_name.is_none()
            && self.enrolment_year.is_none()
            && self.degree.is_none()
            && self.phone.is_none()
    }
}

pub async fn update_student(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &StudentChanges,
) -> Result<()> {
    if !changes.is_empty() {
        diesel::update(students::table.find(id))
            .set(changes)
            .execute(conn)
            .await?;
    }
    Ok(())
}

// --- staff ----------------------------------------------------------------------------------

/// A staff member with the path of their organisation, for the subtree check.
pub struct StaffRecord {
    pub staff: Staff,
    pub organization_path: Vec<i64>,
}

type StaffColumns = (
    i64,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    bool,
    Vec<i64>,
);

fn staff_record(
    (
        id,
        staff_no,
        name,
        organization_id,
        organization_name,
        title,
        phone,
        active,
        organization_path,
    ): StaffColumns,
) -> StaffRecord {
    StaffRecord {
        staff: Staff {
            id,
            staff_no,
            name,
            organization_id,
            organization_name,
            title,
            phone,
            active,
        },
        organization_path,
    }
}

const fn staff_columns() -> (
    accounts::id,
    accounts::username,
    accounts::display_name,
    accounts::organization_id,
    organizations::name,
    staff::title,
    staff::phone,
    accounts::active,
    organizations::path,
) {
    (
        accounts::id,
        accounts::username,
        accounts::display_name,
        accounts::organization_id,
        organizations::name,
        staff::title,
        staff::phone,
        accounts::active,
        organizations::path,
    )
}

/// Which staff members to list.
pub struct StaffFilter {
    /// Staff whose organisation lies in this organisation's subtree.
    pub within: i64,
    /// Name or staff number containing this text.
    pub search: Option<String>,
    pub organization_id: Option<i64>,
    pub include_inactive: bool,
}

/// One page of staff, ordered by staff number, and how many match in all.
pub async fn list_staff(
    conn: &mut AsyncPgConnection,
    filter: &StaffFilter,
    page: PageRequest,
) -> Result<(Vec<Staff>, u64)> {
    let query = || {
        let mut query = staff::table
            .inner_join(accounts::table.inner_join(organizations::table))
            .filter(organizations::path.contains(vec![filter.within]))
            .into_boxed();
        if !filter.include_inactive {
            query = query.filter(accounts::active.eq(true));
        }
        if let Some(search) = filter.search.as_deref().filter(|s| !s.trim().is_empty()) {
            let pattern = containing(search);
            query = query.filter(
                accounts::display_name
                    .ilike(pattern.clone())
                    .or(accounts::username.ilike(pattern)),
            );
        }
        if let Some(organization_id) = filter.organization_id {
            query = query.filter(accounts::organization_id.eq(organization_id));
        }
        query
    };
    let total: i64 = query().count().get_result(conn).await?;
    let rows: Vec<StaffColumns> = query()
        .order(accounts::username)
        .offset(page.offset())
        .limit(page.limit())
        .select(staff_columns())
        .load(conn)
        .await?;
    let items = rows
        .into_iter()
        .map(|row| staff_record(row).staff)
        .collect();
    Ok((items, total.max(0) as u64))
}

/// A staff member by account id (`None` for any other kind of account).
pub async fn staff_member(conn: &mut AsyncPgConnection, id: i64) -> Result<Option<StaffRecord>> {
    let row: Option<StaffColumns> = staff::table
        .inner_join(accounts::table.inner_join(organizations::table))
        .filter(staff::account_id.eq(id))
        .select(staff_columns())
        .first(conn)
        .await
        .optional()?;
    Ok(row.map(staff_record))
}

/// A staff member's details row, beside their account.
#[derive(Insertable)]
#[diesel(table_name = staff)]
pub struct StaffDetails {
    pub account_id: i64,
    pub title: Option<String>,
    pub phone: Option<String>,
}

/// Inserts the account and its details; answers the account id.
pub async fn insert_staff(
    conn: &mut AsyncPgConnection,
    account: &NewAccount<'_>,
    mut details: StaffDetails,
) -> Result<i64> {
    let id = super::accounts::insert(conn, account).await?;
    details.account_id = id;
    diesel::insert_into(staff::table)
        .values(&details)
        .execute(conn)
        .await?;
    Ok(id)
}

/// Changes of a staff member's details; `Some(None)` clears a field.
#[derive(AsChangeset, Default)]
#[diesel(table_name = staff)]
pub struct StaffChanges {
    pub title: Option<Option<String>>,
    pub phone: Option<Option<String>>,
}

pub async fn update_staff(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &StaffChanges,
) -> Result<()> {
    if changes.title.is_some() || changes.phone.is_some() {
        diesel::update(staff::table.find(id))
            .set(changes)
            .execute(conn)
            .await?;
    }
    Ok(())
}

// --- bulk, for imports ----------------------------------------------------------------------

/// A stored account that an imported number names, with whatever details it has.
pub struct Existing {
    pub id: i64,
    pub username: String,
    pub kind: AccountKind,
    pub display_name: String,
    pub organization_id: i64,
    pub organization_path: Vec<i64>,
    /// (major, class_name, enrolment_year, degree, phone) of a student.
    pub student: Option<(String, String, i32, String, Option<String>)>,
    /// (title, phone) of a staff member.
    pub staff: Option<(Option<String>, Option<String>)>,
}

type ExistingColumns = (
    i64,
    String,
    String,
    String,
    i64,
    Vec<i64>,
    Option<(String, String, i32, String, Option<String>)>,
    Option<(Option<String>, Option<String>)>,
);

/// The accounts with these names (compared case-insensitively), in one query.
pub async fn by_usernames(
    conn: &mut AsyncPgConnection,
    usernames: &[String],
) -> Result<Vec<Existing>> {
    let lowered: Vec<String> = usernames.iter().map(|u| u.to_lowercase()).collect();
    let rows: Vec<ExistingColumns> = accounts::table
        .inner_join(organizations::table)
        .left_join(students::table)
        .left_join(staff::table)
        .filter(lower(accounts::username).eq_any(&lowered))
        .select((
            accounts::id,
            accounts::username,
            accounts::kind,
            accounts::display_name,
            accounts::organization_id,
            organizations::path,
            (
                students::major,
                students::class_name,
                students::enrolment_year,
                students::degree,
                students::phone,
            )
                .nullable(),
            (staff::title, staff::phone).nullable(),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, username, kind, display_name, organization_id, path, student, staff)| Existing {
                id,
                username,
                kind: AccountKind::parse(&kind).unwrap_or(AccountKind::Organization),
                display_name,
                organization_id,
                organization_path: path,
                student,
                staff,
            },
        )
        .collect())
}

/// Which of these names are taken (compared case-insensitively), lowercased.
pub async fn taken_usernames(
    conn: &mut AsyncPgConnection,
    usernames: &[String],
) -> Result<Vec<String>> {
    let lowered: Vec<String> = usernames.iter().map(|u| u.to_lowercase()).collect();
    Ok(accounts::table
        .filter(lower(accounts::username).eq_any(&lowered))
        .select(lower(accounts::username))
        .load(conn)
        .await?)
}

/// How many of these accounts are of `kind` with an organisation in `within`'s subtree.
pub async fn count_within(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    kind: AccountKind,
    within: i64,
) -> Result<usize> {
    let count: i64 = accounts::table
        .inner_join(organizations::table)
        .filter(accounts::id.eq_any(ids))
        .filter(accounts::kind.eq(kind.as_str()))
        .filter(organizations::path.contains(vec![within]))
        .count()
        .get_result(conn)
        .await?;
    Ok(count.max(0) as usize)
}

/// Inserts many accounts with multi-row INSERTs; answers (id, username) of each.
pub async fn insert_accounts(
    conn: &mut AsyncPgConnection,
    new: &[NewAccount<'_>],
) -> Result<Vec<(i64, String)>> {
    let mut inserted = Vec::with_capacity(new.len());
    for chunk in new.chunks(INSERT_CHUNK) {
        let ids: Vec<(i64, String)> = diesel::insert_into(accounts::table)
            .values(chunk)
            .returning((accounts::id, accounts::username))
            .get_results(conn)
            .await?;
        inserted.extend(ids);
    }
    Ok(inserted)
}

pub async fn insert_student_details(
    conn: &mut AsyncPgConnection,
    details: &[StudentDetails],
) -> Result<()> {
    for chunk in details.chunks(INSERT_CHUNK) {
        diesel::insert_into(students::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn insert_staff_details(
    conn: &mut AsyncPgConnection,
    details: &[StaffDetails],
) -> Result<()> {
    for chunk in details.chunks(INSERT_CHUNK) {
        diesel::insert_into(staff::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Sets name and organisation of many accounts in one statement.
pub async fn update_accounts(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    names: &[String],
    organizations: &[i64],
    by: i64,
) -> Result<usize> {
    Ok(prepared::sql(
        "UPDATE accounts a SET display_name = u.name, organization_id = u.org, \
         updated_at = now(), updated_by = $4 \
         FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS u(id, name, org) \
         WHERE a.id = u.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(names)
    .bind::<Array<BigInt>, _>(organizations)
    .bind::<BigInt, _>(by)
    .execute(conn)
    .await?)
}

/// One student's details as an import sets them; a `None` phone leaves the stored one.
pub struct StudentUpdate {
    pub account_id: i64,
    pub major: String,
    pub class_name: String,
    pub enrolment_year: i32,
    pub degree: &'static str,
    pub phone: Option<String>,
}

/// Sets the details of many students in one statement.
pub async fn update_student_details(
    conn: &mut AsyncPgConnection,
    rows: &[StudentUpdate],
) -> Result<usize> {
    let ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let majors: Vec<&str> = rows.iter().map(|r| r.major.as_str()).collect();
    let classes: Vec<&str> = rows.iter().map(|r| r.class_name.as_str()).collect();
    let years: Vec<i32> = rows.iter().map(|r| r.enrolment_year).collect();
    let degrees: Vec<&str> = rows.iter().map(|r| r.degree).collect();
    let phones: Vec<Option<&str>> = rows.iter().map(|r| r.phone.as_deref()).collect();
    Ok(prepared::sql(
        "UPDATE students s SET major = u.major, class_name = u.class_name, \
         enrolment_year = u.enrolment_year, degree = u.degree, phone = coalesce(u.phone, s.phone) \
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[]) \
         AS u(id, major, class_name, enrolment_year, degree, phone) \
         WHERE s.account_id = u.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(majors)
    .bind::<Array<Text>, _>(classes)
    .bind::<Array<Integer>, _>(years)
    .bind::<Array<Text>, _>(degrees)
    .bind::<Array<Nullable<Text>>, _>(phones)
    .execute(conn)
    .await?)
}

/// One staff member's details as an import sets them; `None` leaves the stored value.
pub struct StaffUpdate {
    pub account_id: i64,
    pub title: Option<String>,
    pub phone: Option<String>,
}

/// Sets the details of many staff members in one statement.
pub async fn update_staff_details(
    conn: &mut AsyncPgConnection,
    rows: &[StaffUpdate],
) -> Result<usize> {
    let ids: Vec<i64> = rows.iter().map(|r| r.account_id).collect();
    let titles: Vec<Option<&str>> = rows.iter().map(|r| r.title.as_deref()).collect();
    let phones: Vec<Option<&str>> = rows.iter().map(|r| r.phone.as_deref()).collect();
    Ok(prepared::sql(
        "UPDATE staff s SET title = coalesce(u.title, s.title), phone = coalesce(u.phone, s.phone) \
         FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, title, phone) \
         WHERE s.account_id = u.id",
    )
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Nullable<Text>>, _>(titles)
    .bind::<Array<Nullable<Text>>, _>(phones)
    .execute(conn)
    .await?)
}

/// A student's intake year and degree (as stored), if the account is a student.
pub async fn intake(conn: &mut AsyncPgConnection, account: i64) -> Result<Option<(i32, String)>> {
    Ok(students::table
        .find(account)
        .select((students::enrolment_year, students::degree))
        .first(conn)
        .await
        .optional()?)
}
