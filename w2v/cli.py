"""The ``w2v`` command line (click only: every command builds a config and
calls one function of the package).  Flags are spelled like the C tools'
(single dash); ``-h``, ``-help`` and ``--help`` show help."""
from __future__ import annotations

import os
import sys
import time
from typing import Optional

import click

from . import formats, kernels
from ._version import __version__
from .config import (ACCURACY_THRESHOLD, ANALOGY_METHOD, ANALOGY_METHODS, LOOKUP_N, Params,  # the defaults:
                     PhrasesConfig, TrainJob, default)                                   # one definition
from .errors import W2VError, W2VInterrupted

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


def _reporter(debug: int):
    """The messages' reporter: None (w2v's own, on standard error), or the
    one a C-named launcher (w2v.ctools) gave main(), for C's console."""
    ctx = click.get_current_context(silent=True)
    make = ctx.obj if ctx is not None else None
    return make(debug) if make is not None else None


# --------------------------------------------------------------------------- train


def _p(name: str):
    return default(Params, name)


def _j(name: str):
    return default(TrainJob, name)


@cli.command("train", cls=Command, context_settings=CONTEXT)
@click.option("-train", "train", metavar="FILE", multiple=True,
              help="Training text (- = standard input; .gz/.bz2/.xz decompressed); may be given several "
                   "times, or as a quoted glob ('shards/*.txt', matches sorted); each file ends a line.  "
                   "Required, except with -resume.")
@click.option("-output", "output", metavar="FILE", default=_j("output"),
              help="Write vectors (or -classes) here; without it, only the vocabulary is built.")
@click.option("-size", "size", type=int, default=_p("size"), show_default=True, help="Vector dimensions.")
@click.option("-window", "window", type=int, default=_p("window"), show_default=True,
              help="Max skip length between words.")
@click.option("-sample", "sample", type=float, default=_p("sample"), show_default=True,
              help="Subsampling threshold for frequent words; 0 = off (useful: 1e-5..1e-3).")
@click.option("-hs", "hs", type=int, default=_p("hs"), show_default=True, help="1 = hierarchical softmax.")
@click.option("-negative", "negative", type=int, default=_p("negative"), show_default=True,
              help="Negative examples per positive (0 = none; common: 3..10).")
@click.option("-threads", "threads", type=int, default=_j("threads"), show_default=True,
              help="Worker threads; 0 = one per core; capped at the number of cores.")
@click.option("-iter", "iter", type=int, default=_p("iter"), show_default=True,
              help="Training epochs (with -continue: epochs to add).")
@click.option("-min-count", "min_count", type=int, default=_p("min_count"), show_default=True,
              help="Discard words seen fewer times.")
@click.option("-alpha", "alpha", type=float, default=_p("alpha"),
              help="Starting learning rate [default: 0.05 for CBOW, 0.025 for skip-gram; with -continue: "
                   "the model's].")
@click.option("-min-alpha", "min_alpha", type=float, default=_p("min_alpha"),
              help="End of the learning-rate schedule: decay linearly from -alpha to this, never below it "
                   "[default: C's schedule, decay to 0 floored at alpha * 1e-4].")
@click.option("-classes", "classes", type=int, default=_j("classes"), show_default=True,
              help="Write K k-means word classes instead of vectors.")
@click.option("-debug", "debug", type=int, default=_j("debug"), show_default=True,
              help="0 = quiet, 1 = summary and loss per epoch, 2 = progress too (standard error).")
@click.option("-binary", "binary", type=int, default=_j("binary"), show_default=True,
              help="1 = binary vectors file.")
@click.option("-save-vocab", "save_vocab", metavar="FILE", default=None,
              help="Save the vocabulary ('word count' lines).")
@click.option("-read-vocab", "read_vocab", metavar="FILE", default=None,
              help="Use this vocabulary instead of counting the training file.")
@click.option("-cbow", "cbow", type=int, default=_p("cbow"), show_default=True, help="1 = CBOW, 0 = skip-gram.")
@click.option("-batch", "batch", type=int, default=_p("batch"),
              help=kernels.batch_help())
@click.option("-sentence-vectors", "sentence_vectors", type=int, default=_p("sentence_vectors"),
              show_default=True,
              help="1 = paragraph vectors: the first token of each line is the line's ID, trained as a "
                   "context of every word of the line and written to -output after the words "
                   "(whatever -min-count; IDs repeated on several lines are one document).")
@click.option("-seed", "seed", type=int, default=_p("seed"), show_default=True,
              help="Random seed; with -threads 1 the output is reproducible byte for byte.")
@click.option("-save-model", "save_model", metavar="FILE", default=None,
              help="Write the whole model (vocabulary, all matrices, progress) at the end; "
                   "w2v.Model.load and -continue read it.")
