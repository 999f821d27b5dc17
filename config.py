"""Configuration classes, chosen by CMS_CONFIG; values come from the environment."""

import os
from datetime import timedelta


def _database_url() -> str:
    url = os.environ.get("DATABASE_URL", "sqlite:///cms.sqlite")
    # Heroku-style URLs say postgres://; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _default_site_url() -> str:
    host = os.environ.get("HOST", "127.0.0.1")
    port = os.environ.get("PORT", "5000")
    return f"http://{host}:{port}"


class Config:
    """Defaults shared by every environment."""

    # Unset: production refuses to start; elsewhere a random key is made on
    # first start and kept in instance/secret_key (cms.secret_key).
    SECRET_KEY = os.environ.get("SECRET_KEY") or None
    # Retired keys still accepted after a rotation (session cookies, sealed
    # two-factor secrets, which are sealed anew under SECRET_KEY when used):
    # separated by spaces or commas.
    SECRET_KEY_FALLBACKS = (
        os.environ.get("SECRET_KEY_FALLBACKS", "").replace(",", " ").split()
    )
    SQLALCHEMY_DATABASE_URI = _database_url()
    # hide_parameters: a database error's message (logs, 503 page) never
    # shows the values of the statement, which may be hashes or tokens.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
    REDIS_URL = os.environ.get("REDIS_URL") or None
    SITE_URL = os.environ.get("SITE_URL", _default_site_url()).rstrip("/")
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    MAIL_URL = os.environ.get("MAIL_URL") or None
    # The sender of notifications; unset: noreply@<SITE_URL's host>.
    MAIL_FROM = os.environ.get("MAIL_FROM") or None
    MEDIA_URL = os.environ.get("MEDIA_URL") or None
    # Deliver the outbox from a background thread in each worker as soon as a
    # change queues mail; off: only `flask cms tick` delivers it.
    OUTBOX_THREAD = True
    # Page views are buffered (in each worker, or in Redis with REDIS_URL) and
    # written every this many seconds by a thread in each worker, at worker
    # exit and by `flask cms tick` (cms/services/views.py).
    VIEW_FLUSH_SECONDS = float(os.environ.get("VIEW_FLUSH_SECONDS", "5"))
    VIEW_FLUSH_THREAD = True
    # Related-article lists after a change: "thread" (a background thread in
    # the worker, after commit), "inline" (in the after-commit handler) or
    # "tick" (only `flask cms tick`).
    RELATED_MODE = os.environ.get("RELATED_MODE", "thread")
    # Searches one client address may make (/search).
    SEARCH_LIMIT = "30 per minute;300 per hour"
    # Application log lines on stderr: "text" (for a terminal) or "json"
    # (one object per line, for a log collector); see cms/logs.py.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    # Tracebacks in log lines; off in production, whose lines carry only the
    # exception's type and where our code was (cms/logs.py).
    LOG_TRACEBACKS = True
    ARTICLES_PER_PAGE = 10
    # Lists (home, category, tag, author): numbered pages up to this one, then
    # `?before=<public_id>` (keyset); and how long a process keeps the number
    # of articles a list holds (dropped at once by a change in that process).
    LIST_MAX_PAGES = 100
    LIST_COUNT_SECONDS = 60.0
    # URLs in one sitemap file (the protocol's limit); a site that may have
    # more gets /sitemap.xml as a sitemap index of /sitemap-N.xml.
    SITEMAP_MAX_URLS = 50_000
    # How long a process keeps the header menu and friend links (seconds).
    MENU_CACHE_SECONDS = 2
    # Failed logins allowed per client address before /auth/login answers 429.
    LOGIN_FAILURE_LIMIT = "5 per minute;30 per hour"
    # After 5 failed logins at one account (any addresses), the wait before
    # the next attempt: this many seconds, doubling per failure, at most 5 min.
    LOGIN_ACCOUNT_FIRST_DELAY = 1
    # Requests for a password-reset e-mail allowed per client address.
    PASSWORD_RESET_LIMIT = "5 per minute"
    # Tip-box "opened" beacons counted per client address.
    TIP_BEACON_LIMIT = "30 per minute"
    # Image uploads (editor and media library) per account: each costs about
    # a second of CPU for a 12-megapixel photo.
    MEDIA_UPLOAD_LIMIT = "120 per hour"
    # With REDIS_URL: how long a rate-limit call waits for Redis (seconds), and
    # how often Redis is tried again while the counters use the database.
    RATELIMIT_REDIS_TIMEOUT = 0.5
    RATELIMIT_REDIS_RETRY_SECONDS = 5
    # Cookies: never readable by scripts, not sent on cross-site POSTs; also
    # Secure whenever SITE_URL is https:// (create_app sets that).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # How long "记住我" keeps an account logged in (days); never longer than
    # SESSION_ABSOLUTE_HOURS after the login (cms/auth/sessions.py).
    REMEMBER_COOKIE_DURATION = timedelta(
        days=int(os.environ.get("REMEMBER_COOKIE_DAYS", "30"))
    )
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # A login session ends after this many minutes without a request (unless
    # "记住我" was ticked), and this many hours after the login whatever
    # happens (with or without "记住我"): cms/auth/sessions.py.
    SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", "120"))
    SESSION_ABSOLUTE_HOURS = float(os.environ.get("SESSION_ABSOLUTE_HOURS", "168"))
    # Strict-Transport-Security max-age, sent when SITE_URL is https (0: off).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", str(365 * 24 * 3600)))
    # The form token lives as long as the session it is bound to (logging out
    # ends both): an editor who leaves a page open all day can still save.
    WTF_CSRF_TIME_LIMIT = None
    # The editor sends its autosave copy this many seconds after a change.
    AUTOSAVE_SECONDS = 30
    # The page cache for anonymous readers (README "Page cache"): on unless
    # PAGE_CACHE=0; in this process, or in Redis when REDIS_URL is set.
    PAGE_CACHE = os.environ.get("PAGE_CACHE", "1") != "0"
    # The longest an entry lives (seconds); events drop entries sooner.
    PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
    # Pages showing a view count (the article page's data-views) live this
    # long: with the view buffer's flush, the count lags at most 15 s.
    PAGE_CACHE_COUNT_SECONDS = 10
    # The in-process backend's bound on the bodies it keeps (bytes, LRU).
    PAGE_CACHE_MAX_BYTES = int(os.environ.get("PAGE_CACHE_MAX_BYTES", str(64 << 20)))
    # The file through which one server's workers share invalidations
    # (in-process backend); unset: instance/page-cache.sync.
    PAGE_CACHE_SYNC_FILE = os.environ.get("PAGE_CACHE_SYNC_FILE") or None
    PAGE_CACHE_PREFIX = "cms:pc:"  # Redis key prefix
    # A directory where anonymous pages are also written as files for nginx
    # (deploy/nginx/cms.conf); unset: no files.
    PAGE_STORE = os.environ.get("PAGE_STORE") or None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


