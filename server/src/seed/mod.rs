//! `server seed-demo`: a fresh instance filled with a believable agency, for trying the product (and for measuring
//! it): a super admin and admins, employees, clients with profiles and resume PDFs (one still waiting for
//! activation, one with no assistant yet), and jobs in every state, with proof screenshots for the finished ones.
//!
//! Everything goes through the same domain services as the dashboard and the API, so the rules, the activity log,
//! the notifications and the queued emails are those of real use. Only the clock is moved afterwards: finished
//! jobs are spread over the past weeks so that the analytics have a history to show.

use app::{
    api::{
        jobs::{DelegateForm, JobStatus},
        resumes::{ContactInfo, Education, Experience, ResumeProfile},
        validate::NewAccount,
        AppError, PaymentStatus, Role,
    },
    domain::{
        access, accounts, assignments,
        clients::{self, Activation},
        entities::{job_delegations as jobs, users},
        infra::{events::EventBus, storage::Storage},
        jobs as delegations, resumes, schedule, work, Actor, RequestMeta,
    },
};
mod assets;
mod history;

use assets::{person, proof_png, resume_pdf, COMPANIES};
use history::spread_over_past_weeks;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

/// How big an agency to make.
#[derive(Debug, Clone, clap::Args)]
pub struct Demo {
    /// Admins besides the super admin.
    #[arg(long, default_value_t = 2)]
    pub admins: usize,
    #[arg(long, default_value_t = 4)]
    pub employees: usize,
    /// Clients (at least 3: one waits for activation and one has no assistant yet).
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Jobs each activated client delegates.
    #[arg(long, default_value_t = 12)]
    pub jobs_per_client: usize,
    /// The password of every demo account, read from this environment variable (default: `demo-password`).
    #[arg(long, default_value = "DEMO_PASSWORD")]
    pub password_env: String,
}

/// What was made, and who can sign in.
#[derive(Debug, Default)]
pub struct Seeded {
    pub users: u64,
    pub jobs: u64,
    /// Jobs per status, in the order of `JobStatus::ALL`.
    pub by_status: Vec<(JobStatus, u64)>,
    /// One sign-in per role: (role, email).
    pub logins: Vec<(Role, String)>,
    pub password: String,
}

fn meta() -> RequestMeta {
    RequestMeta {
        ip: None,
        user_agent: Some("server seed-demo".into()),
    }
}

fn actor(user: &users::Model) -> Actor {
    Actor {
        user_id: user.id,
        role: user.role,
    }
}

async fn staff(
    db: &DatabaseConnection,
    role: Role,
    email: String,
    (first, last): (&str, &str),
    password: &str,
) -> Result<users::Model, AppError> {
    let account = NewAccount::parse(&email, password, first, last)?;
    accounts::create_user(db, None, role, account, &meta()).await
}

/// The employee a job was given to, as an actor.
async fn assignee(db: &DatabaseConnection, job_id: Uuid) -> Result<Option<Actor>, AppError> {
    let Some(job) = jobs::Entity::find_by_id(job_id).one(db).await? else {
        return Ok(None);
    };
    let Some(employee_id) = job.assigned_employee_id else {
        return Ok(None);
    };
    let Some(e) = app::domain::entities::employees::Entity::find_by_id(employee_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(Actor {
        user_id: e.user_id,
        role: Role::Employee,
    }))
}

