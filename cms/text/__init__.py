"""Pure functions over strings: no database, no Flask; the hot paths."""
