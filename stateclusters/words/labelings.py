"""The labelings and word lengths that light readers need (result keys, statistics) without loading automata."""
LABELINGS = ("regular", "stackless", "stack_size", "top_of_stack")
PDA_LABELINGS = ("stackless", "stack_size", "top_of_stack")
STACK_SIZE_CAP = 3          # stack_size labels count the stack up to this height (docs/contract.md, Labelings)
MAX_TRAINING_LENGTH = 14    # training and validation words have lengths 1..14 (docs/contract.md, Words)
