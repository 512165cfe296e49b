"""The conversational words around commands: greetings, thanks, politeness and
fillers, help and undo requests, and the answers to a yes/no question."""

from __future__ import annotations

import re

GREETINGS = (
    "hi", "hello", "hey", "hiya", "howdy", "yo", "good morning", "good afternoon",
    "good evening", "hi there", "hello there", "hey there", "greetings", "morning",
)  # fmt: skip
ACKNOWLEDGEMENTS = (
    "thanks", "thank you", "thx", "ty", "cheers", "many thanks", "thanks a lot",
    "thank you very much", "thank you so much", "ok", "okay", "great", "cool", "perfect",
    "awesome", "nice", "got it", "ok thanks", "bye", "goodbye", "all done", "i'm done",
    "that's all", "that's it", "nothing else", "no thanks",
)  # fmt: skip
POLITENESS = (
    "please", "pls", "plz", "kindly", "could you", "can you", "would you", "will you",
    "could you please", "can you please", "would you please", "would you mind",
    "i'd like you to", "i want you to", "go ahead and", "just", "and", "also", "then",
    "now", "oh", "um", "so", "well", "btw", "let's", "lets", "can i", "could i", "may i",
    "let me", "quickly", "actually", "ok so", "okay so", "alright", "all right", "right",
    "hmm", "hm", "oh and", "oops", "wait", "hey", "by the way", "i think", "maybe",
    "i guess", "ok", "okay", "ok and", "so yeah", "uh", "er", "honestly", "basically",
    "ok now", "right so", "anyway", "anyways",
)  # fmt: skip
TRAILING_POLITENESS = (
    "please", "pls", "plz", "thanks", "thank you", "thx", "for me", "if you can",
    "if possible", "thanks a lot", "thank you very much", "ok", "okay",
)  # fmt: skip
UNDO_REQUESTS = {
    "undo", "undo that", "undo it", "undo this", "undo the last change", "undo last change",
    "undo the last thing", "undo my last change", "undo last", "undo the change",
    "undo that change", "undo the last action", "put it back", "put them back",
    "put that back", "put those back", "never mind", "nevermind", "revert", "revert that",
    "revert it", "revert the last change", "take that back", "take it back",
    "bring it back", "bring them back", "bring that back", "restore it", "restore them",
    "restore that", "cancel that", "go back", "oops", "oops undo", "reverse that",
    "i didn't mean that", "i didnt mean that", "that was a mistake", "that was wrong",
}  # fmt: skip
HELP_REQUESTS = {
    "help", "help me", "what can you do", "what can you do for me", "what do you do",
    "how does this work", "how do i use this", "how do you work", "commands",
    "what are the commands", "what can i say", "what can i ask", "who are you",
    "what are you", "menu", "options", "instructions", "what do you understand",
    "how does it work", "what can i do here",
}  # fmt: skip


_YES = {
    "yes", "y", "yep", "yeah", "yup", "sure", "ok", "okay", "confirm", "confirmed", "do it",
    "go ahead", "yes please", "yes delete them", "yes do it", "please do", "delete them",
    "yes delete", "correct", "absolutely", "of course",
}  # fmt: skip
_NO = {
    "no", "n", "nope", "nah", "cancel", "stop", "don't", "dont", "no thanks", "keep them",
    "never mind", "nevermind", "abort", "no don't", "no keep them", "not now",
}  # fmt: skip


def confirmation_answer(text: str) -> bool | None:
    """True for "yes" (and its everyday forms), False for "no", None for anything else."""
    plain = " ".join(_CONFIRMATION_NOISE.sub(" ", text.lower()).split())
    plain = plain.removesuffix(" please").removeprefix("please ")
    if plain in _YES:
        return True
    if plain in _NO:
        return False
    return None


_CONFIRMATION_NOISE = re.compile(r"[^\w' ]+")
