"""Related articles: for each published article, the six most related
published articles, computed after commit and stored, so that showing them
costs one indexed read.

The package is split by responsibility:
- `terms`: an article's weighted terms, key terms and the site's document
  frequencies (and the site's words taught to the segmenter);
- `scoring`: candidates from the inverted index and their scores;
- `index`: an article's counts and key terms kept in the database;
- `lists`: the stored lists (computing, spreading, leaving, rebuilding) and
  the queue of lists to compute;
- `queue`: following the events, and the worker that drains the queue;
- `picks`: what readers are shown, and editors' pins and exclusions.
"""
