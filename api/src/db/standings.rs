//! Who stands where: a leaderboard scope's size, a student's rank in it and its top rows (read
//! from `standings`, which the ledger keeps in step), and the students of a subtree with their
//! points per category (for the students behind the requirement).
//!
//! A scope is a college and an intake, each optional; its filters are constant SQL fragments
//! with the values bound, so each scope shape is one prepared statement.

use super::Result;
use diesel::{
    prelude::*,
    sql_types::{BigInt, Integer, Nullable, Text},
};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::prepared;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// SQL filters of a leaderboard scope: on `standings` ($2 college, $3 year) and on
/// `accounts a JOIN students s` ($1 college, $2 year). Constant fragments, values bound.
fn scope_sql(college: Option<i64>, year: Option<i32>) -> (String, String) {
    let mut standings = String::new();
    let mut people = String::new();
    if college.is_some() {
        standings.push_str(" AND college_id = $2");
        people.push_str(" AND a.organization_id = $1");
    } else {
        standings.push_str(" AND $2 = $2");
        people.push_str(" AND $1 = $1");
    }
    if year.is_some() {
        standings.push_str(" AND enrolment_year = $3");
        people.push_str(" AND s.enrolment_year = $2");
    } else {
        standings.push_str(" AND $3 = $3");
        people.push_str(" AND $2 = $2");
    }
    (standings, people)
}

/// How many active students a scope has (counting every one: a slow read at 50,000 students,
/// which callers keep for a while).
pub async fn students_in_scope(
    conn: &mut AsyncPgConnection,
    college: Option<i64>,
    year: Option<i32>,
) -> Result<i64> {
    let (_, count_sql) = scope_sql(college, year);
    let of: Count = prepared::sql(format!(
        "SELECT count(*) AS n FROM accounts a JOIN students s ON s.account_id = a.id
             WHERE a.kind = 'student' AND a.active {count_sql}"
    ))
    .bind::<BigInt, _>(college.unwrap_or(0))
    .bind::<Integer, _>(year.unwrap_or(0))
    .get_result(conn)
    .await?;
    Ok(of.n)
}

/// How many in the scope have more than `points` in the term (0: over all terms).
pub async fn above(
    conn: &mut AsyncPgConnection,
    term_id: i64,
    college: Option<i64>,
    year: Option<i32>,
    points: i64,
) -> Result<i64> {
    let (rank_sql, _) = scope_sql(college, year);
    let above: Count = prepared::sql(format!(
        "SELECT count(*) AS n FROM standings WHERE term_id = $1 AND points > $4 {rank_sql}"
    ))
    .bind::<BigInt, _>(term_id)
    .bind::<BigInt, _>(college.unwrap_or(0))
    .bind::<Integer, _>(year.unwrap_or(0))
    .bind::<BigInt, _>(points)
    .get_result(conn)
    .await?;
    Ok(above.n)
}

/// One of a leaderboard's top rows.
#[derive(QueryableByName)]
pub struct BoardRow {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub college: String,
    #[diesel(sql_type = Integer)]
    pub enrolment_year: i32,
}

/// The scope's `limit` top rows in the term (0: over all terms), most points first.
///
/// Takes the connection shared, so it can be pipelined with [`mine`] on the same connection.
pub async fn top(
    mut conn: &AsyncPgConnection,
    term_id: i64,
    college: Option<i64>,
    year: Option<i32>,
    limit: i64,
) -> Result<Vec<BoardRow>> {
    let (filter, _) = scope_sql(college, year);
    let rows = prepared::sql(format!(
        "SELECT st.student_id, st.points, a.display_name, a.username, o.college_name AS college,
                    st.enrolment_year
             FROM (SELECT student_id, points, college_id, enrolment_year FROM standings
                   WHERE term_id = $1 {filter}
                   ORDER BY points DESC, student_id LIMIT $4) st
             JOIN accounts a ON a.id = st.student_id
             JOIN organizations o ON o.id = st.college_id
             ORDER BY st.points DESC, st.student_id"
    ))
    .bind::<BigInt, _>(term_id)
    .bind::<BigInt, _>(college.unwrap_or(0))
    .bind::<Integer, _>(year.unwrap_or(0))
    .bind::<BigInt, _>(limit)
    .load::<BoardRow>(&mut conn)
    .await?;
    Ok(rows)
}

