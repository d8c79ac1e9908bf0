"""The full grid: every network trained, tested, clustered and scored; resumable and parallel.

The code is stateclusters/commands/experiment_runner.py; installed, it is also
`python -m stateclusters.commands.experiment_runner`.
"""
from stateclusters.commands.experiment_runner import run

if __name__ == "__main__":
    run()
