//! E-mail over SMTP with lettre on tokio and rustls: STARTTLS (required, not opportunistic),
//! implicit TLS, or plain for a local relay. Each message is `multipart/alternative` with the
//! text body first and the HTML body second, as mail clients expect.

use super::SendError;
use crate::NotifyError;
use crate::config::{SmtpConfig, SmtpSecurity};
use crate::message::Message;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::time::Duration;

pub struct EmailChannel {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailChannel {
    pub fn from_config(c: &SmtpConfig) -> Result<EmailChannel, NotifyError> {
        let from: Mailbox = c.from.parse().map_err(|e| {
            NotifyError::Config(format!(
                "[notify.smtp] from = '{}' is not an address ({e}); write Name <a@b.c>",
                c.from
            ))
        })?;
        let relay_error =
            |e: lettre::transport::smtp::Error| NotifyError::Config(format!("SMTP host '{}': {e}", c.host));
        let builder = match c.security {
            SmtpSecurity::Starttls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host).map_err(relay_error)?
            }
            SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host).map_err(relay_error)?,
            SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&c.host),
        };
        let mut builder = builder.port(c.port).timeout(Some(Duration::from_secs(c.timeout_seconds.max(1))));
        if let Some(user) = &c.username {
            let password = c.password.load("the SMTP password ([notify.smtp] password)")?;
            builder = builder.credentials(Credentials::new(user.clone(), password.expose().to_string()));
        }
        Ok(EmailChannel { transport: builder.build(), from })
    }

    /// The mail as sent, for tests and previews.
    pub fn build(&self, to: &str, m: &Message) -> Result<lettre::Message, SendError> {
        let to: Mailbox = to.parse().map_err(|e| {
            SendError::Permanent(format!("'{to}' is not an e-mail address ({e}); fix the recipient's address"))
        })?;
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(m.subject.clone())
            .multipart(MultiPart::alternative_plain_html(m.text.clone(), m.html.clone()))
            .map_err(|e| SendError::Permanent(format!("cannot build the e-mail: {e}")))
    }

    pub async fn send_to(&self, to: &str, m: &Message) -> Result<(), SendError> {
        let mail = self.build(to, m)?;
        match self.transport.send(mail).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => {
                Err(SendError::Permanent(format!("the SMTP server refused the message: {e}")))
            }
            Err(e) => Err(SendError::Retryable(format!("SMTP: {e}"))),
        }
    }
}
