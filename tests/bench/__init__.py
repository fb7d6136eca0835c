"""The benchmark (`make bench`): a synthetic history generator and the runner."""
