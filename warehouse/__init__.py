"""Warehouse: schema, migrations, encrypted identity, roster, key rotation, audit."""
