"""One module per department, each declaring ``CONTRACT``; `connectors.catalog` finds them all."""
