"""The ``w2v`` command line (click only: every command builds a config and
calls one function of the package).  Flags are spelled like the C tools'
(single dash); ``-h``, ``-help`` and ``--help`` show help."""
from __future__ import annotations

import os
import sys
from typing import Optional

import click

from ._version import __version__
from .errors import W2VError

CONTEXT = {"help_option_names": ["-h", "-help", "--help"], "max_content_width": 100}
_prog = ["w2v"]


def _looks_like_number(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


class Command(click.Command):
    """A click command that names an unknown single-dash flag whole
    (click alone would report ``-bogus`` as ``-b``)."""

    def parse_args(self, ctx: click.Context, args: list) -> list:
        takes_value, flags = set(), set()
        for p in self.get_params(ctx):
            if isinstance(p, click.Option):
                names = set(p.opts) | set(p.secondary_opts)
                flags |= names
                if not p.is_flag and not p.count:
                    takes_value |= names
        skip = False
        for tok in args:
            if skip:
                skip = False
                continue
            if tok == "--":
                break
            name = tok.split("=", 1)[0]
            if tok.startswith("-") and len(tok) > 1 and not _looks_like_number(tok):
                if name not in flags:
                    import difflib

                    close = difflib.get_close_matches(name, sorted(flags), n=3)
                    raise click.NoSuchOption(name, possibilities=close, ctx=ctx)
                skip = name in takes_value and "=" not in tok
        return super().parse_args(ctx, args)


@click.group(context_settings=CONTEXT, invoke_without_command=True)
@click.version_option(__version__, "--version", "-version", prog_name="w2v",
                      message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """w2v: word2vec, word2phrase, distance, word-analogy and compute-accuracy,
    faster and safer.  Run 'w2v COMMAND -h' for a command's flags."""
    if ctx.invoked_subcommand:
        _prog[0] = f"w2v {ctx.invoked_subcommand}"
    else:
        # bare `w2v`: the help, exit 0 (like the C tools without arguments;
        # click >= 8.2 would report the whole help text as a one-line error)
        click.echo(ctx.get_help())
        ctx.exit(0)


# --------------------------------------------------------------------------- train
@cli.command("train", cls=Command, context_settings=CONTEXT)
@click.option("-train", "train", metavar="FILE", required=True, multiple=True,
              help="Training text (- = standard input; .gz/.bz2/.xz decompressed); may be given "
                   "several times, or as a quoted glob ('shards/*.txt', sorted).")
@click.option("-output", "output", metavar="FILE", default=None,
              help="Write vectors (or -classes) here; without it, only the vocabulary is built.")
@click.option("-size", "size", type=int, default=100, show_default=True, help="Vector dimensions.")
@click.option("-window", "window", type=int, default=5, show_default=True, help="Max skip length between words.")
@click.option("-sample", "sample", type=float, default=1e-3, show_default=True,
              help="Subsampling threshold for frequent words; 0 = off (useful: 1e-5..1e-3).")
@click.option("-hs", "hs", type=int, default=0, show_default=True, help="1 = hierarchical softmax.")
@click.option("-negative", "negative", type=int, default=5, show_default=True,
              help="Negative examples per positive (0 = none; common: 3..10).")
@click.option("-threads", "threads", type=int, default=12, show_default=True,
              help="Worker threads; 0 = one per core; capped at the number of cores.")
@click.option("-iter", "iter_", type=int, default=5, show_default=True, help="Training epochs.")
@click.option("-min-count", "min_count", type=int, default=5, show_default=True,
              help="Discard words seen fewer times.")
@click.option("-alpha", "alpha", type=float, default=None,
              help="Starting learning rate [default: 0.05 for CBOW, 0.025 for skip-gram].")
@click.option("-classes", "classes", type=int, default=0, show_default=True,
              help="Write K k-means word classes instead of vectors.")
@click.option("-debug", "debug", type=int, default=2, show_default=True,
              help="0 = quiet, 1 = summary, 2 = progress (standard error).")
@click.option("-binary", "binary", type=int, default=0, show_default=True, help="1 = binary vectors file.")
@click.option("-save-vocab", "save_vocab", metavar="FILE", default=None, help="Save the vocabulary ('word count' lines).")
@click.option("-read-vocab", "read_vocab", metavar="FILE", default=None,
              help="Use this vocabulary instead of counting the training file.")
@click.option("-cbow", "cbow", type=int, default=1, show_default=True, help="1 = CBOW, 0 = skip-gram.")
@click.option("-seed", "seed", type=int, default=1, show_default=True,
              help="Random seed; with -threads 1 the output is reproducible byte for byte.")
@click.option("-sync-every", "sync_every", type=float, default=1.0, show_default=True,
              help="Under MPI (mpiexec -n K): seconds between the processes' model averagings.")
def train_cmd(iter_: int, train: tuple, **flags) -> None:
    """Train word vectors (word2vec).

    \b
    Example:
      w2v train -train text8 -output vectors.bin -cbow 1 -size 200 -window 8 \\
          -negative 25 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15
    """
    from .config import TrainConfig
    from .train import run

    run(TrainConfig(iter=iter_, train=train[0] if len(train) == 1 else train, **flags))


# --------------------------------------------------------------------------- phrases
@cli.command("phrases", cls=Command, context_settings=CONTEXT)
@click.option("-train", "train", metavar="FILE", required=True,
              help="Input text (- = standard input; .gz/.bz2/.xz decompressed).")
@click.option("-output", "output", metavar="FILE", required=True,
              help="Output text with phrases joined by _ (- = standard output).")
@click.option("-min-count", "min_count", type=int, default=5, show_default=True,
              help="Ignore words and bigrams seen fewer times.")
@click.option("-threshold", "threshold", type=float, default=100.0, show_default=True,
              help="Join a pair when its score exceeds this; higher = fewer phrases.")
@click.option("-debug", "debug", type=int, default=2, show_default=True,
              help="0 = quiet, 1 = summary, 2 = progress (standard error).")
@click.option("-save-phrases", "save_phrases", metavar="FILE", default=None,
              help="Write the accepted bigrams with counts and scores (TSV).")
@click.option("-c-compat", "c_compat", type=int, default=0, show_default=True,
              help="1 = count bigrams across line ends like word2phrase (for exact comparisons).")
def phrases_cmd(**flags) -> None:
    """Join frequent word pairs into phrases (word2phrase).

    \b
    Run it twice for phrases of up to four words:
      w2v phrases -train text.txt -output - | w2v phrases -train - -output phrases.txt -threshold 50
    """
    from .config import PhrasesConfig
    from .phrases import run

    run(PhrasesConfig(**flags))


# --------------------------------------------------------------------------- look-ups (issue: distance/analogy/accuracy)
_FORMAT = click.option("-format", "fmt", type=click.Choice(["text", "tsv", "json"]), default="text",
                       show_default=True, help="Output: text = the C tools' table; tsv; json (one object per query).")
_N = click.option("-n", "n", type=click.IntRange(min=1), default=40, show_default=True,
                  help="Number of results per query.")


@cli.command("distance", cls=Command, context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
@click.argument("queries", metavar="[QUERY]...", nargs=-1)
@_N
@_FORMAT
def distance_cmd(file: str, queries: tuple, n: int, fmt: str) -> None:
    """Nearest words by cosine (distance).

    FILE is a word2vec vectors file (binary or text, detected; .gz too).
    Each QUERY is one query (quote several words to sum them); without
    QUERY, queries are read from standard input: interactively on a
    terminal (EXIT, Ctrl-D or Ctrl-C quits), one per line otherwise.

    \b
    Example:
      w2v distance vectors.bin king "paris france" -n 10
    """
    from .query import run

    run("distance", file, queries, n=n, fmt=fmt)


@cli.command("analogy", cls=Command, context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
@click.argument("words", metavar="[A B C]...", nargs=-1)
@_N
@_FORMAT
@click.option("-method", "method", type=click.Choice(["3cosadd", "3cosmul"]), default="3cosadd",
              show_default=True, help="3cosadd: nearest to b - a + c (word-analogy); 3cosmul: multiplicative.")
def analogy_cmd(file: str, words: tuple, n: int, fmt: str, method: str) -> None:
    """Analogies a : b :: c : ? (word-analogy).

    Words are taken three at a time (a b c: the answer is near b - a + c);
    without words, queries are read from standard input like 'w2v distance'.

    \b
    Example:
      w2v analogy vectors.bin man king woman
    """
    from .query import run

    run("analogy", file, words, n=n, fmt=fmt, method=method)


@cli.command("accuracy", cls=Command, context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
@click.option("-threshold", "threshold", type=click.IntRange(min=0), default=30000, show_default=True,
              help="Use only the first (most frequent) words; 0 = all.")
@click.option("-method", "method", type=click.Choice(["3cosadd", "3cosmul"]), default="3cosadd",
              show_default=True, help="3cosadd = compute-accuracy; 3cosmul = multiplicative.")
@click.option("-questions", "questions", metavar="FILE", default=None,
              help="Questions file (default: standard input), e.g. questions-words.txt.")
def accuracy_cmd(file: str, threshold: int, method: str, questions: Optional[str]) -> None:
    """Analogy accuracy (compute-accuracy).

    \b
    Example:
      w2v accuracy vectors.bin -threshold 30000 < questions-words.txt
    """
    from .evaluate import run_accuracy

    run_accuracy(file, threshold=threshold, method=method, questions=questions)


@cli.command("similarity", cls=Command, context_settings=CONTEXT)
@click.argument("file", metavar="FILE")
@click.argument("pairs", metavar="PAIRS")
@click.option("-threshold", "threshold", type=click.IntRange(min=0), default=0, show_default=True,
              help="Use only the first (most frequent) words; 0 = all.")
@click.option("-format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output format.")
def similarity_cmd(file: str, pairs: str, threshold: int, fmt: str) -> None:
    """Word-pair similarity: Spearman and Pearson correlation with human
    scores (PAIRS: 'word1<TAB>word2<TAB>score' lines, # comments; WordSim-353).

    \b
    Example:
      w2v similarity vectors.bin wordsim353.tsv
    """
    from .evaluate import run_similarity

    run_similarity(file, pairs, threshold=threshold, fmt=fmt)


def _usage_line(exc: click.ClickException) -> str:
    msg = exc.format_message().replace("\n", " ")
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, click.UsageError) and ctx is not None:
        return f"{ctx.command_path}: error: {msg} (see '{ctx.command_path} -h')"
    return f"{_prog[0]}: error: {msg}"


def _error_exit(line: str, code: int, local: bool = False) -> None:
    """Print the error once and exit.  Under MPI (``mpiexec -n K``) an error
    every rank saw (bad flags, or one the ranks agreed on) is printed by rank
    0 only; an error of one rank alone (*local*) ends the whole job."""
    from .distributed import current, env_rank

    dist = current()
    if dist is not None and local:
        click.echo(line if dist.rank == 0 else f"{line} (rank {dist.rank})", err=True)
        dist.abort(code)
    if (dist.rank if dist is not None else env_rank()) == 0:
        click.echo(line, err=True)
    sys.exit(code)


def main(argv: Optional[list] = None) -> None:
    """Console entry point: one-line errors, proper exit codes, no tracebacks."""
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        # make_context + invoke instead of cli.main(): click's main() turns a
        # broken pipe into a silent exit 1; we want the usual 141 (SIGPIPE).
        with cli.make_context("w2v", args) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _error_exit(_usage_line(exc), exc.exit_code)
    except click.Abort:
        click.echo(f"{_prog[0]}: interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo(f"{_prog[0]}: interrupted", err=True)
        sys.exit(130)
    except W2VError as exc:
        _error_exit(f"{_prog[0]}: error: {exc}", exc.exit_code, not getattr(exc, "collective", False))
    except BrokenPipeError:
        # the reader of our standard output went away (e.g. `| head`)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        sys.exit(141)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
