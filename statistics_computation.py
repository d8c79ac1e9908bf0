"""Tables and figures from result pickles: how ambiguous is each function's clustering?

The code is stateclusters/commands/statistics_computation.py; installed, it is also
`python -m stateclusters.commands.statistics_computation`.
"""
from stateclusters.commands.statistics_computation import run

if __name__ == "__main__":
    run()