class DevelopmentConfig(Config):
    """Local development: the embedded SQLite database under instance/."""


class TestingConfig(Config):
    """The test suite: in-memory SQLite unless TEST_DATABASE_URL says otherwise."""

    TESTING = True
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    WTF_CSRF_ENABLED = False
    REDIS_URL = None
    SITE_URL = "http://cms.test"
    LOGIN_FAILURE_LIMIT = "5 per minute"
    PASSWORD_HASH_CHEAP = True  # argon2's cheapest profile: fast tests only
    MENU_CACHE_SECONDS = 0  # every request reads the menus (tests change them)
    OUTBOX_THREAD = False  # tests deliver the outbox when they choose
    # Off for the suite at large (tests that write rows directly would read
    # stale pages); tests/pagecache turns it on.
    PAGE_CACHE = False
    PAGE_STORE = None
    VIEW_FLUSH_THREAD = False  # tests flush the views when they choose
    LIST_COUNT_SECONDS = 0.0  # tests change articles behind the services' back
    RELATED_MODE = "tick"  # related lists: tests run the queue when they choose


class ProductionConfig(Config):
    """Production: create_app refuses to start without a real SECRET_KEY or
    with DEBUG on (FLASK_DEBUG=1, instance/config.py); log lines are JSON
    without tracebacks."""

    REQUIRE_SECRET_KEY = True
    DEBUG = False
    REFUSE_DEBUG = True
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    LOG_TRACEBACKS = False


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by CMS_CONFIG (default: development)."""
    name = os.environ.get("CMS_CONFIG", "development")
    try:
        return CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"CMS_CONFIG={name!r} is not one of {', '.join(CONFIGS)}"
        ) from None
