"""The security proof suite (`make security`): each check attacks the app and
counts what got through, as `NAME: FOUND/TRIED`; test_suite.py runs every
check (FOUND within its bound) and plants a fault for each to show it can
fail."""
