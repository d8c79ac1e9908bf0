"""The scripts' commands: the root's scripts and the installed `stateclusters-*` commands call these."""
