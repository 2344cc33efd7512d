"""Reading and validating plan files: TOML and the CSV files beside them."""