@click.option("-checkpoint", "checkpoint", metavar="FILE", default=None,
              help="Keep the training state in FILE (rewritten at every epoch end and every "
                   "-checkpoint-every minutes, and on Ctrl-C or SIGTERM; under mpiexec every "
                   "-checkpoint-every minutes and on a stop); -resume FILE finishes the run.")
@click.option("-checkpoint-every", "checkpoint_every", type=float, default=_j("checkpoint_every"),
              show_default=True, help="Minutes between checkpoints within an epoch.")
@click.option("-resume", "resume", metavar="FILE", default=None,
              help="Finish an interrupted run from its checkpoint (the flags not given come from it; "
                   "hyperparameters cannot change; -train must be the same text; under mpiexec, the "
                   "same number of processes).")
@click.option("-continue", "continue_from", metavar="MODEL", default=None,
              help="Train a saved model (-save-model) -iter more epochs on -train, with a fresh "
                   "learning-rate schedule.")
@click.option("-update-vocab", "update_vocab", type=int, default=_j("update_vocab"), show_default=True,
              help="With -continue: 1 = new words reaching -min-count get vectors (negative sampling "
                   "only); 0 = words outside the model are skipped.")
@click.option("-init-vectors", "init_vectors", metavar="FILE", default=None,
              help="Start the word vectors from this vectors file (word2vec or GloVe format; words it "
                   "lacks start as usual; -size must match).")
@click.option("-save-context", "save_context", metavar="FILE", default=None,
              help="Write the context vectors (negative sampling's output rows) in -output's format.")
@click.option("-add-context", "add_context", type=int, default=_j("add_context"), show_default=True,
              help="1 = -output holds word + context vectors (w+c; needs -negative N).")
@click.option("-sync-words", "sync_words", type=int, default=_j("sync_words"),
              help="Under MPI (mpiexec -n K w2v train): a synchronisation after this many words trained by "
                   "all processes together (0: by -sync-every only) [default: 100000, or a fiftieth of an "
                   "epoch of the whole job where that is more].")
@click.option("-sync-every", "sync_every", type=float, default=_j("sync_every"), show_default=True,
              help="Under MPI: also a synchronisation every SEC seconds (0: none); with -sync-words, "
                   "whichever comes first.")
@click.option("-bind", "bind", type=int, default=_j("bind"), show_default=True,
              help="Under MPI: 1 = the threads of the processes on a node run on cores of their own "
                   "(unless the launcher placed them, or there are more threads than cores); 0 = the "
                   "OS places them.")
@click.pass_context
def train_cmd(ctx: click.Context, **flags) -> None:
    """Train word vectors (word2vec).

    \b
    Example:
      w2v train -train text8 -output vectors.bin -cbow 1 -size 200 -window 8 \\
          -negative 25 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15
      w2v train -train text8 -output v.bin -checkpoint run.ckpt   # Ctrl-C, then:
      w2v train -resume run.ckpt
    """
    import signal

    from .errors import Stopped
    from .train_command import from_flags, run

    given = {name for name in flags
             if ctx.get_parameter_source(name) == click.core.ParameterSource.COMMANDLINE}
    if not flags["train"] and not flags["resume"]:
        raise click.UsageError("Missing option '-train'.", ctx=ctx)
    values = {k: v for k, v in flags.items() if k != "train" or v}

    def terminate(signum, frame):
        # before and after training; while it trains, the trainer turns the
        # stop signals into a flag it acts on at its next pause
        raise Stopped(signum)

    signal.signal(signal.SIGTERM, terminate)
    if hasattr(signal, "SIGUSR1"):
        # Slurm's --signal=USR1@T: stop (and checkpoint, with -checkpoint) before the time limit
        signal.signal(signal.SIGUSR1, terminate)
    params, job, resumed = from_flags(values, given)
    run(params, job, reporter=_reporter(job.debug), given=given, resumed=resumed)


# --------------------------------------------------------------------------- infer
@cli.command("infer", cls=Command, context_settings=CONTEXT)
@click.argument("model", metavar="MODEL")
@click.option("-train", "train", metavar="FILE", required=True,
              help="New text: each line a document, its first token the document's ID (- = standard input).")
@click.option("-output", "output", metavar="FILE", required=True,
              help="The documents' vectors under their IDs (word2vec format).")
@click.option("-iter", "epochs", type=int, default=None, help="Epochs [default: the model's -iter].")
@click.option("-alpha", "alpha", type=float, default=None,
              help="Starting learning rate [default: the model's].")
@click.option("-seed", "seed", type=int, default=None,
              help="Random seed [default: the model's]; the same seed and -threads give the same bytes.")
@click.option("-threads", "threads", type=int, default=0, show_default=True, help="Worker threads; 0 = one per core.")
@click.option("-binary", "binary", type=click.IntRange(0, 1), default=0, show_default=True,
              help="1 = binary vectors file.")
