//! Startup and command-line errors (request errors are `app::api::AppError`).

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}
