//! Small builders shared by the migrations, so every table is declared the same way.

use sea_orm_migration::prelude::*;

/// `<name> uuid NOT NULL PRIMARY KEY`
pub(crate) fn uuid_pk(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().primary_key().take()
}

/// `<name> uuid NOT NULL`
pub(crate) fn uuid(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().take()
}

/// `<name> uuid NULL`
pub(crate) fn uuid_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().null().take()
}

/// `<name> uuid NOT NULL UNIQUE`
pub(crate) fn uuid_unique(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().unique_key().take()
}

/// `<name> timestamp with time zone NOT NULL`
pub(crate) fn ts(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .take()
}

/// `<name> timestamp with time zone NULL`
pub(crate) fn ts_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .null()
        .take()
}

/// `<name> varchar(len) NOT NULL`
pub(crate) fn string(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).not_null().take()
}

/// `<name> varchar(len) NULL`
pub(crate) fn string_null(name: &'static str, len: u32) -> ColumnDef {
    ColumnDef::new(name).string_len(len).null().take()
}

/// `<name> varchar(len) NOT NULL DEFAULT '<default>'`
pub(crate) fn string_default(name: &'static str, len: u32, default: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .string_len(len)
        .not_null()
        .default(default)
        .take()
}

/// `<name> text NOT NULL`
pub(crate) fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

/// `<name> text NULL`
pub(crate) fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

/// `<name> json NOT NULL` (`json` on PostgreSQL, text on SQLite)
pub(crate) fn json(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).json().not_null().take()
}

/// `<name> boolean NOT NULL DEFAULT <default>`
pub(crate) fn boolean(name: &'static str, default: bool) -> ColumnDef {
    ColumnDef::new(name)
        .boolean()
        .not_null()
        .default(default)
        .take()
}

/// `CONSTRAINT fk_<table>_<column> FOREIGN KEY (<column>) REFERENCES <to_table> (id) ON DELETE <on_delete>`
///
/// Declared inside `CREATE TABLE`, because SQLite cannot add foreign keys afterwards.
pub(crate) fn fk(
    table: &'static str,
    column: &'static str,
    to_table: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to_table, "id")
        .on_delete(on_delete)
        .take()
}

/// `CONSTRAINT <name> CHECK (<column> IN (<allowed>...))`
pub(crate) fn check_in(
    name: &'static str,
    column: &'static str,
    allowed: &[&'static str],
) -> Check {
    Check::named(name, Expr::col(column).is_in(allowed.iter().copied()))
}

/// `DROP TABLE <name>`
pub(crate) fn drop_table(name: &'static str) -> TableDropStatement {
    Table::drop().table(name).take()
}
