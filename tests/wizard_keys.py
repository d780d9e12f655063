"""Key sequences for driving prompt_toolkit / questionary prompts."""

ENTER = "\r"
DOWN = "\x1b[B"
UP = "\x1b[A"
TAB = "\t"
BACKSPACE = "\x7f"
CTRL_C = "\x03"