/// A student's points in a term, their college and intake, and how many in a scope have more.
#[derive(QueryableByName)]
pub struct Mine {
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = BigInt)]
    pub college_id: i64,
    #[diesel(sql_type = Integer)]
    pub enrolment_year: i32,
    #[diesel(sql_type = BigInt)]
    pub above: i64,
}

/// The student's [`Mine`] in the term (0: over all terms) and scope.
///
/// Takes the connection shared, so it can be pipelined with [`top`] on the same connection.
pub async fn mine(
    mut conn: &AsyncPgConnection,
    term_id: i64,
    college: Option<i64>,
    year: Option<i32>,
    student: i64,
) -> Result<Mine> {
    let (filter, _) = scope_sql(college, year);
    let mine = prepared::sql(format!(
        "SELECT coalesce(me.points, 0)::bigint AS points, a.organization_id AS college_id,
                    s.enrolment_year,
                    (SELECT count(*) FROM standings WHERE term_id = $1
                       AND points > coalesce(me.points, 0) {filter}) AS above
             FROM accounts a JOIN students s ON s.account_id = a.id
             LEFT JOIN standings me ON me.student_id = a.id AND me.term_id = $1
             WHERE a.id = $4"
    ))
    .bind::<BigInt, _>(term_id)
    .bind::<BigInt, _>(college.unwrap_or(0))
    .bind::<Integer, _>(year.unwrap_or(0))
    .bind::<BigInt, _>(student)
    .get_result::<Mine>(&mut conn)
    .await?;
    Ok(mine)
}

/// An active student of a subtree.
#[derive(QueryableByName)]
pub struct PersonRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Text)]
    pub college: String,
    #[diesel(sql_type = Text)]
    pub class_name: String,
    #[diesel(sql_type = Integer)]
    pub enrolment_year: i32,
    #[diesel(sql_type = Text)]
    pub degree: String,
}

/// The active students of the organisation's subtree, of one intake or all.
pub async fn active_students_under(
    conn: &mut AsyncPgConnection,
    organization_id: i64,
    enrolment_year: Option<i32>,
) -> Result<Vec<PersonRow>> {
    let people: Vec<PersonRow> = prepared::sql(
        "SELECT a.id, a.username, a.display_name, o.college_name AS college, s.class_name,
                s.enrolment_year, s.degree
         FROM accounts a JOIN students s ON s.account_id = a.id
         JOIN organizations o ON o.id = a.organization_id
         WHERE a.kind = 'student' AND a.active AND o.path @> ARRAY[$1]::bigint[]
           AND ($2::int IS NULL OR s.enrolment_year = $2)",
    )
    .bind::<BigInt, _>(organization_id)
    .bind::<Nullable<Integer>, _>(enrolment_year)
    .load(conn)
    .await?;
    Ok(people)
}

/// A student's points in one category over all terms.
#[derive(QueryableByName)]
pub struct CategorySum {
    #[diesel(sql_type = BigInt)]
    pub student_id: i64,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub hours: f64,
}

/// The students' points per category over all terms (categories without points left out).
pub async fn category_sums(
    conn: &mut AsyncPgConnection,
    students: &[i64],
) -> Result<Vec<CategorySum>> {
    let sums: Vec<CategorySum> = prepared::sql(
        "SELECT student_id, category, sum(points)::bigint AS points,
                sum(hours)::float8 AS hours FROM point_totals
         WHERE student_id = ANY($1) GROUP BY student_id, category",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(students)
    .load(conn)
    .await?;
    Ok(sums)
}
