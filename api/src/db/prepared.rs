//! Hand-written SQL that stays prepared. `diesel::sql_query` marks itself unsafe to cache, so
//! PostgreSQL parses and plans its text again on every call — for a CTE or a ranked page that
//! is most of the work. [`sql`] builds the same query (fixed text, `$n` placeholders, typed
//! binds) but lets the connection's statement cache key it by its text, so it is planned once
//! per connection.
//!
//! ```ignore
//! let rows: Vec<Row> = prepared::sql("SELECT … WHERE term_id = $1 LIMIT $2")
//!     .bind::<BigInt, _>(term_id)
//!     .bind::<BigInt, _>(limit)
//!     .load(conn)
//!     .await?;
//! ```
//!
//! The text may vary (a filter added or not): each variant is its own prepared statement, so
//! keep the variants few and never put values into the text.

use std::marker::PhantomData;

use diesel::{
    QueryResult,
    pg::Pg,
    query_builder::{AstPass, Query, QueryFragment, QueryId},
    serialize::ToSql,
    sql_types::{HasSqlType, Untyped},
};

/// A query of fixed text with binds `B`, built by [`sql`] and [`Prepared::bind`].
#[must_use = "a query does nothing until it is run"]
pub struct Prepared<S, B> {
    sql: S,
    binds: B,
}

/// Starts a query of `sql`, whose placeholders `$1`, `$2`, … the [`Prepared::bind`] calls fill
/// in order.
pub fn sql<S: AsRef<str>>(sql: S) -> Prepared<S, ()> {
    Prepared { sql, binds: () }
}

impl<S, B> Prepared<S, B> {
    /// Binds the next placeholder to `value`, sent as SQL type `ST`.
    pub fn bind<ST, T>(self, value: T) -> Prepared<S, (B, Bind<ST, T>)> {
        Prepared {
            sql: self.sql,
            binds: (
                self.binds,
                Bind {
                    value,
                    sql_type: PhantomData,
                },
            ),
        }
    }
}

/// One bound value and its SQL type.
pub struct Bind<ST, T> {
    value: T,
    sql_type: PhantomData<ST>,
}

/// The binds of a [`Prepared`], pushed in placeholder order.
pub trait Binds {
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()>;
}

impl Binds for () {
    fn push<'b>(&'b self, _: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        Ok(())
    }
}

impl<B, ST, T> Binds for (B, Bind<ST, T>)
where
    B: Binds,
    Pg: HasSqlType<ST>,
    T: ToSql<ST, Pg>,
{
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        self.0.push(out)?;
        out.push_bind_param_value_only::<ST, T>(&self.1.value)
    }
}

impl<S: AsRef<str>, B: Binds> QueryFragment<Pg> for Prepared<S, B> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql(self.sql.as_ref());
        self.binds.push(&mut out)
    }
}

/// No static id: the statement cache keys the query by its text and bind types instead.
impl<S, B> QueryId for Prepared<S, B> {
    type QueryId = ();
    const HAS_STATIC_QUERY_ID: bool = false;
}

/// Rows are read by name (`QueryableByName`), as with `sql_query`.
impl<S: AsRef<str>, B: Binds> Query for Prepared<S, B> {
    type SqlType = Untyped;
}

#[cfg(test)]
mod tests {
    use diesel::{
        debug_query,
        sql_types::{BigInt, Nullable, Text},
    };

    use super::*;

    #[test]
    fn the_text_is_kept_and_the_binds_follow_in_order() {
        let query = sql("SELECT $1::bigint AS a, $2::text AS b, $3::text AS c")
            .bind::<BigInt, _>(7_i64)
            .bind::<Text, _>("x")
            .bind::<Nullable<Text>, _>(None::<String>);
        let shown = debug_query::<Pg, _>(&query).to_string();
        assert_eq!(
            shown,
            "SELECT $1::bigint AS a, $2::text AS b, $3::text AS c -- binds: [7, \"x\", None]"
        );
    }
}
