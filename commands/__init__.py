"""CLI command groups. Each module registers its subcommands on the parser built by cli.py."""
