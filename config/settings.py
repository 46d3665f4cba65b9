"""Settings, all read from environment variables prefixed ``FOI_`` (plus the standard ``DATABASE_URL``).

Every setting is documented in README.md ("Settings"). Nothing is written outside ``FOI_DATA_DIR``.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"FOI_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name, "")
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "data"))).resolve()
SECRET_KEY = env("SECRET_KEY", "dev-only-insecure-key-set-FOI_SECRET_KEY-in-production")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = [h for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in env("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
    "review",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "review.middleware.UploadLimitMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
WSGI_APPLICATION = "config.wsgi.application"

_SQLITE_URL = f"sqlite:///{DATA_DIR / 'foi-ledger.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _SQLITE_URL), conn_max_age=0
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite cannot create the folder its file lives in: a fresh FOI_DATA_DIR must just work.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL + a busy timeout let the web server, the importer and qcluster share one SQLite file
    # without "database is locked" under the default workflow.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_PASSWORD_VALIDATORS: list[dict[str, str]] = []
LANGUAGE_CODE = env("LANGUAGE_CODE", "en-us")
"""The admin's own words; the review screens are in English with the template's Chinese labels (zh-hans works)."""
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
CLAIM_MINUTES = int(env("CLAIM_MINUTES", "30"))

MAX_UPLOAD_BYTES = int(env("MAX_UPLOAD_MB", "50")) * 1024 * 1024
# Uploads up to the limit stay in memory, so nothing is buffered in the system temp directory
# (nothing is written outside DATA_DIR); UploadLimitMiddleware refuses larger bodies before reading them.
FILE_UPLOAD_MAX_MEMORY_SIZE = MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Batch import (manage.py import_reports)
MAX_IMPORT_BYTES = int(float(env("MAX_IMPORT_MB", "100")) * 1024 * 1024)
MAX_ARCHIVE_BYTES = int(float(env("MAX_ARCHIVE_MB", "2048")) * 1024 * 1024)
IMPORT_WORKERS = int(env("IMPORT_WORKERS", str(min(4, os.cpu_count() or 1))))
IMPORT_TIMEOUT = float(env("IMPORT_TIMEOUT", "300"))

# Extraction
ACCEPT_CONFIDENCE = float(env("ACCEPT_CONFIDENCE", "0.9"))
QA_SAMPLE_RATE = float(env("QA_SAMPLE_RATE", "0.02"))

# LLM fallback: FOI_LLM_* are read by extraction.llm.LlmConfig.from_env (see docs/llm.md); without
# FOI_LLM_BASE_URL or FOI_LLM_MODEL the step is skipped and reports go to review ("LLM not configured").

# django-q2: ORM broker on the default database unless FOI_REDIS_URL is set. On SQLite the WAL + busy
# timeout + IMMEDIATE transactions above keep qcluster, the importer and the web server from failing with
# "database is locked" (tests/test_import_processes.py runs a real qcluster beside an import).
Q_CLUSTER: dict[str, object] = {
    "name": "foi-ledger",
    "workers": int(env("Q_WORKERS", "2")),
    "timeout": int(env("Q_TIMEOUT", "600")),
    "retry": int(env("Q_RETRY", "720")),
    "max_attempts": int(env("Q_MAX_ATTEMPTS", "3")),
    "ack_failures": True,  # a task that raised is recorded as failed, not retried forever
    "queue_limit": 50,
    "bulk": 5,
    "orm": "default",
    "catch_up": False,
    "save_limit": 1000,
    "poll": 0.5,
}
if env("REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = env("REDIS_URL")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
