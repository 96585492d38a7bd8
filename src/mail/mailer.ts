/**
 * Outgoing mail. With SMTP_URL and MAIL_FROM set, messages go out through nodemailer. Without
 * them, the development mailer prints each message to standard error for a person to read; it is
 * never a structured log line, so codes stay out of the logs that get shipped elsewhere.
 */
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'console';
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export interface MailerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export function createSmtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    kind: 'smtp',
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}

export function createConsoleMailer(logger: MailerLogger, out: NodeJS.WritableStream = process.stderr): Mailer {
  return {
    kind: 'console',
    async send(message) {
      out.write(`\n----- mail (development mailer, not sent) -----\nTo: ${message.to}\nSubject: ${message.subject}\n\n${message.text}\n-----------------------------------------------\n`);
      logger.info({}, 'mail written to the console by the development mailer');
    },
    close: () => {},
  };
}

export function createMailer(config: { smtpUrl: string | null; mailFrom: string | null }, logger: MailerLogger): Mailer {
  if (config.smtpUrl && config.mailFrom) return createSmtpMailer(config.smtpUrl, config.mailFrom);
  logger.warn({}, 'SMTP_URL and MAIL_FROM are not set: mail is printed to the console, not sent (development only)');
  return createConsoleMailer(logger);
}
