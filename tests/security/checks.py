"""Every check of the suite, imported so that each registers itself."""

from tests.security import (
    check_access,  # noqa: F401
    check_csrf,  # noqa: F401
    check_get_safe,  # noqa: F401
    check_headers,  # noqa: F401
    check_passwords,  # noqa: F401
    check_redirect,  # noqa: F401
    check_xss,  # noqa: F401
)
