"""The small experiment: 8 shipped GRU networks, 11 abstraction functions, ambiguity per function.

The code is stateclusters/commands/run_small_experiment.py; installed, it is also
`python -m stateclusters.commands.run_small_experiment`.
"""
from stateclusters.commands.run_small_experiment import run

if __name__ == "__main__":
    run()
