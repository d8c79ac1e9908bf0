"""The paper's published networks, evaluated as the grid evaluates ours.

The code is stateclusters/commands/evaluate_paper_networks.py; installed, it is also
`python -m stateclusters.commands.evaluate_paper_networks`.
"""
from stateclusters.commands.evaluate_paper_networks import run

if __name__ == "__main__":
    run()
