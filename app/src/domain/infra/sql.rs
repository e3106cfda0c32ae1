//! Hand-written SQL for both databases.

use sea_orm::Statement;

/// Write PostgreSQL-style `$1` placeholders; SQLite gets `?1` (numbered: same meaning, and one value may be used
/// several times).
pub fn stmt(backend: sea_orm::DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let sql = if backend == sea_orm::DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_string()
    };
    Statement::from_sql_and_values(backend, sql, values)
}
