//! The `server` binary's subcommands, run as a user would.

use std::process::{Command, Stdio};

use app::domain::entities::{admins, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{both, helpers::*};

fn server() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_remove("DATABASE_URL")
        .env_remove("ADMIN_PASSWORD")
        .env("RUST_LOG", "error");
    cmd
}

#[test]
fn help_lists_the_subcommands() {
    let out = server().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for sub in ["serve", "migrate", "create-admin"] {
        assert!(text.contains(sub), "{sub} missing from:\n{text}");
    }
    assert!(
        text.contains("DATABASE_URL") && text.contains("SESSION_SECRET"),
        "options name their variables"
    );
}

both!(
    create_admin_makes_a_super_admin_and_closes_setup,
    create_admin_refuses_bad_input_clearly
);

async fn create_admin_makes_a_super_admin_and_closes_setup(b: Backend) {
    let db = TestDb::new(b).await;
    let out = server()
        .args(["migrate"])
        .env("DATABASE_URL", &db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = server()
        .args([
            "create-admin",
            "--email",
            "Boss@Example.com",
            "--first-name",
            "Bo",
            "--last-name",
            "Ss",
        ])
        .env("DATABASE_URL", &db.url)
        .env("ADMIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("boss@example.com"));

    let conn = server::db::connect(&db.url).await.unwrap();
    let user = users::Entity::find()
        .filter(users::Column::Email.eq("boss@example.com"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "super_admin");
    let admin = admins::Entity::find()
        .filter(admins::Column::UserId.eq(user.id))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.admin_level, "super_admin");
    assert!(
        !app::domain::accounts::needs_setup(&conn).await.unwrap(),
        "the setup page is gone"
    );

    // The password may also come on standard input; --admin makes a plain admin.
    let mut child = server()
        .args(["create-admin", "--email", "ops@example.com", "--admin"])
        .env("DATABASE_URL", &db.url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ops = users::Entity::find()
        .filter(users::Column::Email.eq("ops@example.com"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ops.role, "admin");
    conn.close().await.ok();
}

async fn create_admin_refuses_bad_input_clearly(b: Backend) {
    let db = TestDb::new(b).await;
    let out = server()
        .args(["create-admin", "--email", "not-an-email"])
        .env("DATABASE_URL", &db.url)
        .env("ADMIN_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("email: Enter a valid email address"), "{err}");
    assert!(err.contains("password: Use at least 8 characters"), "{err}");
    assert!(!err.contains("short"), "the password is never echoed");

    // Duplicate email, case-insensitively.
    for (email, ok) in [("boss@example.com", true), ("BOSS@example.com", false)] {
        let out = server()
            .args(["create-admin", "--email", email])
            .env("DATABASE_URL", &db.url)
            .env("ADMIN_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        assert_eq!(
            out.status.success(),
            ok,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if !ok {
            assert!(String::from_utf8_lossy(&out.stderr).contains("already exists"));
        }
    }
}
