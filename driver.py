"""One network, one function, start to end: train or load, test, cluster, print the ambiguity.

The code is stateclusters/commands/driver.py; installed, it is also
`python -m stateclusters.commands.driver`.
"""
from stateclusters.commands.driver import run

if __name__ == "__main__":
    run()
