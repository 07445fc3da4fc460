"""Operating the registry: backups (and, later, other chores run from the command line)."""
