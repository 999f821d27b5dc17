"""Pure functions over strings: no database, no Flask. The hot paths, benchmarked alone."""
