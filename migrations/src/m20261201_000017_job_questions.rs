//! Questions the client must answer.
//!
//! - `job_questions`: a screening question of an application form that the client's profile cannot answer, asked by
//!   the employee working the job, and the client's answer once given (both or neither of `answer` and
//!   `answered_at`).
//! - `job_delegations.status` may be `needs_answer`: the job waits for the client's answers.
//! - `notification_preferences.kind` may be `question`: where a person wants news of questions and answers.
//! - `idx_job_open` (migration 10) covers `needs_answer` too: a job waiting for its client is still open.
//!
//! Both are CHECK constraints. PostgreSQL replaces a constraint in place. SQLite cannot alter one: the table is
//! rebuilt the way SQLite documents it (<https://sqlite.org/lang_altertable.html#otheralter>), on one connection
//! with foreign keys off, so that dropping the old `job_delegations` neither cascades into the tables that refer to
//! it nor leaves their references dangling; `PRAGMA foreign_key_check` proves every reference still holds before the
//! rebuild commits.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{sqlx, ConnectionTrait, DatabaseExecutor, DbBackend};

use crate::schema::{drop_table, fk, text, text_null, ts, ts_null, uuid, uuid_null, uuid_pk};

pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000017_job_questions"
    }
}

const STATUS_BEFORE: &[&str] = &[
    "unassigned",
    "pending",
    "in_progress",
    "completed",
    "failed",
    "cancelled",
    "expired",
];
const STATUS_AFTER: &[&str] = &[
    "unassigned",
    "pending",
    "in_progress",
    "needs_answer",
    "completed",
    "failed",
    "cancelled",
    "expired",
];
const KIND_BEFORE: &[&str] = &["assignment", "status", "proof", "deadline", "account"];
const KIND_AFTER: &[&str] = &[
    "assignment",
    "status",
    "proof",
    "deadline",
    "question",
    "account",
];

/// One CHECK constraint of the form `<column> IN (...)`, as it was and as it becomes.
struct InCheck {
    table: &'static str,
    name: &'static str,
    column: &'static str,
}

const STATUS: InCheck = InCheck {
    table: "job_delegations",
    name: "ck_job_delegations_status",
    column: "status",
};
const KIND: InCheck = InCheck {
    table: "notification_preferences",
    name: "notification_preferences_kind_check",
    column: "kind",
};

/// `'a', 'b', 'c'`: the list as sea-query writes it inside `IN (...)` on both databases.
fn list(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The partial index of open jobs over `statuses` (the analytics write the same condition), replacing the one there.
fn open_index(statuses: &[&str]) -> [String; 2] {
    [
        "DROP INDEX idx_job_open".into(),
        format!(
            "CREATE INDEX idx_job_open ON job_delegations (client_id, assigned_employee_id, status) \
             WHERE status IN ({})",
            list(statuses)
        ),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let open = open_index(&["unassigned", "pending", "in_progress", "needs_answer"]);
        replace_check(manager, &STATUS, STATUS_BEFORE, STATUS_AFTER, &open).await?;
        replace_check(manager, &KIND, KIND_BEFORE, KIND_AFTER, &[]).await?;
        manager
            .create_table(
                Table::create()
                    .table("job_questions")
                    .col(uuid_pk("id"))
                    .col(uuid("job_delegation_id"))
                    .col(uuid_null("asked_by"))
                    .col(text("question"))
                    .col(text_null("answer"))
                    .col(ts("asked_at"))
                    .col(ts_null("answered_at"))
                    .foreign_key(&mut fk(
                        "job_questions",
                        "job_delegation_id",
                        "job_delegations",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "job_questions",
                        "asked_by",
                        "employees",
                        ForeignKeyAction::SetNull,
                    ))
                    .check(Check::named(
                        "ck_job_questions_answered",
                        Expr::col("answer")
                            .is_null()
                            .and(Expr::col("answered_at").is_null())
                            .or(Expr::col("answer")
                                .is_not_null()
                                .and(Expr::col("answered_at").is_not_null())),
                    ))
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_job_questions_job")
                    .table("job_questions")
                    .col("job_delegation_id")
                    .col("asked_at")
                    .take(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(drop_table("job_questions")).await?;
        let db = manager.get_connection();
        // A job waiting for answers goes back to the employee who was working it when they asked.
        db.execute_unprepared(
            "UPDATE job_delegations SET status = 'in_progress' WHERE status = 'needs_answer'",
        )
        .await?;
        db.execute_unprepared("DELETE FROM notification_preferences WHERE kind = 'question'")
            .await?;
        let open = open_index(&["unassigned", "pending", "in_progress"]);
        replace_check(manager, &KIND, KIND_AFTER, KIND_BEFORE, &[]).await?;
        replace_check(manager, &STATUS, STATUS_AFTER, STATUS_BEFORE, &open).await
    }
}

/// Make `check` allow exactly `after` instead of `before`, then run `then` (changes of the same table's indexes: on
/// SQLite inside the rebuild, on the connection that made it, since another connection may still hold the old schema
/// and refuse to create an index it believes exists).
async fn replace_check(
    manager: &SchemaManager<'_>,
    check: &InCheck,
    before: &[&str],
    after: &[&str],
    then: &[String],
) -> Result<(), DbErr> {
    let InCheck {
        table,
        name,
        column,
    } = check;
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            let from = format!("\"{column}\" IN ({})", list(before));
            let to = format!("\"{column}\" IN ({})", list(after));
            rebuild_sqlite(manager, table, &from, &to, then).await
        }
        _ => {
            let db = manager.get_connection();
            db.execute_unprepared(&format!(
                "ALTER TABLE {table} DROP CONSTRAINT {name}, \
                 ADD CONSTRAINT {name} CHECK ({column} IN ({}))",
                list(after)
            ))
            .await?;
            for sql in then {
                db.execute_unprepared(sql).await?;
            }
            Ok(())
        }
    }
}

fn sqlx_err(e: sqlx::Error) -> DbErr {
    DbErr::Migration(format!("rebuilding a SQLite table: {e}"))
}

async fn run(conn: &mut sqlx::SqliteConnection, sql: String) -> Result<(), DbErr> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(conn)
        .await
        .map_err(sqlx_err)?;
    Ok(())
}

