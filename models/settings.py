"""Settings from the environment (PARINDEX_*); tests build their own Settings instead of patching."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./var/parindex.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PARINDEX_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_user: str = "cchc@hanoi.example"
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_connections: int = Field(default=3, ge=1, le=16)  # sessions delivering side by side
    smtp_timeout: float = Field(default=60, gt=0, le=600)  # seconds a silent server may keep a session waiting
    mail_from: str = "cchc@hanoi.example"
    mail_from_name: str = "Sở Nội vụ"  # the sender as an inbox shows it (PARINDEX_MAIL_FROM_NAME: the department)
    language: str = "vi"
    # the web portal's address as units and staff reach it (`parindex web`): every mail links to it
    public_url: str = "http://127.0.0.1:8080"
    # the secret that signs sign-in links and session cookies: outside the database, readable by parindex only
    web_secret_file: str = "var/keys/web-secret"
    sign_in_link_days: int = Field(default=30, ge=1, le=120)  # how long a mailed sign-in link opens a session
    evidence_dir: str = "var/evidence"  # evidence files, stored by their sha256
    # the reverse proxies whose X-Forwarded-For the portal believes (comma-separated addresses); none by default,
    # so that no client chooses the address its sign-in attempts are counted under
    trusted_proxies: str = ""
    # the Ed25519 key that signs the history's checkpoints: outside the database, readable by parindex only
    signing_key_file: str = "var/keys/history-ed25519.pem"


@lru_cache
def get_settings() -> Settings:
    return Settings()
