//! One identity per posting: the site and the site's own job id where the address carries one (so the same posting
//! pasted under different addresses is one job), else the normalized address itself.
//!
//! The key is what the duplicate guard compares and what the database's unique index holds
//! (`job_delegations.posting_key`, one live delegation per client and key).

use sea_orm::{
    sea_query::Expr, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, SqlErr,
};
use url::Url;

use super::input::normalize_url;
use crate::api::{
    jobs::{JobStatus, JobSummary},
    AppError,
};
use crate::domain::{access, entities::job_delegations as jobs, Actor, RequestMeta};

/// The posting's identity for an address already normalized by [`normalize_url`]: `site:id` for the sites below,
/// else `url:` and the address.
///
/// - LinkedIn: `/jobs/view/<slug>-<id>` or `/jobs/view/<id>`, and `currentJobId` on search and collection pages;
/// - Indeed: `jk` (job page) or `vjk` (the job selected on a search page), on every country's host;
/// - Greenhouse: `/jobs/<id>` on its boards (any region), `token` of the embedded form, `gh_jid` on company sites;
/// - Lever and Ashby: the posting's UUID (`/apply`, `/application` pages included), Ashby's `ashby_jid`;
/// - Workday: the tenant and the requisition id at the end of `/job/...` (locale and location segments vary);
/// - SEEK: `/job/<id>` on any SEEK host, and `jobId` on its search pages;
/// - SmartRecruiters: the numeric id in `/<Company>/<id>-<slug>`;
/// - Workable: the shortcode in `/<company>/j/<code>` (and `/view/<code>` on company pages).
pub fn posting_key(normalized: &str) -> String {
    Url::parse(normalized)
        .ok()
        .and_then(|u| site_key(&u))
        .unwrap_or_else(|| format!("url:{normalized}"))
}

/// The client's live delegation of the posting at `raw` (compared by identity), so the extension can say "already
/// delegated" before anything is sent. Clients only: it answers about the caller's own jobs and nobody else's.
pub async fn delegated_before(
    db: &DatabaseConnection,
    actor: &Actor,
    raw: &str,
    meta: &RequestMeta,
) -> Result<Option<JobSummary>, AppError> {
    let client = access::require_client(db, actor, "job.lookup", "job", meta).await?;
    let url = normalize_url(raw).map_err(|m| AppError::field("url", m))?;
    let earlier = jobs::Entity::find()
        .filter(jobs::Column::ClientId.eq(client.id))
        .filter(jobs::Column::PostingKey.eq(posting_key(&url)))
        .filter(jobs::Column::Status.ne(JobStatus::Cancelled.as_str()))
        .one(db)
        .await?;
    Ok(match earlier {
        Some(job) => super::summaries(db, vec![job]).await?.into_iter().next(),
        None => None,
    })
}

/// Give every delegation written before postings had an identity its key, oldest first; returns how many. Where two
/// live delegations of one client turn out to be the same posting (two addresses delegated before), the older one
/// takes the identity and the later keeps its address as its key: nothing is merged or cancelled behind the
/// client's back. Safe to run on several replicas at once (each row is set only while its key is still missing).
pub async fn backfill_posting_keys(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let mut keyed = 0;
    loop {
        let rows: Vec<(uuid::Uuid, String)> = jobs::Entity::find()
            .select_only()
            .column(jobs::Column::Id)
            .column(jobs::Column::JobUrl)
            .filter(jobs::Column::PostingKey.is_null())
            .order_by_asc(jobs::Column::DelegatedAt)
            .order_by_asc(jobs::Column::Id)
            .limit(500)
            .into_tuple()
            .all(db)
            .await?;
        if rows.is_empty() {
            return Ok(keyed);
        }
        for (id, url) in rows {
            let address = format!("url:{}", normalize_url(&url).unwrap_or(url));
            let identity = posting_key(address.trim_start_matches("url:"));
            // The identity, else the address, else the row's own id (always unique): the row never stays unkeyed.
            for key in [identity, address, format!("row:{id}")] {
                let set = jobs::Entity::update_many()
                    .col_expr(jobs::Column::PostingKey, Expr::value(key))
                    .filter(jobs::Column::Id.eq(id))
                    .filter(jobs::Column::PostingKey.is_null())
                    .exec(db)
                    .await;
                match set {
                    Ok(_) => break,
                    Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    }
                    Err(e) => return Err(e),
                }
            }
            keyed += 1;
        }
    }
}

