"""Which update the training kernel makes: the one table that
:class:`w2v.config.Params` validation, :func:`w2v.trainer.build_kernel` and
``w2v train``'s ``-batch`` help read.

A model's losses come from its flags (``-hs 1``: hierarchical softmax,
``-negative N``: negative sampling, both at once is allowed); its
architecture from ``-cbow``.  An *update* is how the kernel applies them:
word2vec.c's pair-by-pair updates, or a batched kernel (skip-gram: one draw
of negatives, or the Huffman path, per centre word, shared by its window;
CBOW: one draw of negatives shared by up to 8 centre words spread over a
line; trained as small matrix blocks).  A new kernel is a row of
:data:`UPDATES` plus its code in
``cython_src/w2v/_train.pyx`` (a ``Shared`` flag and a ``train_sentence_*``
function chosen in ``train_range``)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from w2v._train import CBOW_GROUP_SIZE, CBOW_GROUP_SPACING


@dataclass(frozen=True)
class Update:
    """One way to train: the architectures and losses it handles."""

    name: str
    batched: bool                      # the kernel's ``batch`` flag
    architectures: Tuple[str, ...]     # "sg" (skip-gram), "cbow"
    losses: Tuple[str, ...]            # "ns", "hs", "ns+hs" (see :func:`loss`)
    default: bool                      # chosen when -batch is not given and it applies
    what: str                          # what it trains, for the message of a -batch it refuses
    summary: str


UPDATES = (
    Update("batch", True, ("sg",), ("ns",), True, "skip-gram",
           "batched skip-gram: one draw of negatives per centre word, shared by its window, "
           "trained as small matrix blocks"),
    Update("batch-hs", True, ("sg",), ("hs",), True, "skip-gram",
           "batched skip-gram HS: a centre word's Huffman path shared by its window, "
           "trained as small matrix blocks"),
    Update("batch-cbow", True, ("cbow",), ("ns",), True, "CBOW",
           f"batched CBOW: up to {CBOW_GROUP_SIZE} centre words of a line, at least "
           f"{CBOW_GROUP_SPACING} apart, share one draw of negatives, trained as one small matrix block"),
    Update("pair", False, ("sg", "cbow"), ("ns", "hs", "ns+hs"), True, "skip-gram or CBOW",
           "word2vec.c's pair-by-pair updates"),
)


def architecture(cbow: int) -> str:
    return "cbow" if cbow else "sg"


def loss(hs: int, negative: int) -> str:
    """The losses a model trains: ``ns``, ``hs`` or ``ns+hs``."""
    return "+".join(name for name, on in (("ns", negative), ("hs", hs)) if on)


def applies(update: Update, cbow: int, hs: int, negative: int) -> bool:
    return architecture(cbow) in update.architectures and loss(hs, negative) in update.losses


def choose(cbow: int, hs: int, negative: int, batch: Optional[int] = None) -> Optional[Update]:
    """The update for these flags (*batch*: 1 = the batched kernel, 0 = the
    pair kernel, None = the first default that applies); None when *batch*
    asks for one that does not apply."""
    for update in UPDATES:
        wanted = update.default if batch is None else update.batched == bool(batch)
        if wanted and applies(update, cbow, hs, negative):
            return update
    return None


def refusal(batch: int) -> str:
    """The message for a -batch value that does not apply to the flags."""
    ok = [u for u in UPDATES if u.batched == bool(batch)]
    what = " or ".join(f"{u.what} with {' or '.join(_loss_names[x] for x in u.losses)}" for u in ok)
    flags = " or ".join(" ".join(_flags(u)) for u in ok)
    return f"-batch {int(batch)} is {what} only: use it with {flags}"


_loss_names = {"ns": "negative sampling", "hs": "hierarchical softmax", "ns+hs": "both losses"}


def _flags(update: Update) -> Tuple[str, ...]:
    flags = []
    if update.architectures == ("sg",):
        flags.append("-cbow 0")
    elif update.architectures == ("cbow",):
        flags.append("-cbow 1")
    if update.losses == ("ns",):
        flags.append("-hs 0")
    elif update.losses == ("hs",):
        flags.extend(("-hs 1", "-negative 0"))
    return tuple(flags)


def batch_help() -> str:
    """``w2v train -batch``'s help, from the table."""
    batched = [u for u in UPDATES if u.batched]
    pair = next(u for u in UPDATES if not u.batched)
    ones = "; ".join(f"{u.summary} ({' '.join(_flags(u))})" for u in batched)
    named = [f"{u.what} with {' or '.join(_loss_names[x] for x in u.losses)}" for u in batched if u.default]
    defaults = " and ".join(x for x in (", ".join(named[:-1]), named[-1]) if x)
    return (f"1 = a batched kernel: {ones}; 0 = {pair.summary} "
            f"[default: 1 for {defaults}, else 0].")
