//! Extraction on the saved fixture pages (extension/fixtures): each page → `snapshot_from_html` → `extract`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use extension::extract::{
    extract, looks_like_job_page, selectors_for, site_of, snapshot_from_html, JobInfo, Site,
    Snapshot,
};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn snapshot(file: &str, url: &str) -> Snapshot {
    let path = fixtures_dir().join(file);
    let html = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    snapshot_from_html(url, &html)
}

fn job(title: &str, company: &str, location: &str, url: &str, source: &str) -> Option<JobInfo> {
    Some(JobInfo {
        title: title.into(),
        company: company.into(),
        location: location.into(),
        url: url.into(),
        source: source.into(),
    })
}

fn check(file: &str, url: &str, expected: Option<JobInfo>) {
    let s = snapshot(file, url);
    assert_eq!(extract(&s), expected, "{file}\nsnapshot: {s:#?}");
}

/// One test per fixture, plus the list of all of them for the tests that go over every page.
macro_rules! fixtures {
    ($( $name:ident: $file:literal, $url:literal => $expected:expr; )*) => {
        $(
            #[test]
            fn $name() {
                check($file, $url, $expected);
            }
        )*

        fn all_cases() -> Vec<(&'static str, &'static str, Option<JobInfo>)> {
            vec![$(($file, $url, $expected)),*]
        }
    };
}

