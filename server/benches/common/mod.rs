//! The benchmarks' throwaway database: SQLite in a temp folder, or with `BENCH_DATABASE_URL` a PostgreSQL database
//! created on that server and dropped at the end. Migrated, like the server's.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use sea_orm::{ConnectionTrait, DatabaseConnection};

pub struct BenchDb {
    pub db: DatabaseConnection,
    /// "SQLite" or "PostgreSQL", for the printed figures.
    pub backend: &'static str,
    dir: std::path::PathBuf,
    pg: Option<(String, String)>,
}

impl BenchDb {
    pub async fn open() -> BenchDb {
        let dir = std::env::temp_dir().join(format!("jd-bench-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let admin_url = std::env::var("BENCH_DATABASE_URL").ok();
        let pg_name = format!("jd_bench_{}", uuid::Uuid::new_v4().simple());
        let url = match &admin_url {
            Some(admin) => {
                let conn = sea_orm::Database::connect(admin).await.unwrap();
                conn.execute_unprepared(&format!("CREATE DATABASE \"{pg_name}\""))
                    .await
                    .unwrap();
                conn.close().await.unwrap();
                let mut u = url::Url::parse(admin).unwrap();
                u.set_path(&format!("/{pg_name}"));
                u.to_string()
            }
            None => format!("sqlite://{}?mode=rwc", dir.join("bench.db").display()),
        };
        let db = server::db::connect(&url).await.unwrap();
        server::db::migrate(&db).await.unwrap();
        BenchDb {
            db,
            backend: if admin_url.is_some() {
                "PostgreSQL"
            } else {
                "SQLite"
            },
            dir,
            pg: admin_url.map(|a| (a, pg_name)),
        }
    }

    /// Close and throw the database away.
    pub async fn close(self) {
        self.db.close().await.unwrap();
        if let Some((admin, name)) = self.pg {
            let conn = sea_orm::Database::connect(&admin).await.unwrap();
            conn.execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                .await
                .unwrap();
        }
        let _ = std::fs::remove_dir_all(self.dir);
    }
}
