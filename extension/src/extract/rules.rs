//! The selectors of each supported site, per field (guest and logged-in variants where they differ).
//!
//! Selectors follow the sites' markup as of 2024-2026. Each field lists alternatives, most specific first; the first
//! one that yields a non-empty value wins. Stable hooks come first (`data-testid`, `data-automation`, `data-ui`,
//! ARIA, link targets such as `/company/`), class names after them.

/// The selectors of one site, per field.
pub(super) struct Rule {
    pub title: &'static [&'static str],
    pub company: &'static [&'static str],
    pub location: &'static [&'static str],
}

pub(super) const LINKEDIN: Rule = Rule {
    title: &[
        // Guest (logged-out) job page.
        "h1.top-card-layout__title",
        "h1.topcard__title",
        // Logged-in job page and the search page's detail pane.
        ".job-details-jobs-unified-top-card__job-title h1",
        ".job-details-jobs-unified-top-card__job-title",
        ".jobs-unified-top-card__job-title",
        "[data-view-name=\"job-detail-page\"] h1",
        // 2026: no heading; the title is the first paragraph of a display-contents wrapper in the top card.
        "[data-view-name=\"job-detail-page\"] [data-display-contents=\"true\"] > p",
    ],
    company: &[
        ".topcard__org-name-link",
        ".topcard__flavor:not(.topcard__flavor--bullet)",
        ".job-details-jobs-unified-top-card__company-name a",
        ".job-details-jobs-unified-top-card__company-name",
        ".jobs-unified-top-card__company-name",
        // 2024 logged-in: "Company · Location" line whose first link is the company.
        ".job-details-jobs-unified-top-card__primary-description-container a[href*=\"/company/\"]",
        // 2026: the first link to a company page in the top card (its logo's and name's).
        "[data-view-name=\"job-detail-page\"] a[href*=\"/company/\"]",
    ],
    location: &[
        ".topcard__flavor--bullet",
        // "Location · 3 days ago · 41 applicants" (older layouts start with the company).
        ".job-details-jobs-unified-top-card__primary-description-container",
        ".job-details-jobs-unified-top-card__tertiary-description-container",
        ".job-details-jobs-unified-top-card__bullet",
        ".jobs-unified-top-card__bullet",
        // 2026 (generated class names; the top card starts `job-detail-page`): the first paragraph made of spans ("Amsterdam, ... · 1 day ago · ...").
        "[data-view-name=\"job-detail-page\"] p:has(> span + span)",
    ],
};

pub(super) const INDEED: Rule = Rule {
    title: &[
        "[data-testid=\"jobsearch-JobInfoHeader-title\"]",
        "h1.jobsearch-JobInfoHeader-title",
        ".jobsearch-JobInfoHeader-title",
    ],
    company: &[
        "[data-testid=\"inlineHeader-companyName\"] a",
        "[data-testid=\"inlineHeader-companyName\"]",
        "[data-testid=\"jobsearch-CompanyInfoContainer\"] [data-company-name=\"true\"]",
    ],
    location: &[
        "[data-testid=\"inlineHeader-companyLocation\"] > div",
        "[data-testid=\"inlineHeader-companyLocation\"]",
        "[data-testid=\"job-location\"]",
        "[data-testid=\"jobsearch-JobInfoHeader-companyLocation\"]",
    ],
};

pub(super) const GREENHOUSE: Rule = Rule {
    // Classic boards (boards.greenhouse.io) and the 2024 redesign (job-boards.greenhouse.io).
    title: &["h1.app-title", ".job__title h1", ".app-title"],
    company: &["#header .company-name", ".company-name", ".logo img@alt"],
    location: &[".job__location", "#header .location", ".location"],
};

pub(super) const LEVER: Rule = Rule {
    title: &[".posting-headline h2", ".posting-header h2"],
    company: &[".main-header-logo img@alt"],
    location: &[
        ".posting-categories .location",
        ".posting-categories .sort-by-location",
        ".sort-by-location",
    ],
};

pub(super) const WORKDAY: Rule = Rule {
    title: &["[data-automation-id=\"jobPostingHeader\"]"],
    company: &[],
    location: &[
        "[data-automation-id=\"locations\"] dd",
        "[data-automation-id=\"location\"] dd",
    ],
};

pub(super) const ASHBY: Rule = Rule {
    title: &["h1.ashby-job-posting-heading", "h1"],
    company: &[],
    // The left pane's first section is "Location".
    location: &[
        ".ashby-job-posting-left-pane h2 + p",
        ".ashby-job-posting-left-pane h2 + div",
    ],
};

pub(super) const SEEK: Rule = Rule {
    title: &["[data-automation=\"job-detail-title\"]"],
    company: &["[data-automation=\"advertiser-name\"]"],
    location: &["[data-automation=\"job-detail-location\"]"],
};

pub(super) const WORKABLE: Rule = Rule {
    title: &["[data-ui=\"job-title\"]", "main h1"],
    company: &["[data-ui=\"company-name\"]"],
    location: &["[data-ui=\"job-location\"]"],
};

/// ZipRecruiter: the job page, and the search page's right pane with the selected job (`lk`).
pub(super) const ZIPRECRUITER: Rule = Rule {
    title: &[
        "[data-testid=\"job-details-scroll-container\"] h2",
        "[data-testid=\"right-pane\"] h2",
        "h1.job_title",
        "main h1",
    ],
    company: &[
        "[data-testid=\"job-details-scroll-container\"] a[href*=\"/co/\"]",
        "[data-testid=\"right-pane\"] a[href*=\"/co/\"]",
        ".hiring_company_text",
        "main a[href*=\"/co/\"]",
    ],
    location: &[
        "[data-testid=\"job-details-scroll-container\"] div.grid > div.grid > div.mb-24 p",
        ".location_text",
        "[data-testid=\"job-location\"]",
    ],
};

/// Teamtailor career sites (often on the company's own domain): the cover shows "Department · Location" above the
/// job title, also on the application page.
pub(super) const TEAMTAILOR: Rule = Rule {
    title: &[".block-cover h1", "main h1"],
    company: &[],
    location: &[
        "[data-test=\"job-location\"]",
        ".block-cover :has(+ h1) > span:last-child",
    ],
};
