"""The query tables: a rebuildable cache of the history as valid-time intervals."""
