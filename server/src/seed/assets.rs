//! What the demo is made of: names, companies, resume PDFs and proof screenshots.

use std::io::Cursor;

use app::api::AppError;

pub(super) const FIRST: [&str; 12] = [
    "Amara", "Ben", "Chloe", "Diego", "Elif", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Lena",
];
pub(super) const LAST: [&str; 12] = [
    "Okafor", "Schmidt", "Dubois", "Alvarez", "Yilmaz", "Haddad", "Kim", "Tanaka", "Costa", "Berg",
    "Adeyemi", "Novak",
];
pub(super) const COMPANIES: [(&str, &str, &str); 12] = [
    ("Northwind Analytics", "Data Analyst", "Berlin, Germany"),
    (
        "Blue Harbor Logistics",
        "Operations Coordinator",
        "Rotterdam, Netherlands",
    ),
    ("Cedar Health", "Product Manager", "Remote"),
    (
        "Lumen Robotics",
        "Embedded Software Engineer",
        "Munich, Germany",
    ),
    ("Orchid Financial", "Risk Analyst", "London, United Kingdom"),
    ("Pine & Partners", "Marketing Specialist", "Dublin, Ireland"),
    ("Quarry Games", "Backend Developer", "Remote"),
    ("Riverstone Energy", "Project Engineer", "Oslo, Norway"),
    ("Saffron Foods", "Supply Chain Planner", "Lyon, France"),
    ("Tidewater Media", "Content Strategist", "Lisbon, Portugal"),
    ("Umbra Security", "Security Engineer", "Vienna, Austria"),
    ("Vantage Retail", "UX Designer", "Copenhagen, Denmark"),
];

pub(super) fn person(i: usize) -> (&'static str, &'static str) {
    (FIRST[i % FIRST.len()], LAST[(i * 5 + 3) % LAST.len()])
}

/// A one-page PDF that says whose resume it is (a real PDF: the product checks files by content).
pub(super) fn resume_pdf(name: &str, kind: &str) -> Vec<u8> {
    let text = format!("{name} - {kind} resume").replace(['(', ')', '\\'], "");
    let stream = format!("BT /F1 18 Tf 72 720 Td ({text}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!(
            "<< /Length {} >>\nstream\n{stream}\nendstream",
            stream.len()
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = String::from("%PDF-1.4\n");
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
    }
    let xref = pdf.len();
    pdf.push_str(&format!(
        "xref\n0 {}\n0000000000 65535 f \n",
        objects.len() + 1
    ));
    for o in offsets {
        pdf.push_str(&format!("{o:010} 00000 n \n"));
    }
    pdf.push_str(&format!(
        "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    ));
    pdf.into_bytes()
}

/// A screenshot-like PNG: a page with a header bar and a green "submitted" banner.
pub(super) fn proof_png(seed: usize) -> Result<Vec<u8>, AppError> {
    let hue = (seed * 37 % 200) as u8;
    let img = image::RgbImage::from_fn(640, 400, |_, y| match y {
        0..=47 => image::Rgb([30, 40 + hue / 4, 90 + hue / 3]),
        150..=199 => image::Rgb([46, 160, 67]),
        _ => image::Rgb([246, 247, 249]),
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| {
            tracing::error!(error = %e, "could not draw a demo screenshot");
            AppError::Internal
        })?;
    Ok(out.into_inner())
}