/// Rebuild SQLite's `table` with `from` replaced by `to` in its definition (SQLite's twelve steps): the same
/// columns, constraints, rows, indexes and triggers, under the same name, and every foreign key of other tables
/// still pointing at it; then `then`, in the same transaction.
async fn rebuild_sqlite(
    manager: &SchemaManager<'_>,
    table: &str,
    from: &str,
    to: &str,
    then: &[String],
) -> Result<(), DbErr> {
    // `PRAGMA foreign_keys` is a no-op inside a transaction, and applies to one connection: take one of the pool's
    // for the whole rebuild.
    let DatabaseExecutor::Connection(db) = manager.get_connection() else {
        return Err(DbErr::Migration(format!(
            "{table} must be rebuilt outside a transaction (foreign keys are turned off meanwhile)"
        )));
    };
    let mut conn = db
        .get_sqlite_connection_pool()
        .acquire()
        .await
        .map_err(sqlx_err)?;
    run(&mut conn, "PRAGMA foreign_keys = OFF".into()).await?;
    let rebuilt = rebuild_on(&mut conn, table, (from, to), then).await;
    if rebuilt.is_err() {
        // Nothing was changed; the error says why.
        let _ = run(&mut conn, "ROLLBACK".into()).await;
    }
    let restored = run(&mut conn, "PRAGMA foreign_keys = ON".into()).await;
    if restored.is_err() {
        // Never hand the pool a connection that does not enforce foreign keys.
        conn.detach();
    }
    rebuilt.and(restored)
}

async fn rebuild_on(
    conn: &mut sqlx::SqliteConnection,
    table: &str,
    (from, to): (&str, &str),
    then: &[String],
) -> Result<(), DbErr> {
    run(conn, "BEGIN IMMEDIATE".into()).await?;
    let create: String =
        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?")
            .bind(table)
            .fetch_optional(&mut *conn)
            .await
            .map_err(sqlx_err)?
            .ok_or_else(|| DbErr::Migration(format!("no table {table} to rebuild")))?;
    let head = format!("CREATE TABLE \"{table}\"");
    let (Some(body), 1) = (create.strip_prefix(&head), create.matches(from).count()) else {
        return Err(DbErr::Migration(format!(
            "{table} is not defined as expected (looked for `{from}` once in `{create}`)"
        )));
    };
    let dependents: Vec<String> = sqlx::query_scalar(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') \
         AND sql IS NOT NULL ORDER BY type, name",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(sqlx_err)?;
    let staging = format!("{table}_rebuilt");
    run(
        conn,
        format!("CREATE TABLE \"{staging}\"{}", body.replacen(from, to, 1)),
    )
    .await?;
    run(
        conn,
        format!("INSERT INTO \"{staging}\" SELECT * FROM \"{table}\""),
    )
    .await?;
    run(conn, format!("DROP TABLE \"{table}\"")).await?;
    run(
        conn,
        format!("ALTER TABLE \"{staging}\" RENAME TO \"{table}\""),
    )
    .await?;
    for sql in dependents.into_iter().chain(then.iter().cloned()) {
        run(conn, sql).await?;
    }
    let broken: Vec<String> = sqlx::query_scalar("SELECT \"table\" FROM pragma_foreign_key_check")
        .fetch_all(&mut *conn)
        .await
        .map_err(sqlx_err)?;
    if !broken.is_empty() {
        return Err(DbErr::Migration(format!(
            "rebuilding {table} broke foreign keys of {broken:?}"
        )));
    }
    run(conn, "COMMIT".into()).await
}