fixtures! {
    // LinkedIn: guest page with JSON-LD (entity in the title, country code), logged-in page and search page detail
    // pane without it, and a search page with no job selected.
    linkedin_guest_view_with_json_ld: "linkedin/guest-view-jsonld.html",
        "https://www.linkedin.com/jobs/view/senior-rust-engineer-search-ranking-at-halvard-systems-4012345678?refId=a1B2c3&trackingId=x9Y8z7&position=1&pageNum=0&trk=public_jobs_jserp-result_search-card"
        => job("Senior Rust Engineer, Search & Ranking", "Halvard Systems", "Berlin, DE",
            "https://de.linkedin.com/jobs/view/senior-rust-engineer-search-ranking-at-halvard-systems-4012345678", "json-ld");
    linkedin_logged_in_view: "linkedin/logged-in-view.html",
        "https://www.linkedin.com/jobs/view/4023456789/"
        => job("Product Designer, Patient Apps", "Quillfeather Health", "Toronto, ON, Canada",
            "https://www.linkedin.com/jobs/view/4023456789/", "linkedin");
    linkedin_search_with_current_job: "linkedin/search-current-job.html",
        "https://www.linkedin.com/jobs/search/?currentJobId=4034567890&geoId=101282230&keywords=data%20engineer&origin=JOBS_HOME_SEARCH_BUTTON&refresh=true"
        => job("Data Engineer (Streaming)", "Orbitale Energy", "Hamburg, Germany (Hybrid)",
            "https://www.linkedin.com/jobs/view/4034567890/", "linkedin");
    linkedin_search_without_selection_is_not_a_job: "linkedin/search-no-selection.html",
        "https://www.linkedin.com/jobs/search?keywords=Rust&location=Berlin%2C%20Germany&geoId=106967730&position=1&pageNum=0"
        => None;

    // Indeed: the job page, and a regional search page with a selected job ("- job post" suffix, card trap).
    indeed_viewjob: "indeed/viewjob.html",
        "https://www.indeed.com/viewjob?jk=a1b2c3d4e5f60718&from=serp&vjs=3"
        => job("Senior Data Engineer", "Copperline Logistics", "Austin, TX 78701",
            "https://www.indeed.com/viewjob?jk=a1b2c3d4e5f60718", "indeed");
    indeed_uk_search_with_selected_job: "indeed/uk-search-vjk.html",
        "https://uk.indeed.com/jobs?q=warehouse+supervisor&l=Leeds&from=searchOnHP&vjk=0f1e2d3c4b5a6978"
        => job("Night Shift Warehouse Supervisor", "Larchmont Foods UK", "Leeds LS10",
            "https://uk.indeed.com/viewjob?jk=0f1e2d3c4b5a6978", "indeed");

    // Greenhouse: classic board ("at Company"), and the new board with a top-level JSON-LD array whose posting has
    // no location (completed by the site rule).
    greenhouse_classic_board: "greenhouse/classic-board.html",
        "https://boards.greenhouse.io/copperlinelogistics/jobs/5123456"
        => job("Senior Backend Engineer, Routing", "Copperline Logistics", "Denver, CO or Remote (US)",
            "https://boards.greenhouse.io/copperlinelogistics/jobs/5123456", "greenhouse");
    greenhouse_job_boards_json_ld_array: "greenhouse/job-boards-jsonld-array.html",
        "https://job-boards.greenhouse.io/orbitaleenergy/jobs/7012345002?gh_src=3c1f9a2b1us"
        => job("Field Service Technician – Wind", "Orbitale Energy", "Lisbon, Portugal",
            "https://job-boards.greenhouse.io/orbitaleenergy/jobs/7012345002", "json-ld");

    // Lever: company from the "Company - Title" title, and from the logo's alt text; ".location" and the older
    // ".sort-by-location" with its trailing slash.
    lever_posting: "lever/posting.html",
        "https://jobs.lever.co/larchmontfoods/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90?lever-source=LinkedIn"
        => job("Supply Chain Analyst", "Larchmont Foods", "Chicago, IL",
            "https://jobs.lever.co/larchmontfoods/3f2c9a1e-7b4d-4e8a-9c1f-2d5e6a7b8c90?lever-source=LinkedIn", "lever");
    lever_posting_with_logo_and_sort_by_location: "lever/posting-logo-sort-by-location.html",
        "https://jobs.lever.co/pinecrestmutual/a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d"
        => job("Claims Adjuster II", "Pinecrest Mutual", "Vancouver, BC",
            "https://jobs.lever.co/pinecrestmutual/a7b8c9d0-1e2f-4a3b-8c4d-5e6f7a8b9c0d", "lever");

    // Workday: JSON-LD with the country as an object, and the rendered page alone (company from the host).
    workday_json_ld: "workday/jsonld.html",
        "https://marrowbank.wd3.myworkdayjobs.com/en-US/MarrowbankCareers/job/Columbus-OH/Senior-Payroll-Analyst_R-10482?source=LinkedIn"
        => job("Senior Payroll Analyst", "Marrowbank Credit Union", "Columbus, OH, United States of America",
            "https://marrowbank.wd3.myworkdayjobs.com/en-US/MarrowbankCareers/job/Columbus-OH/Senior-Payroll-Analyst_R-10482", "json-ld");
    workday_without_json_ld: "workday/no-jsonld.html",
        "https://tarnhollow.wd103.myworkdayjobs.com/Tarnhollow_External/job/Lyon/Maintenance-Engineer_JR0042117"
        => job("Maintenance Engineer (Rail Systems)", "Tarnhollow", "Lyon, France",
            "https://tarnhollow.wd103.myworkdayjobs.com/Tarnhollow_External/job/Lyon/Maintenance-Engineer_JR0042117", "workday");

    // Ashby: JSON-LD of a remote job, and the page alone ("Title @ Company").
    ashby_json_ld_remote: "ashby/jsonld-remote.html",
        "https://jobs.ashbyhq.com/tidewater/8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f"
        => job("Senior Platform Engineer", "Tidewater Labs", "Remote (United Kingdom)",
            "https://jobs.ashbyhq.com/tidewater/8c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "json-ld");
    ashby_without_json_ld: "ashby/no-jsonld.html",
        "https://jobs.ashbyhq.com/brightwater/5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170?utm_source=x4Kq9Lm2"
        => job("Founding Data Scientist", "Brightwater Analytics", "New York City",
            "https://jobs.ashbyhq.com/brightwater/5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170?utm_source=x4Kq9Lm2", "ashby");

    // SEEK: the job page alone, and a NZ page with a malformed JSON-LD block before the good one.
    seek_job_detail: "seek/job-detail.html",
        "https://www.seek.com.au/job/81234567?type=standout&ref=search-standalone#sol=4b7c1e2d"
        => job("Senior Accountant", "Wattlebrook Advisory", "Parramatta, Sydney NSW",
            "https://www.seek.com.au/job/81234567", "seek");
    seek_nz_malformed_json_ld_next_to_good: "seek/nz-malformed-jsonld.html",
        "https://www.seek.co.nz/job/82345678?ref=recom-homepage"
        => job("Logistics Coordinator", "Kauri Coast Freight", "Wellington Central, Wellington, NZ",
            "https://www.seek.co.nz/job/82345678", "json-ld");

    // Other sites: Open Graph only, "Title at Company" only, a WordPress @graph with an @id reference, a blog post.
    generic_open_graph_only: "generic/opengraph-only.html",
        "https://careers.nordwindrobotics.example/positions/1187-senior-firmware-engineer"
        => job("Senior Firmware Engineer", "Nordwind Robotics", "",
            "https://careers.nordwindrobotics.example/positions/1187-senior-firmware-engineer", "generic");
    generic_title_at_company: "generic/title-at-company.html",
        "https://jobs.kestrelandfinch.example/openings/staff-accountant-0425"
        => job("Staff Accountant", "Kestrel & Finch", "",
            "https://jobs.kestrelandfinch.example/openings/staff-accountant-0425", "generic");
    generic_wordpress_graph: "generic/wordpress-graph.html",
        "https://www.greyfriarsdental.example/careers/dental-hygienist-edinburgh/?utm_source=facebook"
        => job("Dental Hygienist", "Greyfriars Dental Care", "Edinburgh, Scotland, GB",
            "https://www.greyfriarsdental.example/careers/dental-hygienist-edinburgh/", "json-ld");
    generic_blog_article_is_not_a_job: "generic/blog-article.html",
        "https://blog.tidewaterlabs.example/2025/11/how-we-run-interviews"
        => None;
}

/// Every fixture file is covered by a test above.
#[test]
fn every_fixture_file_is_listed() {
    let listed: Vec<String> = all_cases()
        .iter()
        .map(|(file, _, _)| file.to_string())
        .collect();
    let mut found = Vec::new();
    for dir in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            if file.extension().is_some_and(|e| e == "html") {
                let relative = file
                    .strip_prefix(fixtures_dir())
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                found.push(relative);
            }
        }
    }
    found.sort();
    let mut sorted = listed.clone();
    sorted.sort();
    assert_eq!(found, sorted);
}

