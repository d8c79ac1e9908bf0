"""Do a network's hidden states track the states of an automaton? The public API (docs/api.md) is
`stateclusters.api`; its names are offered here too, imported on first use so that `import stateclusters`
(and every script's --help) stays light."""


def __getattr__(name: str):
    from stateclusters import api
    if name in api.__all__:
        return getattr(api, name)
    raise AttributeError(f"module 'stateclusters' has no attribute {name!r}")


def __dir__():
    from stateclusters import api
    return sorted(set(globals()) | set(api.__all__))
