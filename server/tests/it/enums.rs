//! Enum columns are typed with the contract's enums: every value round-trips through the database, and a stored text
//! the contract does not know is a loud error (a database error, then a 500), never a silent default.

use app::api::{jobs::JobStatus, jobs::Priority, work::Outcome, PaymentStatus, Role};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

#[tokio::test]
async fn enum_texts_read_back_as_enums_and_unknown_texts_are_errors() {
    let db = Database::connect("sqlite::memory:").await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT 'in_progress' AS status, 'urgent' AS priority, 'super_admin' AS role, \
             'past_due' AS payment, 'submitted' AS outcome, 'bogus' AS bad",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        row.try_get::<JobStatus>("", "status").unwrap(),
        JobStatus::InProgress
    );
    assert_eq!(
        row.try_get::<Priority>("", "priority").unwrap(),
        Priority::Urgent
    );
    assert_eq!(row.try_get::<Role>("", "role").unwrap(), Role::SuperAdmin);
    assert_eq!(
        row.try_get::<PaymentStatus>("", "payment").unwrap(),
        PaymentStatus::PastDue
    );
    assert_eq!(
        row.try_get::<Outcome>("", "outcome").unwrap(),
        Outcome::Submitted
    );
    let err = row.try_get::<JobStatus>("", "bad").unwrap_err();
    assert!(
        err.to_string().contains("\"bogus\" is not a JobStatus"),
        "{err}"
    );
    assert!(row.try_get::<Role>("", "bad").is_err());
    // Written as their text.
    assert_eq!(
        sea_orm::Value::from(JobStatus::Expired),
        sea_orm::Value::from("expired")
    );
}
