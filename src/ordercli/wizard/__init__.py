"""Everything that prompts (questionary), and nothing else does.

* ``wizard/order.py``   the order wizard's prompts -> an ``OrderDraft`` (customer, items, extras),
                        reading the catalog through ``Queries`` (read sessions)
* ``wizard/stall.py``   the stall loop of ``order create``: collect -> review -> confirm -> payment -> sell -> next
* ``wizard/payment.py`` the Payment step (methods, Later, cash received and change, split payments)
* ``wizard/edit.py``    the interactive ``order edit``: pick what to change -> review -> confirm -> save
* ``wizard/confirm.py`` the keys every prompt shares (yes/no waits for Enter, Ctrl-D cancels menus, Esc = back)
                        and the yes/no and choice prompts of the other commands (cancel, refund, import)

The prompts only collect answers. The two loops that save (stall, edit) write
only through a service called inside the command's unit of work
(``cli._state.unit_of_work``), exactly as the flag doors do.

This file imports nothing: ``import ordercli.wizard.confirm`` must not pull in questionary
before a prompt is actually shown.
"""