@click.option("-debug", "debug", type=int, default=1, show_default=True,
              help="0 = quiet, 1 = summary, 2 = progress too (standard error).")
def infer_cmd(model: str, **flags) -> None:
    """Vectors for new documents from a saved model (-save-model): its words
    and outputs stay fixed, only the new documents' vectors train.

    \b
    Example:
      w2v train -train docs.txt -sentence-vectors 1 -output v.bin -save-model m.w2vm
      w2v infer m.w2vm -train new.txt -output new-docs.txt
    """
    from .infer import run

    run(model, **flags)


# --------------------------------------------------------------------------- phrases
@cli.command("phrases", cls=Command, context_settings=CONTEXT)
@click.option("-train", "train", metavar="FILE", required=True,
              help="Input text (- = standard input; .gz/.bz2/.xz decompressed).")
@click.option("-output", "output", metavar="FILE", required=True,
              help="Output text with phrases joined by _ (- = standard output).")
@click.option("-min-count", "min_count", type=int, default=default(PhrasesConfig, "min_count"), show_default=True,
              help="Ignore words and bigrams seen fewer times.")
@click.option("-threshold", "threshold", type=float, default=default(PhrasesConfig, "threshold"), show_default=True,
              help="Join a pair when its score exceeds this; higher = fewer phrases.")
@click.option("-debug", "debug", type=int, default=default(PhrasesConfig, "debug"), show_default=True,
              help="0 = quiet, 1 = summary, 2 = progress (standard error).")
@click.option("-save-phrases", "save_phrases", metavar="FILE", default=None,
              help="Write the accepted bigrams with counts and scores (TSV).")
@click.option("-c-compat", "c_compat", type=int, default=default(PhrasesConfig, "c_compat"), show_default=True,
              help="1 = count bigrams across line ends like word2phrase (for exact comparisons).")
def phrases_cmd(**flags) -> None:
    """Join frequent word pairs into phrases (word2phrase).

    \b
    Run it twice for phrases of up to four words:
      w2v phrases -train text.txt -output - | w2v phrases -train - -output phrases.txt -threshold 50
    """
    from .config import PhrasesConfig
    from .phrases import run

    cfg = PhrasesConfig(**flags)
    run(cfg, reporter=_reporter(cfg.debug))


# --------------------------------------------------------------------------- look-ups (issue: distance/analogy/accuracy)
_FORMAT = click.option("-format", "fmt", type=click.Choice(["text", "tsv", "json"]), default="text",
                       show_default=True, help="Output: text = the C tools' table; tsv; json (one object per query).")
