//! Sending email with lettre: HTML and text bodies; written as `.eml` files into an outbox folder by default, over
//! SMTP when `SMTP_URL` is set.

use std::path::PathBuf;

use app::domain::infra::queue::Email;
use lettre::{
    message::{header::ContentType, Mailbox, MultiPart, SinglePart},
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
};

pub enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>, PathBuf),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// How long one SMTP exchange may take (connecting included) before it counts as failed.
pub const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

pub struct Mailer {
    transport: Transport,
    from: Mailbox,
    /// The site's address, for links in messages.
    origin: String,
}

impl Mailer {
    /// Write messages as `.eml` files into `dir` (created if missing).
    pub fn outbox(dir: PathBuf, from: Mailbox, origin: String) -> std::io::Result<Mailer> {
        std::fs::create_dir_all(&dir)?;
        Ok(Mailer {
            transport: Transport::Outbox(AsyncFileTransport::new(&dir), dir),
            from,
            origin,
        })
    }

    /// Send over SMTP: `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required` (STARTTLS), or
    /// `smtp://host:25` (unencrypted: only for a relay on the same machine).
    pub fn smtp(url: &str, from: Mailbox, origin: String) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL: {e}"))?
            // Well inside the claim a notification email holds on its news (notifications::EMAIL_CLAIM): a send that
            // outlived its claim could be sent again by another digest.
            .timeout(Some(SEND_TIMEOUT))
            .build();
        Ok(Mailer {
            transport: Transport::Smtp(transport),
            from,
            origin,
        })
    }

    /// The outbox folder, when mail is written to files.
    pub fn outbox_dir(&self) -> Option<&std::path::Path> {
        match &self.transport {
            Transport::Outbox(_, dir) => Some(dir),
            Transport::Smtp(_) => None,
        }
    }

    pub fn describe(&self) -> String {
        match &self.transport {
            Transport::Outbox(_, dir) => format!("outbox:{}", dir.display()),
            Transport::Smtp(_) => "smtp".into(),
        }
    }

    /// Build the message (text and HTML alternatives) for an email job.
    pub fn message(&self, e: &Email) -> Result<Message, String> {
        let to: Mailbox = format!("{} <{}>", e.name.replace(['<', '>', '"'], ""), e.to)
            .parse()
            .or_else(|_| e.to.parse())
            .map_err(|err| format!("bad recipient: {err}"))?;
        let absolute = |l: &Option<String>| l.as_ref().map(|l| format!("{}{l}", self.origin));
        let link = absolute(&e.link);
        let mut text = match &link {
            Some(l) => format!("{}\n\n{}\n\nOpen: {l}\n", e.subject, e.body),
            None => format!("{}\n\n{}\n", e.subject, e.body),
        };
        let mut items_html = String::new();
        for item in &e.items {
            let link = absolute(&item.link);
            text.push_str(&format!("\n* {}\n  {}\n", item.title, item.message));
            if let Some(l) = &link {
                text.push_str(&format!("  Open: {l}\n"));
            }
            items_html.push_str(&format!(
                "<li><strong>{}</strong><br>{}{}</li>",
                escape(&item.title),
                escape(&item.message),
                link.map(|l| format!("<br><a href=\"{}\">Open in JobDelegate</a>", escape(&l)))
                    .unwrap_or_default()
            ));
        }
        if !items_html.is_empty() {
            items_html = format!("<ul>{items_html}</ul>");
        }
        let html = format!(
            "<!doctype html><html><body style=\"font-family:sans-serif\"><h2>{}</h2><p>{}</p>{items_html}{}</body></html>",
            escape(&e.subject),
            escape(&e.body),
            link.as_ref()
                .map(|l| format!("<p><a href=\"{}\">Open in JobDelegate</a></p>", escape(l)))
                .unwrap_or_default()
        );
        // A digest keeps its recorded identity, so the same message sent again after a crash mid-send is known as
        // the same one (clients that de-duplicate by Message-ID show it once); other messages get one made up.
        let id = e
            .message_id
            .map(|id| format!("<{id}@{}>", self.from.email.domain()));
        Message::builder()
            .message_id(id)
            .from(self.from.clone())
            .to(to)
            .subject(e.subject.clone())
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(html),
                    ),
            )
            .map_err(|err| format!("could not build the message: {err}"))
    }

    pub async fn send(&self, e: &Email) -> Result<(), String> {
        let message = self.message(e)?;
        match &self.transport {
            Transport::Outbox(t, _) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| err.to_string()),
            Transport::Smtp(t) => t
                .send(message)
                .await
                .map(|_| ())
                .map_err(|err| err.to_string()),
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
