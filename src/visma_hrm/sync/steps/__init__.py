"""The after-load steps of a run: deletions, exclusions, retention, history, change feed."""
