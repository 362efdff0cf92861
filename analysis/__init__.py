"""Analysis of stored results: pure functions over DataFrames and arrays, never a live model."""
