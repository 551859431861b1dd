//! The report's e-mail: when SMTP is configured (`SMTP_URL`, e.g. `smtp://127.0.0.1:2525`),
//! each college whose organisation has a contact address is told that its month's report is
//! ready and when it is due. A report is marked mailed once the server accepted the message,
//! so a failure is retried on the job's next run and a success is never sent twice.

use diesel_async::AsyncPgConnection;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{
        Body, Mailbox,
        header::{ContentTransferEncoding, ContentType},
    },
};
use shared::insight::Month;

use crate::{db, error::AppError};

/// An SMTP relay and the sender's address.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// From `smtp://host[:port]` (plain, for a relay on the campus network or localhost) or
    /// `smtps://user:password@host[:port]` (TLS is not built in: use a local relay), and the
    /// sender (`第二课堂成绩单 <noreply@example.edu.cn>`).
    pub fn new(url: &str, from: &str) -> Result<Mailer, String> {
        let rest = url
            .strip_prefix("smtp://")
            .ok_or_else(|| format!("SMTP_URL must start with smtp:// (got {url:?})"))?;
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .map_err(|_| format!("bad port in SMTP_URL {url:?}"))?,
            ),
            None => (rest, 25),
        };
        if host.is_empty() {
            return Err(format!("no host in SMTP_URL {url:?}"));
        }
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("MAIL_FROM {from:?} is not an address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(port)
            .timeout(Some(std::time::Duration::from_secs(10)))
            .build();
        Ok(Mailer { transport, from })
    }

    async fn send(&self, to: &str, subject: &str, body: String) -> Result<(), String> {
        let to: Mailbox = to.parse().map_err(|e| format!("{to:?}: {e}"))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            // Base64: Chinese lines are longer than 8-bit SMTP's line limit allows.
            .body(
                Body::new_with_encoding(body, ContentTransferEncoding::Base64)
                    .map_err(|_| "the message cannot be encoded".to_owned())?,
            )
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Mails every frozen, unfiled report not mailed yet to its college's contact address.
pub async fn send_due(
    conn: &mut AsyncPgConnection,
    mailer: &Mailer,
    public_url: &str,
) -> Result<usize, AppError> {
    let mut sent = 0;
    for report in db::reports::unmailed(conn).await? {
        let month = Month::of(report.month);
        let due = report
            .due_at
            .with_timezone(&chrono_tz::Asia::Shanghai)
            .format("%Y年%m月%d日 %H:%M");
        let subject = format!(
            "【工作月报】{} {}已生成，请审阅并提交",
            report.organization,
            month.label()
        );
        let body = format!(
            "{org}：\n\n{label}工作月报的数据已于本月 28 日生成。请审阅数据、填写工作总结并提交，截止时间为 {due} 前（北京时间）。\n\n\
             查看与提交：{url}/reports/{id}\n\n此邮件由第二课堂成绩单系统发出，请勿直接回复。\n",
            org = report.organization,
            label = month.label(),
            url = public_url.trim_end_matches('/'),
            id = report.id,
        );
        match mailer.send(&report.contact_email, &subject, body).await {
            Ok(()) => {
                db::reports::mailed(conn, report.id).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(report = report.id, %error, "the report's e-mail was not sent; retried later");
            }
        }
    }
    Ok(sent)
}
