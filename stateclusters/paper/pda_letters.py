"""The order in which the paper's code listed the input letters of each pushdown automaton L1-L15.

Its networks' input columns follow this order. A fact about the paper's code (read off it once; it does not
change between runs), so it lives here: a checkout of the paper's repository has no file of it.
"""

PDA_LETTERS = {
    "CFG_L_1": ("a", "b"),
    "CFG_L_2": ("a", "b", "c", "d"),
    "CFG_L_3": ("a", "c", "b", "d", "e", "g", "f", "h"),
    "CFG_L_4": ("a", "b", "c", "d"),
    "CFG_L_5": ("a", "b", "c", "d", "e", "f"),
    "CFG_L_6": ("a", "c", "b", "d", "f", "e"),
    "CFG_L_7": ("(", "[", ")", "]"),
    "CFG_L_8": ("(", "[", "{", ")", "]", "}"),
    "CFG_L_9": ("(", "[", "{", "<", ")", "]", "}", ">"),
    "CFG_L_10": ("a", "b", "c", "d", "e", "v", "w", "x", "y", "z"),
    "CFG_L_11": ("a", "c", "b", "d", "f", "e"),
    "CFG_L_12": ("(", "[", ")", "]"),
    "CFG_L_13": ("(", "a", "b", "c", ")"),
    "CFG_L_14": ("(", "[", "a", "b", "c", ")", "]"),
    "CFG_L_15": ("(", "a", "d", ")", "b", "c"),
}