_N = click.option("-n", "n", type=click.IntRange(min=1), default=LOOKUP_N, show_default=True,
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
@click.option("-method", "method", type=click.Choice(list(ANALOGY_METHODS)), default=ANALOGY_METHOD,
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
@click.option("-threshold", "threshold", type=click.IntRange(min=0), default=ACCURACY_THRESHOLD, show_default=True,
              help="Use only the first (most frequent) words; 0 = all.")
@click.option("-method", "method", type=click.Choice(list(ANALOGY_METHODS)), default=ANALOGY_METHOD,
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


# --------------------------------------------------------------------------- launchers
@cli.command("c-tools", cls=Command, context_settings=CONTEXT, short_help="Launchers named like the C tools.")
@click.argument("directory", metavar="DIR")
@click.option("-force", "force", metavar="0|1", type=click.IntRange(0, 1), default=0, show_default=True,
              help="1 = replace files of the same names that are not w2v launchers.")
def ctools_cmd(directory: str, force: int) -> None:
    """Write launchers named like the C tools into DIR (created if missing).

    Each runs w2v with its C tool's command line: the usage text and exit
    status 0 without arguments, C's positional arguments, the C tool's
    messages on standard output, its prompts, its exit statuses (1 for
    word2vec's and word2phrase's errors, 255 for a vectors file that
    cannot be opened).  Bad input is still one error line on standard error.
    They run this Python by its absolute path, so they work from anywhere,
    with or without a venv activated, DIR moved or not.  Launchers already
    in DIR are rewritten; other files of these names are kept (an error)
    unless -force 1.

    \b
    Names (the C makefile's, then the PyPI word2vec package's):
      word2vec  word2phrase  distance  word-analogy  compute-accuracy
      word2vec-distance  word2vec-word-analogy  word2vec-compute-accuracy
      word2vec-doc2vec (w2v train, with every flag it takes)

    \b
    Examples:
      w2v c-tools ~/w2v-bin && export PATH=~/w2v-bin:$PATH
      word2vec -train text8 -output vectors.bin -binary 1 && distance vectors.bin
      cd demo && w2v c-tools . && bash demo-word.sh   # the original demo scripts
                                                      # (in a folder without C's makefile)
    """
    from .ctools import write_launchers

    paths = write_launchers(directory, force=bool(force))
    click.echo(f"w2v c-tools: {len(paths)} launchers written to {directory}", err=True)


# --------------------------------------------------------------------------- formats and pictures
@cli.command("convert", cls=Command, context_settings=CONTEXT)
@click.argument("src", metavar="IN")
@click.argument("dst", metavar="OUT")
@click.option("-format", "fmt", type=click.Choice(list(formats.SAVE_FORMATS)), default=None,
              help=f"Output format [default: from OUT's extension: {formats.extensions_text(', ', ', ')}].")
@click.option("-limit", "limit", metavar="N", type=click.IntRange(min=0), default=0, show_default=True,
              help="Keep only the first (most frequent) N words; 0 = all.")
@click.option("-normalize", "normalize", metavar="0|1", type=click.IntRange(0, 1), default=0, show_default=True,
              help="1 = write unit-length vectors.")
def convert_cmd(src: str, dst: str, fmt: Optional[str], limit: int, normalize: int) -> None:
    """Convert vectors between formats.

    IN is read in any format w2v knows (detected): word2vec binary or text,
    fastText .vec, GloVe text, NAME.npy + NAME.words.txt, vectors.tsv +
    metadata.tsv.  OUT is written as: bin = word2vec binary (.bin); text =
    word2vec text (.txt, .vec); glove = text without the header line;
    npy = NAME.npy + NAME.words.txt (one word per line); tsv = the TensorBoard
    projector's vectors.tsv + metadata.tsv.  .gz/.bz2/.xz after a text or
    binary name compresses it.

    \b
    Example:
      w2v convert vectors.bin vectors.txt -limit 50000
      w2v convert glove.6B.100d.txt glove.bin -normalize 1
      w2v convert vectors.bin projector/vectors.tsv -limit 10000
    """
    from .convert import run

    run(src, dst, fmt=fmt, limit=limit, normalize=normalize)


@cli.command("plot", cls=Command, context_settings=CONTEXT)
@click.argument("file", metavar="VECTORS")
@click.argument("words", metavar="WORD...", nargs=-1, required=True)
@click.option("-output", "output", metavar="FILE", required=True,
              help="The picture: .png, .svg (labels stay text) or .pdf.")
@click.option("-neighbours", "neighbours", metavar="N", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also show each word's N nearest words.")
@click.option("-method", "method", type=click.Choice(["pca", "tsne"]), default="pca", show_default=True,
              help="pca: principal components (numpy); tsne: t-SNE (needs scikit-learn).")
def plot_cmd(file: str, words: tuple, output: str, neighbours: int, method: str) -> None:
    """Draw a 2-D map of words and their neighbours.

    One colour per WORD and its neighbours; the WORDs are drawn larger and
    bold.  Needs matplotlib: pip install "w2v[plot]".

    \b
    Example:
      w2v plot vectors.bin king water god -neighbours 8 -output map.png
    """
    from .plot import plot

    summary = plot(file, list(words), output, neighbours=neighbours, method=method)
    click.echo(f"w2v plot: {summary}", err=True)


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
        sys.stderr.flush()
        time.sleep(0.5)       # let mpiexec forward the line before the abort ends every rank
        dist.abort(code)
    if (dist.rank if dist is not None else env_rank()) == 0:
        click.echo(line, err=True)
    sys.exit(code)


def main(argv: Optional[list] = None, reporter=None) -> None:
    """Console entry point: one-line errors, proper exit codes, no tracebacks.
    *reporter*: a function of -debug giving the messages' reporter (the C
    tools' launchers, w2v.ctools); default: w2v's, on standard error."""
    args = sys.argv[1:] if argv is None else list(argv)

    def invoke() -> None:
        # make_context + invoke instead of cli.main(): click's main() turns a
        # broken pipe into a silent exit 1; we want the usual 141 (SIGPIPE).
        with cli.make_context("w2v", args, obj=reporter) as ctx:
            cli.invoke(ctx)
    guarded(invoke)


def guarded(run, prog: Optional[str] = None) -> None:
    """Run *run()* and exit as every w2v command does: 0, or one error line
    and its status (*prog* names the command in that line)."""
    if prog is not None:
        _prog[0] = prog
    try:
        run()
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        _error_exit(_usage_line(exc), exc.exit_code)
    except click.Abort:
        _error_exit(f"{_prog[0]}: interrupted", 130)
    except KeyboardInterrupt:
        _error_exit(f"{_prog[0]}: interrupted", 130)
    except W2VInterrupted as exc:
        _error_exit(f"{_prog[0]}: interrupted: {exc}", exc.exit_code)
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
