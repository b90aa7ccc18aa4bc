"""The domain: store, loading, queries, validation, reasoning. No web imports here."""
