"""The abstraction functions, under the name the paper's repository gives them: the table of 19 and `Abstraction`.
A face of the package for readers of that code: every name is stateclusters.clustering.functions'."""
from stateclusters.clustering.functions import (
    FUNCTION_NAMES,
    FUNCTIONS,
    Abstraction,
    AbstractionFunction,
    cluster_hidden_states,
    get_function,
)

__all__ = ["FUNCTIONS", "FUNCTION_NAMES", "Abstraction", "AbstractionFunction", "cluster_hidden_states",
           "get_function"]
