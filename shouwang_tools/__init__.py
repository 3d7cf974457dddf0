"""Tools outside the product: the demo county generator and the benchmarks (`make demo`, `make bench`).

They sit above every layer: they may import the product, the product never imports them.
`shouwang generate` and `shouwang bench` reach them through the `shouwang.commands` entry points.
"""
