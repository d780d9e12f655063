"""Key sequences for driving prompt_toolkit / questionary prompts."""

ENTER = "\r"
DOWN = "\x1b[B"
UP = "\x1b[A"
TAB = "\t"
BACKSPACE = "\x7f"
CTRL_C = "\x03"
CTRL_D = "\x04"
ESC = "\x1b"

# Yes/no questions wait for Enter: "y" alone answers nothing yet.
YES = "y" + ENTER
NO = "n" + ENTER

# The Payment step after "Create this order?": the store's methods (default: Cash, Card,
# Bank transfer, Cheque, Other), then "Later (awaiting payment)", then "Back".
PAY_CASH = ENTER  # the first method
PAY_CARD = DOWN + ENTER
PAY_LATER = UP + UP + ENTER  # the menu wraps: Back, then Later
PAY_BACK = UP + ENTER
