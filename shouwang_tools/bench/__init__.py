"""Benchmarks: `shouwang bench match` (record linkage against peers); more join as modules."""
