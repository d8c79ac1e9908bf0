"""Do a network's hidden states track the states of an automaton? The public API (docs/api.md) is
`stateclusters.api`; its names are offered here too, imported on first use so that `import stateclusters`
(and every script's --help) stays light."""


def __getattr__(name: str):
    if name.startswith("__") or name == "api":   # dunder probes, and the submodule itself while it is imported
        raise AttributeError(f"module 'stateclusters' has no attribute {name!r}")
    import stateclusters.api
    if name in stateclusters.api.__all__:
        return getattr(stateclusters.api, name)
    raise AttributeError(f"module 'stateclusters' has no attribute {name!r}")


def __dir__():
    import stateclusters.api
    return sorted(set(globals()) | set(stateclusters.api.__all__))