fn site_key(u: &Url) -> Option<String> {
    let host = u.host_str()?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let segments: Vec<&str> = u
        .path_segments()
        .map(|s| s.filter(|p| !p.is_empty()).collect())
        .unwrap_or_default();
    let query = |name: &str| {
        u.query_pairs()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let key = |site: &str, id: &str| Some(format!("{site}:{}", id.to_ascii_lowercase()));

    // Ids that company career sites carry for the ATS behind them.
    if let Some(id) = query("gh_jid").filter(|v| is_digits(v)) {
        return key("greenhouse", &id);
    }
    if let Some(id) = query("ashby_jid").filter(|v| is_uuid(v)) {
        return key("ashby", &id);
    }

    if host == "linkedin.com" || host.ends_with(".linkedin.com") {
        if let Some(id) = query("currentJobId").filter(|v| is_digits(v)) {
            return key("linkedin", &id);
        }
        if let ["jobs", "view", slug, ..] = segments.as_slice() {
            let id = slug.rsplit('-').next().unwrap_or(slug);
            if is_digits(id) {
                return key("linkedin", id);
            }
        }
        return None;
    }
    if is_indeed(host) {
        return query("jk")
            .or_else(|| query("vjk"))
            .filter(|v| v.len() >= 8 && v.chars().all(|c| c.is_ascii_hexdigit()))
            .and_then(|id| key("indeed", &id));
    }
    if host == "greenhouse.io" || host.ends_with(".greenhouse.io") {
        if let Some(i) = segments.iter().position(|s| *s == "jobs") {
            if let Some(id) = segments.get(i + 1).filter(|v| is_digits(v)) {
                return key("greenhouse", id);
            }
        }
        return query("token")
            .filter(|v| is_digits(v))
            .and_then(|id| key("greenhouse", &id));
    }
    if host == "jobs.lever.co" || host.ends_with(".lever.co") {
        return segments
            .get(1)
            .filter(|v| is_uuid(v))
            .and_then(|id| key("lever", id));
    }
    if host == "jobs.ashbyhq.com" || host.ends_with(".ashbyhq.com") {
        return segments
            .get(1)
            .filter(|v| is_uuid(v))
            .and_then(|id| key("ashby", id));
    }
    if host.ends_with(".myworkdayjobs.com") || host.ends_with(".myworkdaysite.com") {
        let tenant = host.split('.').next().unwrap_or(host);
        let i = segments.iter().position(|s| *s == "job")?;
        // `<Title>_<requisition>`, possibly followed by `/apply` or another step.
        let req = segments
            .get(i + 1..)?
            .iter()
            .rev()
            .filter_map(|s| s.rsplit_once('_').map(|(_, req)| req))
            .find(|req| !req.is_empty() && req.chars().any(|c| c.is_ascii_digit()))?;
        return Some(format!("workday:{tenant}:{}", req.to_ascii_lowercase()));
    }
    if is_seek(host) {
        if let ["job", id, ..] = segments.as_slice() {
            if is_digits(id) {
                return key("seek", id);
            }
        }
        return query("jobId")
            .filter(|v| is_digits(v))
            .and_then(|id| key("seek", &id));
    }
    if host == "jobs.smartrecruiters.com" || host == "careers.smartrecruiters.com" {
        let id = segments.get(1)?.split('-').next()?;
        return (is_digits(id) && id.len() >= 6).then(|| format!("smartrecruiters:{id}"));
    }
    if host == "workable.com" || host.ends_with(".workable.com") {
        let i = segments.iter().position(|s| *s == "j" || *s == "view")?;
        let code = segments.get(i + 1)?;
        return (code.len() >= 6 && code.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| format!("workable:{}", code.to_ascii_uppercase()));
    }
    None
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 24 && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_uuid(s: &str) -> bool {
    uuid::Uuid::parse_str(s).is_ok() && s.len() == 36
}

/// Indeed's hosts: `indeed.com` and its country subdomains, and its country domains (`indeed.co.uk`, `indeed.de`...).
fn is_indeed(host: &str) -> bool {
    let host = host.strip_prefix("www.").unwrap_or(host);
    host == "indeed.com"
        || host.ends_with(".indeed.com")
        || host.starts_with("indeed.")
        || host.contains(".indeed.")
}

fn is_seek(host: &str) -> bool {
    host == "seek.com"
        || host.ends_with(".seek.com")
        || host == "seek.com.au"
        || host.ends_with(".seek.com.au")
        || host == "seek.co.nz"
        || host.ends_with(".seek.co.nz")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(raw: &str) -> String {
        normalize_url(raw)
            .map(|u| posting_key(&u))
            .unwrap_or_default()
    }

    /// Every address in a group names one posting; groups differ from each other.
    fn same(group: &[&str]) -> String {
        let first = key(group[0]);
        for raw in group {
            assert_eq!(key(raw), first, "{raw}");
        }
        first
    }

    #[test]
    fn linkedin() {
        let k = same(&[
            "https://www.linkedin.com/jobs/view/4374244548/",
            "https://www.linkedin.com/jobs/view/4374244548",
            "https://au.linkedin.com/jobs/view/graduate-data-engineer-at-flow-traders-4374244548?refId=x&trackingId=y&trk=public_jobs",
            "https://www.linkedin.com/jobs/search/?currentJobId=4374244548&keywords=data",
            "https://www.linkedin.com/jobs/collections/recommended/?currentJobId=4374244548",
            "linkedin.com/jobs/view/4374244548/?alternateChannel=search",
        ]);
        assert_eq!(k, "linkedin:4374244548");
        assert_ne!(key("https://www.linkedin.com/jobs/view/4374244549/"), k);
        assert!(key("https://www.linkedin.com/jobs/search/?keywords=data").starts_with("url:"));
    }

    #[test]
    fn indeed() {
        let k = same(&[
            "https://www.indeed.com/viewjob?jk=b974b400e0228d67",
            "https://www.indeed.com/viewjob?jk=b974b400e0228d67&from=serp&vjs=3",
            "https://www.indeed.com/jobs?q=frontend&l=Egypt%2C+AR&vjk=b974b400e0228d67",
            "https://uk.indeed.com/viewjob?jk=B974B400E0228D67",
            "https://www.indeed.co.uk/m/viewjob?jk=b974b400e0228d67",
        ]);
        assert_eq!(k, "indeed:b974b400e0228d67");
        assert!(key("https://www.indeed.com/jobs?q=frontend").starts_with("url:"));
    }

    #[test]
    fn greenhouse() {
        let k = same(&[
            "https://boards.greenhouse.io/acme/jobs/12345?gh_src=y",
            "https://boards.greenhouse.io/acme/jobs/12345",
            "https://job-boards.greenhouse.io/acme/jobs/12345#app",
            "https://job-boards.eu.greenhouse.io/acme/jobs/12345",
            "https://boards.greenhouse.io/embed/job_app?for=acme&token=12345",
            "https://acme.example/careers/open-roles?gh_jid=12345",
            "https://www.acme.example/careers/job?gh_jid=12345&gh_src=abc",
        ]);
        assert_eq!(k, "greenhouse:12345");
        assert_ne!(key("https://boards.greenhouse.io/acme/jobs/12346"), k);
        assert!(key("https://boards.greenhouse.io/acme").starts_with("url:"));
    }

    #[test]
    fn lever_and_ashby() {
        let k = same(&[
            "https://jobs.lever.co/larchmont/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90",
            "https://jobs.lever.co/larchmont/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90/apply?lever-source=LinkedIn",
            "https://jobs.lever.co/larchmont/3F2C9A1E-7B4D-4E8A-9C1F-2D5E6A7B8C90?lever-origin=applied&lever-source%5B%5D=x",
            "https://jobs.eu.lever.co/larchmont/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90",
        ]);
        assert_eq!(k, "lever:3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90");
        let k = same(&[
            "https://jobs.ashbyhq.com/lambda/0d79c70e-7a49-4a4a-a72f-7ef25d62de41",
            "https://jobs.ashbyhq.com/lambda/0d79c70e-7a49-4a4a-a72f-7ef25d62de41/application",
            "https://jobs.ashbyhq.com/lambda/0d79c70e-7a49-4a4a-a72f-7ef25d62de41?utm_source=x",
            "https://lambda.ai/careers?ashby_jid=0d79c70e-7a49-4a4a-a72f-7ef25d62de41",
        ]);
        assert_eq!(k, "ashby:0d79c70e-7a49-4a4a-a72f-7ef25d62de41");
    }

    #[test]
    fn workday() {
        let k = same(&[
            "https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite/job/Germany-Munich/Senior-Test-Engineer---Autonomous-Driving_JR2019510-1",
            "https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite/job/Senior-Test-Engineer---Autonomous-Driving_JR2019510-1",
            "https://nvidia.wd5.myworkdayjobs.com/de-DE/NVIDIAExternalCareerSite/job/Germany-Munich/Senior-Test-Engineer---Autonomous-Driving_JR2019510-1/apply?source=LinkedIn",
        ]);
        assert_eq!(k, "workday:nvidia:jr2019510-1");
        // Requisition ids are the tenant's: another tenant's R-10482 is another posting.
        assert_ne!(
            key("https://acme.wd3.myworkdayjobs.com/Careers/job/Columbus-OH/Analyst_R-10482"),
            key("https://marrowbank.wd3.myworkdayjobs.com/Careers/job/Columbus-OH/Analyst_R-10482")
        );
    }

    #[test]
    fn seek() {
        let k = same(&[
            "https://au.seek.com/job/93856863",
            "https://www.seek.com.au/job/93856863?type=standout&ref=search-standalone#sol=4b7c",
            "https://www.seek.com.au/jobs?keywords=platform&jobId=93856863",
            "https://www.seek.co.nz/job/93856863",
        ]);
        assert_eq!(k, "seek:93856863");
    }

    #[test]
    fn smartrecruiters_and_workable() {
        let k = same(&[
            "https://jobs.smartrecruiters.com/Visa/743999912345678-senior-analyst",
            "https://jobs.smartrecruiters.com/Visa/743999912345678-senior-analyst?trid=abc",
            "https://jobs.smartrecruiters.com/Visa/743999912345678",
        ]);
        assert_eq!(k, "smartrecruiters:743999912345678");
        let k = same(&[
            "https://apply.workable.com/huble/j/927FD30DD5/apply/",
            "https://apply.workable.com/huble/j/927FD30DD5",
            "https://apply.workable.com/huble/j/927fd30dd5/?utm_medium=social",
            "https://huble.workable.com/view/927FD30DD5",
        ]);
        assert_eq!(k, "workable:927FD30DD5");
    }

    #[test]
    fn other_sites_fall_back_to_the_address() {
        assert_eq!(
            key("https://jobs.example.com/openings/12?utm_source=x&from=feed#top"),
            "url:https://jobs.example.com/openings/12"
        );
        assert_eq!(
            key("https://Jobs.Example.com/openings/12/"),
            key("https://jobs.example.com/openings/12")
        );
        assert_ne!(
            key("https://jobs.example.com/openings/12"),
            key("https://jobs.example.com/openings/13")
        );
        // A lookalike host is not the site.
        assert!(key("https://greenhouse.io.evil.example/acme/jobs/12345").starts_with("url:"));
    }
}
