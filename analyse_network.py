"""A network you bring: its agreement with an automaton and every function's ambiguity.

The code is stateclusters/commands/analyse_network.py; installed, it is also
`python -m stateclusters.commands.analyse_network`.
"""
from stateclusters.commands.analyse_network import run

if __name__ == "__main__":
    run()