/// Fill the instance. Refuses one that already has clients or employees: the demo is for a fresh install.
pub async fn seed(
    db: &DatabaseConnection,
    storage: &dyn Storage,
    events: &EventBus,
    demo: &Demo,
) -> Result<Seeded, AppError> {
    let password = std::env::var(&demo.password_env).unwrap_or_else(|_| "demo-password".into());
    if demo.clients < 3 || demo.employees < 1 {
        return Err(AppError::field(
            "clients",
            "The demo needs at least 3 clients and 1 employee.",
        ));
    }
    let taken = users::Entity::find()
        .filter(users::Column::Role.is_in([Role::Client, Role::Employee]))
        .count(db)
        .await?;
    if taken > 0 {
        return Err(AppError::conflict(
            "This instance already has clients or employees; the demo fills a fresh one only.",
        ));
    }
    let mut seeded = Seeded {
        password: password.clone(),
        ..Default::default()
    };

    // People: the owner (unless the setup page made one), admins, employees.
    let owner = match users::Entity::find()
        .filter(users::Column::Role.eq(Role::SuperAdmin))
        .one(db)
        .await?
    {
        Some(u) => u,
        None => {
            staff(
                db,
                Role::SuperAdmin,
                "owner@demo.test".into(),
                ("Olivia", "Owner"),
                &password,
            )
            .await?
        }
    };
    seeded.logins.push((Role::SuperAdmin, owner.email.clone()));
    let mut admin = actor(&owner);
    for i in 0..demo.admins {
        let u = staff(
            db,
            Role::Admin,
            format!("admin{}@demo.test", i + 1),
            person(i + 7),
            &password,
        )
        .await?;
        if i == 0 {
            seeded.logins.push((Role::Admin, u.email.clone()));
            admin = actor(&u);
        }
    }
    let mut employees = Vec::new();
    for i in 0..demo.employees {
        let (first, last) = person(i + 2);
        let email = format!("{}.{}@demo.test", first.to_lowercase(), last.to_lowercase());
        let u = staff(db, Role::Employee, email, (first, last), &password).await?;
        if i == 0 {
            seeded.logins.push((Role::Employee, u.email.clone()));
        }
        let e = access::employee_of(db, u.id)
            .await?
            .ok_or(AppError::Internal)?;
        employees.push(e.id);
    }

    // Clients: the last one waits for activation; the one before it has no assistant yet, so its jobs wait.
    let mut job_no = 0usize;
    for c in 0..demo.clients {
        let (first, last) = person(c + 5);
        let email = format!(
            "{}.{}{}@demo.test",
            first.to_lowercase(),
            last.to_lowercase(),
            c + 1
        );
        let account = NewAccount::parse(&email, &password, first, last)?;
        let user = accounts::signup_client(db, &Default::default(), account, &meta()).await?;
        if c == 0 {
            seeded.logins.push((Role::Client, user.email.clone()));
        }
        if c + 1 == demo.clients {
            continue;
        }
        let me = actor(&user);
        let client = access::client_of(db, user.id)
            .await?
            .ok_or(AppError::Internal)?;
        clients::set_activation(
            db,
            events,
            &admin,
            client.id,
            Activation {
                activate: true,
                payment_status: if c % 4 == 3 {
                    PaymentStatus::PastDue
                } else {
                    PaymentStatus::Active
                },
                notes: "Demo subscription: 3 months.",
            },
            &meta(),
        )
        .await?;
        if c + 2 != demo.clients {
            for k in 0..(1 + c % 2).min(employees.len()) {
                let e = employees[(c + k) % employees.len()];
                assignments::assign(db, events, &admin, client.id, e, &meta()).await?;
            }
        }
        let (title, company, place) = COMPANIES[c % COMPANIES.len()];
        resumes::save_profile(
            db,
            &me,
            ResumeProfile {
                summary: format!(
                    "{title} with six years of experience, looking for the next step."
                ),
                experience: vec![Experience {
                    title: title.into(),
                    company: company.into(),
                    location: place.into(),
                    start: "2020-02".into(),
                    end: String::new(),
                    description: "Led a team of four; cut reporting time in half.".into(),
                }],
                education: vec![Education {
                    school: "Technical University".into(),
                    degree: "MSc".into(),
                    field: "Engineering".into(),
                    start: "2014".into(),
                    end: "2016".into(),
                }],
                skills: vec!["SQL".into(), "Communication".into(), "Planning".into()],
                contact: ContactInfo {
                    email: email.clone(),
                    phone: format!("+49 30 5550{c:03}"),
                    location: place.into(),
                    linkedin: format!(
                        "https://www.linkedin.com/in/{}-{}-{c}",
                        first.to_lowercase(),
                        last.to_lowercase()
                    ),
                    website: String::new(),
                    city: place.split(',').next().unwrap_or(place).trim().into(),
                    ..Default::default()
                },
                answers: app::api::resumes::ApplicationAnswers {
                    authorized_to_work: "yes".into(),
                    needs_sponsorship: "no".into(),
                    how_heard: "LinkedIn".into(),
                    ..Default::default()
                },
            },
            &meta(),
        )
        .await?;
        let mut resume_ids = Vec::new();
        for kind in ["General", "Technical"] {
            let name = format!("{first} {last}");
            let view = resumes::upload(
                db,
                storage,
                &Default::default(),
                &me,
                resumes::Upload {
                    name: kind.into(),
                    file_name: format!("{first}-{last}-{}.pdf", kind.to_lowercase()),
                    bytes: resume_pdf(&name, kind),
                    replace: None,
                },
                &meta(),
            )
            .await?;
            resume_ids.push(view.id);
        }

        for j in 0..demo.jobs_per_client {
            job_no += 1;
            let (company, title, place) = COMPANIES[(c + j) % COMPANIES.len()];
            let slug: String = company
                .to_lowercase()
                .chars()
                .filter(|ch| ch.is_ascii_alphanumeric())
                .collect();
            // Every seventh job gets tomorrow's deadline and is expired below; the others have none or a far one.
            let plan = job_no % 7;
            let deadline = match plan {
                5 => (chrono::Utc::now() + chrono::Duration::days(1))
                    .format("%Y-%m-%d")
                    .to_string(),
                0 | 1 => (chrono::Utc::now() + chrono::Duration::days(21))
                    .format("%Y-%m-%d")
                    .to_string(),
                _ => String::new(),
            };
            let job = delegations::delegate(
                db,
                events,
                &me,
                &DelegateForm {
                    job_url: format!("https://careers.{slug}.example/jobs/{}", 1000 + job_no),
                    company_name: company.into(),
                    job_title: title.into(),
                    location: place.into(),
                    resume_type_id: resume_ids[j % resume_ids.len()].to_string(),
                    priority: ["normal", "high", "low", "urgent"][job_no % 4].into(),
                    deadline,
                    notes: if j % 3 == 0 {
                        "Mention the relocation in the cover letter.".into()
                    } else {
                        String::new()
                    },
                },
                &meta(),
            )
            .await?;
            let Some(employee) = assignee(db, job.id).await? else {
                continue; // no assistant yet: the job waits, unassigned
            };
            match plan {
                1 => {
                    work::start(db, events, &employee, job.id, &meta()).await?;
                    // Every other one of these needs the client's answer to a question of the form.
                    if job_no % 14 == 1 {
                        let asked = ["Are you willing to relocate?".to_string()];
                        app::domain::questions::ask(db, events, &employee, job.id, &asked, &meta())
                            .await?;
                    }
                }
                2 | 3 | 6 => {
                    work::start(db, events, &employee, job.id, &meta()).await?;
                    let failed = plan == 3;
                    work::complete(
                        db,
                        events,
                        storage,
                        &Default::default(),
                        &employee,
                        job.id,
                        work::Completion {
                            outcome: if failed { "failed" } else { "submitted" }.into(),
                            notes: if failed {
                                String::new()
                            } else {
                                "Submitted through the company's portal.".into()
                            },
                            failure_reason: if failed {
                                "The posting was closed before we could apply.".into()
                            } else {
                                String::new()
                            },
                            screenshot: if failed {
                                None
                            } else {
                                Some(proof_png(job_no)?)
                            },
                            // What the demo's screenshot stands for: the posting's own confirmation page.
                            capture: work::CaptureInput {
                                url: job.job_url.clone(),
                                title: format!("Application submitted: {}", job.job_title),
                                at: chrono::Utc::now().to_rfc3339(),
                                ..Default::default()
                            },
                        },
                        &meta(),
                    )
                    .await?;
                }
                4 => {
                    delegations::cancel(db, events, &me, job.id, &meta()).await?;
                }
                _ => {}
            }
        }
    }

    // Tomorrow's deadlines pass: those jobs expire, as the scheduler would make them.
    schedule::expire_overdue(db, chrono::Utc::now() + chrono::Duration::days(2)).await?;
    spread_over_past_weeks(db).await?;

    seeded.users = users::Entity::find().count(db).await?;
    seeded.jobs = jobs::Entity::find().count(db).await?;
    for s in JobStatus::ALL {
        let n = jobs::Entity::find()
            .filter(jobs::Column::Status.eq(s))
            .count(db)
            .await?;
        seeded.by_status.push((s, n));
    }
    Ok(seeded)
}
