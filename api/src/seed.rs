//! `api seed-demo`: loads the demo university. Idempotent: what exists is left as it is.

use diesel_async::AsyncPgConnection;
use shared::school::School;

use crate::db;

/// A demo account, printed as `role<TAB>username<TAB>password` for scripts.
pub struct DemoAccount {
    pub role: &'static str,
    pub username: String,
    pub password: String,
}

/// What a seeding run did.
pub struct SeedReport {
    pub school_created: bool,
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

pub async fn seed_demo(conn: &mut AsyncPgConnection) -> diesel::QueryResult<SeedReport> {
    let school_created = db::school::insert_if_absent(conn, &demo_school()).await?;
    Ok(SeedReport {
        school_created,
        accounts: Vec::new(),
    })
}
