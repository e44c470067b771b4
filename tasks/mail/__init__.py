"""Mail: the outbox delivered over SMTP, the files it carries, what every template is given."""
