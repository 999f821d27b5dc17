"""One login attempt under both limits: the client address's
(cms.services.address_limits, LOGIN_FAILURE_LIMIT) and the account's
(cms.services.login_limits). Both count the attempt before the password or
code is checked, so parallel guesses cannot pass uncounted.

A login is a password, then for an account with two-factor login a code
(cms.services.two_factor). The account's failures are forgotten only when
the whole login succeeds: knowing the password does not reset the count of
code guesses, which the same two limits bound.
"""

from __future__ import annotations

import time

from cms.models import User
from cms.services.address_limits import AddressThrottled, claim_address, release_address
from cms.services.login_limits import AccountThrottled, claim_attempt, login_succeeded
from cms.services.two_factor import use_second_factor
from cms.services.users import authenticate

SCOPE = "login"
Throttled = (AddressThrottled, AccountThrottled)


def _claim(username: str, address: str) -> None:
    """Count one attempt at `username` from `address`; AddressThrottled or
    AccountThrottled (nothing kept) while either must wait."""
    claim_address(SCOPE, address)
    try:
        claim_attempt(username)
    except AccountThrottled:
        release_address(SCOPE, address)
        raise


def check_password(username: str, password: str, address: str) -> User | None:
    """The active account with this username and password, else None (the
    attempt stays counted against both limits). A right password gives the
    address's count back; the account's failures are forgotten unless a code
    must follow. Raises AddressThrottled / AccountThrottled while a limit
    makes the attempt wait."""
    _claim(username, address)
    user = authenticate(username, password)
    if user is None:
        return None
    release_address(SCOPE, address)
    if not user.has_two_factor:
        login_succeeded(username)
    return user


def check_second_factor(user: User, code: str, address: str) -> bool:
    """Whether `code` completes the login of `user` (its password given a
    moment ago): counted against both limits first; a right code forgets
    the account's failures and gives the address's count back. Raises
    AddressThrottled / AccountThrottled while a limit makes it wait."""
    _claim(user.username, address)
    if not use_second_factor(user, code, time.time()):
        return False
    login_succeeded(user.username)
    release_address(SCOPE, address)
    return True