/// The brief's coverage: at least two pages per supported site, one of them without JSON-LD.
#[test]
fn every_site_has_fixtures_with_and_without_json_ld() {
    let cases = all_cases();
    // The sites added for real pages (Workable, ZipRecruiter, Teamtailor) are measured on real pages only
    // (tests/real_pages.rs): no imitation of their pages is written here.
    let imitated = Site::ALL
        .into_iter()
        .filter(|s| !matches!(s, Site::Workable | Site::ZipRecruiter | Site::Teamtailor));
    for site in imitated {
        let pages: Vec<_> = cases
            .iter()
            .filter(|(_, url, _)| site_of(url) == Some(site))
            .collect();
        assert!(pages.len() >= 2, "{site:?}: {} pages", pages.len());
        let without_json_ld = pages
            .iter()
            .filter(|(file, url, _)| snapshot(file, url).json_ld.is_empty())
            .count();
        assert!(without_json_ld >= 1, "{site:?} has no page without JSON-LD");
        assert!(
            pages
                .iter()
                .any(|(_, _, job)| job.as_ref().is_some_and(|j| j.source == site.name())),
            "{site:?}: its rules never decide a fixture"
        );
    }
}

/// The button shows on exactly the pages that give a job.
#[test]
fn looks_like_job_page_agrees_with_extract() {
    for (file, url, expected) in all_cases() {
        assert_eq!(
            looks_like_job_page(&snapshot(file, url)),
            expected.is_some(),
            "{file}"
        );
    }
}

/// The snapshot reads exactly the site's selectors, in order.
#[test]
fn snapshots_read_the_site_selectors() {
    for (file, url, _) in all_cases() {
        let s = snapshot(file, url);
        let keys: Vec<&str> = s.texts.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, selectors_for(url), "{file}");
    }
}

/// On the supported sites' JSON-LD pages, the site rules alone also find the job (JSON-LD can disappear).
#[test]
fn site_rules_alone_find_the_job_on_json_ld_pages() {
    for (file, url, expected) in all_cases() {
        let (Some(site), Some(expected)) = (site_of(url), expected) else {
            continue;
        };
        let mut s = snapshot(file, url);
        if s.json_ld.is_empty() {
            continue;
        }
        s.json_ld.clear();
        let found = extract(&s).unwrap_or_else(|| panic!("{file}: nothing without JSON-LD"));
        assert_eq!(found.source, site.name(), "{file}");
        assert_eq!(found.title, expected.title, "{file}");
        assert!(
            !found.company.is_empty() && !found.location.is_empty(),
            "{file}: {found:?}"
        );
    }
}

/// The snapshot travels from the content script as JSON; extraction gives the same result after the trip.
#[test]
fn snapshots_survive_json() {
    for (file, url, expected) in all_cases() {
        let s = snapshot(file, url);
        let back: Snapshot = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s, "{file}");
        assert_eq!(extract(&back), expected, "{file}");
    }
}

#[test]
fn fixtures_stay_modest() {
    for (file, _, _) in all_cases() {
        let size = std::fs::metadata(fixtures_dir().join(file)).unwrap().len();
        assert!((500..=64 * 1024).contains(&size), "{file}: {size} bytes");
    }
}

/// Runs extraction repeatedly on the largest fixture: not a timing assertion (that belongs in a benchmark), but it
/// keeps an accidentally quadratic rule visible as a slow test.
#[test]
fn extract_runs_on_the_largest_fixture() {
    let (file, url, expected) = all_cases()
        .into_iter()
        .max_by_key(|(file, _, _)| std::fs::metadata(fixtures_dir().join(file)).unwrap().len())
        .unwrap();
    let s = snapshot(file, url);
    for _ in 0..200 {
        assert_eq!(extract(&s), expected, "{file}");
        assert!(looks_like_job_page(&s));
    }
}
